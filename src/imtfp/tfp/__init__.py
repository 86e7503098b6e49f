"""Capital stock and total factor productivity.

* :mod:`~imtfp.tfp.capital` — perpetual-inventory capital stock (Zhang et al. 2004; Hall–Jones);
* :mod:`~imtfp.tfp.growth` — real output, Solow residual, Törnqvist TFP growth;
* :mod:`~imtfp.tfp.dea` — radial DEA (CCR/BCC), slacks and peers;
* :mod:`~imtfp.tfp.malmquist` — Malmquist index (DEAP 2.1 conventions), three frontiers;
* :mod:`~imtfp.tfp.green` — SBM with undesirable outputs, DDF, Malmquist–Luenberger (``gtfpch``);
* :mod:`~imtfp.tfp.sfa` — translog terms, stochastic-frontier TFP and its decomposition;
* :mod:`~imtfp.tfp.industry` — the industrial chain (工业增加值, industrial capital and labour,
  estimated elasticities, Solow and Malmquist TFP) beside the whole-economy one;
* :mod:`~imtfp.tfp.allocation` — factor misallocation across provinces;
* :mod:`~imtfp.tfp.stages` — the functions the Snakemake rules call.
"""

from imtfp.tfp.capital import capital_stock
from imtfp.tfp.dea import DEADetails, dea, dea_details
from imtfp.tfp.green import (
    SBMDetails,
    directional_distance,
    malmquist_luenberger,
    sbm,
    sbm_details,
)
from imtfp.tfp.growth import estimate_alpha, real_output, solow_residual, tornqvist_tfp_growth
from imtfp.tfp.industry import (
    build_industry_tfp,
    estimate_elasticities,
    industry_capital,
    industry_checks,
)
from imtfp.tfp.malmquist import malmquist, malmquist_distances
from imtfp.tfp.sfa import sfa_tfp, sfa_tfp_level, translog
from imtfp.tfp.stages import build_capital, build_tfp, build_tfp_chains, capital_from_series

__all__ = [
    "DEADetails",
    "SBMDetails",
    "build_capital",
    "capital_from_series",
    "build_tfp",
    "build_tfp_chains",
    "build_industry_tfp",
    "estimate_elasticities",
    "industry_capital",
    "industry_checks",
    "capital_stock",
    "dea",
    "dea_details",
    "directional_distance",
    "estimate_alpha",
    "malmquist",
    "malmquist_distances",
    "malmquist_luenberger",
    "real_output",
    "sbm",
    "sbm_details",
    "sfa_tfp",
    "sfa_tfp_level",
    "solow_residual",
    "tornqvist_tfp_growth",
    "translog",
]
