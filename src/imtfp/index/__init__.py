"""Composite indices: weighting methods, TOPSIS, coupling coordination, obstacle degree.

Public API (all pure functions on DataFrames):

* normalisation: :func:`minmax_normalize`, :class:`ConstantIndicatorWarning`;
* weights: :func:`entropy_weights`, :func:`critic_weights`, :func:`pca_weights`
  (and :func:`pca_components`), :func:`equal_weights`;
* scores: :func:`topsis_closeness`, :func:`composite_index`;
* coupling: :func:`coupling_coordination`, :func:`coordination_level`,
  :func:`relative_development`;
* obstacles: :func:`obstacle_degree`, :func:`subsystem_obstacle`;
* stage function of the ``build_index`` rule: :func:`build_index`.
"""

from imtfp.index.build import NQPF_DIMENSIONS, SUBSYSTEMS, IndexSpec, build_index, parse_index_spec
from imtfp.index.composite import (
    METHODS,
    SCHEMES,
    Method,
    Scheme,
    composite_index,
    indicator_weights,
)
from imtfp.index.coupling import (
    LEVELS_EN,
    LEVELS_ZH,
    CouplingFormula,
    coordination_level,
    coupling_coordination,
    relative_development,
)
from imtfp.index.critic import critic_weights
from imtfp.index.entropy import entropy_weights
from imtfp.index.equal import equal_weights
from imtfp.index.normalize import ConstantIndicatorWarning, minmax_normalize
from imtfp.index.obstacle import obstacle_degree, subsystem_obstacle
from imtfp.index.pca import pca_components, pca_weights
from imtfp.index.topsis import topsis_closeness

__all__ = [
    "LEVELS_EN",
    "LEVELS_ZH",
    "METHODS",
    "NQPF_DIMENSIONS",
    "SCHEMES",
    "SUBSYSTEMS",
    "ConstantIndicatorWarning",
    "CouplingFormula",
    "IndexSpec",
    "Method",
    "Scheme",
    "build_index",
    "composite_index",
    "coordination_level",
    "coupling_coordination",
    "critic_weights",
    "entropy_weights",
    "equal_weights",
    "indicator_weights",
    "minmax_normalize",
    "obstacle_degree",
    "parse_index_spec",
    "pca_components",
    "pca_weights",
    "relative_development",
    "subsystem_obstacle",
    "topsis_closeness",
]
