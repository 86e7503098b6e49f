"""Causal designs on staggered adoption: heterogeneity-robust DiD and event studies.

* :func:`att_gt` — Callaway & Sant'Anna group-time ATTs; ``.aggregate(kind)`` as R ``aggte``;
* :func:`sun_abraham`, :func:`did_imputation` (Borusyak–Jaravel–Spiess), :func:`twfe_event_study`
  (binned endpoints), :func:`static_twfe`;
* :func:`bacon_decomposition` of the static TWFE estimate;
* :func:`pretrend_test`, :func:`honest_did` and :func:`honest_intervals` (Rambachan–Roth ARP
  C-LF and FLCI sets as HonestDiD computes them), :func:`randomization_inference`.

Every estimator returns an :class:`~imtfp.results.Estimates` subclass (``pretrend_test`` a
:class:`~imtfp.results.WaldTest`, ``randomization_inference`` a
:class:`~imtfp.results.RandomizationResult`). Our own numpy implementations (see docs/did.md for
why no library is wrapped).
"""

from imtfp.models.did._results import DidAggregate, HonestDidResult, StaticTwfeResult
from imtfp.models.did.bacon import BaconDecomposition, bacon_decomposition
from imtfp.models.did.cs import ATTgtResult, att_gt
from imtfp.models.did.honest import breakdown_value, honest_intervals, identified_set
from imtfp.models.did.imputation import did_imputation
from imtfp.models.did.regression import static_twfe, sun_abraham, twfe_event_study
from imtfp.models.did.ri import randomization_inference
from imtfp.models.did.sensitivity import honest_did, pretrend_test

__all__ = [
    "ATTgtResult",
    "BaconDecomposition",
    "DidAggregate",
    "HonestDidResult",
    "StaticTwfeResult",
    "att_gt",
    "bacon_decomposition",
    "breakdown_value",
    "did_imputation",
    "honest_did",
    "honest_intervals",
    "identified_set",
    "pretrend_test",
    "randomization_inference",
    "static_twfe",
    "sun_abraham",
    "twfe_event_study",
]
