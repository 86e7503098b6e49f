"""Panel models: TWFE and its inference, mediation, heterogeneity, IV, threshold, falsification,
frontier, dynamic GMM, spatial panels.

The pipeline's models are listed once, in :data:`imtfp.models.registry.MODELS`; their stage
functions are in :mod:`imtfp.models.stages`, the causal designs in :mod:`imtfp.models.did`.

The public names below are those of the registry (:func:`imtfp.models.registry.exports`). No
implementation module is named like a public function (``mediation`` is defined in
:mod:`imtfp.models.mediation_analysis`, ``threshold`` in :mod:`imtfp.models.threshold_regression`),
so importing a submodule can never shadow a name of this package.
"""

from imtfp.models.registry import exports as _exports

# Lazy (PEP 562): `import imtfp.models.multiverse` must not pull in every estimator's imports
# (about 2 s per job); a name below is imported when it is first used.
_LAZY = _exports()


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'imtfp.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(_LAZY)
