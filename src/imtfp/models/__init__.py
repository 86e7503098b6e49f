"""Panel models: TWFE and its inference, mediation, heterogeneity, IV, threshold.

Stage functions for the Snakemake rules are in :mod:`imtfp.models.stages`.
"""

# Lazy (PEP 562): `import imtfp.models.multiverse` must not pull in statsmodels and linearmodels
# through panel.py (about 2 s per job); a name below is imported when it is first used.
_LAZY = {
    "group_equality_test": "heterogeneity",
    "moderation": "heterogeneity",
    "split_samples": "heterogeneity",
    "iv_2sls": "iv",
    "lagged_regression": "iv",
    "MediationResult": "mediation",
    "mediation": "mediation",
    "PanelFit": "panel",
    "fit_twfe": "panel",
    "inference_panel": "panel",
    "twfe": "panel",
    "baseline_table": "stages",
    "heterogeneity_table": "stages",
    "inference_table": "stages",
    "iv_table": "stages",
    "mediation_table": "stages",
    "threshold_table": "stages",
    "ThresholdResult": "threshold",
    "threshold": "threshold",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"imtfp.models.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'imtfp.models' has no attribute {name!r}")


__all__ = [
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
