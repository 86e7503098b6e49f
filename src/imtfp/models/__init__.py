"""Panel models: TWFE and its inference, mediation, heterogeneity, IV, threshold.

Stage functions for the Snakemake rules are in :mod:`imtfp.models.stages`.
"""

from imtfp.models.heterogeneity import group_equality_test, moderation, split_samples
from imtfp.models.iv import IVFit, iv_2sls, lagged_regression
from imtfp.models.mediation import MediationResult, mediation
from imtfp.models.panel import PanelFit, fit_twfe, inference_panel, twfe
from imtfp.models.stages import (
    baseline_table,
    heterogeneity_table,
    inference_table,
    iv_table,
    mediation_table,
    threshold_table,
)
from imtfp.models.threshold import ThresholdResult, threshold

__all__ = [
    "IVFit",
    "MediationResult",
    "PanelFit",
    "ThresholdResult",
    "baseline_table",
    "fit_twfe",
    "group_equality_test",
    "heterogeneity_table",
    "inference_panel",
    "inference_table",
    "iv_2sls",
    "iv_table",
    "lagged_regression",
    "mediation",
    "mediation_table",
    "moderation",
    "split_samples",
    "threshold",
    "threshold_table",
    "twfe",
]
