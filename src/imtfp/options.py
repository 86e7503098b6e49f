"""The option vocabulary of imtfp: every ``Literal`` option type and the one run-time check.

Options are plain strings (they come from YAML), typed as ``Literal`` so that
a type checker sees the choices, and checked at run time by
:func:`check_option`, which raises :class:`~imtfp.errors.ConfigError` naming
the option, the bad value and the choices. (The presentation options of the
report layer live in :mod:`imtfp.report.options`.)

Examples
--------
>>> from imtfp.options import Effects, check_option
>>> check_option("twoway", Effects, "effects")
>>> check_option("both", Effects, "effects")
Traceback (most recent call last):
...
imtfp.errors.ConfigError: effects='both' is not one of ('twoway', 'entity', 'time', 'none')
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal, get_args

from imtfp.errors import ConfigError, InputTypeError

# ---- panel models (imtfp.models, imtfp.core) ---------------------------------------------------

#: Absorbed fixed effects of a panel model.
Effects = Literal["twoway", "entity", "time", "none"]
#: Covariance estimator of a panel model (see :mod:`imtfp.models.panel`).
CovType = Literal["unadjusted", "robust", "clustered", "driscoll_kraay", "twoway_clustered"]
#: Mediation design: all three equations, or the X→M equation only (Jiang 2022).
MediationMode = Literal["stepwise", "two_step"]
#: Fixed effects and covariance choices of a multiverse specification.
MultiverseEffects = Literal["twoway", "entity"]
MultiverseCov = Literal["clustered", "driscoll_kraay"]
#: Which K enters the small-sample factor of the multiverse engine.
DofConvention = Literal["stata", "linearmodels"]
#: Wild bootstrap weights and p-value type (:mod:`imtfp.core.wild`).
WildWeights = Literal["webb", "rademacher", "mammen"]
PValueType = Literal["symmetric", "equal_tailed"]
#: Distribution of the inefficiency term of a stochastic frontier (:mod:`imtfp.models.frontier`).
SFADistribution = Literal["half-normal", "truncated-normal"]
#: Functional form of a production frontier (:func:`imtfp.tfp.sfa.translog`).
FrontierForm = Literal["cobb_douglas", "translog"]

# ---- measurement (imtfp.index) -----------------------------------------------------------------

IndexMethod = Literal["entropy", "critic", "pca", "pca_variance", "equal", "topsis"]
IndexScheme = Literal["global", "per_year"]
TopsisNormalize = Literal["vector", "minmax"]
EntropyNormalize = Literal["minmax", "none"]
PcaVariant = Literal["first", "variance"]
CouplingFormula = Literal["classic", "corrected"]

# ---- measurement (imtfp.tfp) -------------------------------------------------------------------

RTS = Literal["crs", "vrs"]
Orientation = Literal["input", "output"]
Frontier = Literal["contemporaneous", "global", "sequential"]
Disposability = Literal["weak", "strong"]
OnInfeasible = Literal["raise", "missing"]
CapitalBase = Literal["zhang", "hall_jones"]
NonPositive = Literal["raise", "keep"]
LPEngine = Literal["auto", "highspy", "linprog"]
LPStatus = Literal["optimal", "infeasible", "unbounded", "error"]
#: TFP chains: whole economy (GRP, GFCF, employment) and industry (工业增加值, industrial FAI, industrial labour).
TfpChain = Literal["economy", "industry"]
#: Factor elasticities of the industrial chain (:mod:`imtfp.tfp.industry`).
ElasticityMethod = Literal["fe", "fe_free", "income_share"]
#: Which neighbouring years give the growth assumed across a spliced break.
SpliceFrom = Literal["after", "before"]

# ---- data (imtfp.ingest, imtfp.panel, imtfp.warehouse) -----------------------------------------

OnBadCell = Literal["error", "reject"]
MissingPolicy = Literal["none", "interpolate", "carry"]
FewClusters = Literal[
    "refuse", "warn"
]  # below models.min_clusters: refuse, or report with a warning


def choices(allowed: Any) -> tuple:
    """The choices of a ``Literal`` alias (or of a plain collection), in order."""
    args = get_args(allowed)
    if args:
        return args
    if isinstance(allowed, Collection) and not isinstance(allowed, str):
        return tuple(allowed)
    raise InputTypeError(f"not a Literal type or a collection of choices: {allowed!r}")


def check_option(value: Any, allowed: Any, name: str) -> None:
    """Raise :class:`~imtfp.errors.ConfigError` unless ``value`` is one of ``allowed``.

    Parameters
    ----------
    value : the option given
    allowed : a ``Literal`` alias (e.g. :data:`Effects`) or a collection of choices
    name : the option's name (argument or dotted config key) for the message
    """
    options = choices(allowed)
    if value not in options:
        raise ConfigError(f"{name}={value!r} is not one of {options}")
