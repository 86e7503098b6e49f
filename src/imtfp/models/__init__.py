"""Panel models: TWFE and its inference, mediation, heterogeneity, IV, threshold, frontier,
dynamic GMM, spatial panels.

Stage functions for the Snakemake rules are in :mod:`imtfp.models.stages`.
"""

# Lazy (PEP 562): `import imtfp.models.multiverse` must not pull in every estimator's imports
# (about 2 s per job); a name below is imported when it is first used.
_LAZY = {
    "DynamicPanelFit": "dynamic",
    "dynamic_panel": "dynamic",
    "estimate_dynamic": "dynamic",
    "EqualityTest": "heterogeneity",
    "FrontierResult": "frontier",
    "estimate_sfa": "frontier",
    "sfa": "frontier",
    "group_equality_test": "heterogeneity",
    "moderation": "heterogeneity",
    "split_samples": "heterogeneity",
    "IVFit": "iv",
    "iv_2sls": "iv",
    "lagged_regression": "iv",
    "MediationResult": "mediation",
    "Path": "mediation",
    "mediation": "mediation",
    "SpecificationCurve": "multiverse",
    "estimate_specifications": "multiverse",
    "specification_grid": "multiverse",
    "PanelFit": "panel",
    "fit_twfe": "panel",
    "inference_panel": "panel",
    "twfe": "panel",
    "feols": "formula",
    "feiv": "formula",
    "mediate": "formula",
    "parse_formula": "formula",
    "estimate_baseline": "stages",
    "estimate_heterogeneity": "stages",
    "estimate_inference": "stages",
    "estimate_iv": "stages",
    "estimate_mediation": "stages",
    "estimate_threshold": "stages",
    "ThresholdResult": "threshold",
    "threshold": "threshold",
    "SpatialPanelResults": "spatial",
    "spatial_panel": "spatial",
    "spatial_diagnostics": "spatial.diagnostics",
    "moran_panel": "spatial.diagnostics",
    "estimate_spatial": "spatial.stages",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"imtfp.models.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'imtfp.models' has no attribute {name!r}")


__all__ = sorted(_LAZY)
