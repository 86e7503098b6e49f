"""Spatial panel models: SAR, SDM, SEM, SDEM and SLX with fixed effects, static or dynamic,
their LeSage–Pace impacts, and Moran's I / LM diagnostics (see :mod:`.estimation`,
:mod:`.results`, :mod:`.diagnostics`; the pipeline stage is :mod:`.stages`)."""

from imtfp.models.spatial.estimation import spatial_panel
from imtfp.models.spatial.results import SpatialPanelResults

__all__ = ["SpatialPanelResults", "spatial_panel"]
