"""Panel models: TWFE and its inference, mediation, heterogeneity, IV, threshold.

Stage functions for the Snakemake rules are in :mod:`imtfp.models.stages`.
"""

from imtfp.models.heterogeneity import EqualityTest, group_equality_test, moderation, split_samples
from imtfp.models.iv import IVFit, iv_2sls, lagged_regression
from imtfp.models.mediation import MediationResult, Path, mediation
from imtfp.models.multiverse import SpecificationCurve, estimate_specifications, specification_grid
from imtfp.models.panel import PanelFit, fit_twfe, inference_panel, twfe
from imtfp.models.stages import (
    estimate_baseline,
    estimate_heterogeneity,
    estimate_inference,
    estimate_iv,
    estimate_mediation,
    estimate_threshold,
)
from imtfp.models.threshold import ThresholdResult, threshold

__all__ = [
    "EqualityTest",
    "Path",
    "SpecificationCurve",
    "estimate_specifications",
    "specification_grid",
    "IVFit",
    "MediationResult",
    "PanelFit",
    "ThresholdResult",
    "estimate_baseline",
    "fit_twfe",
    "group_equality_test",
    "estimate_heterogeneity",
    "inference_panel",
    "estimate_inference",
    "iv_2sls",
    "estimate_iv",
    "lagged_regression",
    "mediation",
    "estimate_mediation",
    "moderation",
    "split_samples",
    "threshold",
    "estimate_threshold",
    "twfe",
]
