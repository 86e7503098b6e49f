"""Numerical kernels shared by measurement and models (numpy/scipy only).

* :mod:`imtfp.core.fe` — partialling out fixed effects (``demean``, ``group_codes``)
* :mod:`imtfp.core.ols` — least squares, single, batched and from cross products
* :mod:`imtfp.core.vcov` — unadjusted, HC1, clustered, two-way clustered, Driscoll–Kraay
* :mod:`imtfp.core.wild` — wild cluster restricted bootstrap, vectorised over draws
* :mod:`imtfp.core.bootstrap` — cluster resampling, moments of resampled panels, CIs
"""
