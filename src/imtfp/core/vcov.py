"""Covariance estimators for least squares on partialled (within-transformed) data.

All functions take the partialled design ``X`` (n, k), the residuals and
:math:`(X'X)^{-1}`, so they serve the user-facing fits and the multiverse
engine alike.

Degrees of freedom (``k_df``) are chosen by the caller and documented where
the caller decides them. The convention of :mod:`imtfp.models.panel` is
Stata's: ``k_df`` counts the slope coefficients, the constant, and the
fixed-effect dummies that are *not* nested in the cluster variable. With
province effects and province clusters this is exactly ``xtreg, fe
vce(cluster id)`` (and ``reghdfe``, which also drops nested effects from the
count); with year effects as well it is ``xtreg y x i.year, fe vce(cluster
id)``. ``areg ..., vce(cluster id)`` counts the nested effects too and so
reports larger standard errors; that is not reproduced here.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from imtfp.errors import ConfigError, EstimationError
from imtfp.options import FewClusters, check_option

logger = logging.getLogger("imtfp.inference")

#: Fewest clusters for clustered, two-way clustered and wild-bootstrap inference (config
#: ``models.min_clusters``). With G clusters the cluster-robust variance has rank at most G - 1 and
#: its t statistics are referred to t(G - 1): with 2-4 clusters the standard error is noise that
#: looks like precision (Cameron and Miller 2015, section VI; MacKinnon and Webb 2017).
MIN_CLUSTERS = 5
#: Fewest periods for Driscoll–Kraay (config ``models.dk_min_periods``): its Newey–West step is
#: consistent in T, and with few periods it understates the variance (Driscoll and Kraay 1998;
#: Hoechle 2007 uses T >= 20 in his simulations).
DK_MIN_PERIODS = 20


@dataclass(frozen=True)
class InferenceLimits:
    """When inference refuses rather than print false precision (config keys of ``models``).

    ``few_clusters="refuse"`` raises :class:`EstimationError` below ``min_clusters``; ``"warn"``
    computes anyway and warns naming the count (an explicit choice in the config). Driscoll–Kraay
    below ``dk_min_periods`` refuses unless ``dk_force``.

    Passed explicitly, as linearmodels' ``cov_config``: every estimator that computes a clustered
    or Driscoll–Kraay covariance takes ``limits=`` (``None``: these defaults), and a pipeline stage
    builds it from its config with :func:`limits_from_spec`.
    """

    min_clusters: int = MIN_CLUSTERS
    few_clusters: FewClusters = "refuse"
    dk_min_periods: int = DK_MIN_PERIODS
    dk_force: bool = False

    def __post_init__(self) -> None:
        check_option(self.few_clusters, FewClusters, "models.few_clusters")
        if self.min_clusters < 2:
            raise ConfigError("models.min_clusters must be at least 2")


#: The limits of an estimator called without ``limits=`` (the config schema's defaults).
DEFAULT_LIMITS = InferenceLimits()


def limits_from_spec(spec: Mapping | None) -> InferenceLimits:
    """Limits from the config's ``models`` section (keys ``min_clusters``, ``few_clusters``,
    ``dk_min_periods``, ``dk_force``); missing keys keep the defaults."""
    spec = spec or {}
    fields = {"min_clusters": int, "few_clusters": str, "dk_min_periods": int, "dk_force": bool}
    changes = {k: cast(spec[k]) for k, cast in fields.items() if spec.get(k) is not None}
    return replace(DEFAULT_LIMITS, **changes)


def check_clusters(
    n_clusters: int,
    *,
    what: str = "cluster-robust inference",
    limits: InferenceLimits | None = None,
) -> None:
    """Refuse (or, if the config says so, warn) below the minimum number of clusters."""
    lim = limits or DEFAULT_LIMITS
    if n_clusters >= lim.min_clusters:
        return
    msg = (
        f"{what} with only {n_clusters} clusters, below the minimum of {lim.min_clusters} "
        "(models.min_clusters): its standard errors and p-values would be false precision"
    )
    if lim.few_clusters == "refuse" or n_clusters < 2:
        raise EstimationError(
            msg
            + "; use fewer or larger groups, or set models.few_clusters: warn to report it anyway"
        )
    warnings.warn(msg, UserWarning, stacklevel=3)
    logger.warning(msg)


def check_periods(
    n_periods: int,
    *,
    what: str = "Driscoll–Kraay standard errors",
    limits: InferenceLimits | None = None,
) -> None:
    """Refuse Driscoll–Kraay below its period minimum unless the config forces it (then warn)."""
    lim = limits or DEFAULT_LIMITS
    if n_periods >= lim.dk_min_periods:
        return
    msg = (
        f"{what} with only T = {n_periods} periods, below the minimum of {lim.dk_min_periods} "
        "(models.dk_min_periods): the kernel estimate of the time-series correlation is unreliable"
    )
    if not lim.dk_force:
        raise EstimationError(
            msg + "; use clustered inference, or set models.dk_force: true to report it anyway"
        )
    warnings.warn(msg, UserWarning, stacklevel=3)
    logger.warning(msg)


def group_sums(A: np.ndarray, codes: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Sum the rows of ``A`` within groups: returns (G, ...) with ``G = max(codes)+1``."""
    A = np.asarray(A, dtype=float)
    codes = np.asarray(codes, dtype=np.intp)
    G = int(codes.max()) + 1 if n_groups is None else int(n_groups)
    if (
        A.ndim <= 2
    ):  # one bincount per column: O(n), no sort (np.add.at dominates at millions of rows)
        cols = A.reshape(len(A), -1)
        out = np.column_stack([np.bincount(codes, weights=c, minlength=G) for c in cols.T])
        return out.reshape((G,) + A.shape[1:])
    out = np.zeros((G,) + A.shape[1:])
    np.add.at(out, codes, A)
    return out


def cluster_factor(
    nobs: int,
    k_df: int,
    n_clusters: int,
    *,
    check: bool = True,
    limits: InferenceLimits | None = None,
) -> float:
    """Stata's small-sample factor :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}`.

    Every clustered covariance goes through here, so ``check`` applies :func:`check_clusters`
    (``False`` where the caller has checked already, naming its method).
    """
    if check:
        check_clusters(n_clusters, limits=limits)
    if n_clusters < 2:
        raise EstimationError(
            f"cluster-robust covariance needs at least 2 clusters, got {n_clusters}"
        )
    if nobs <= k_df:
        raise EstimationError(f"no residual degrees of freedom: N = {nobs}, K = {k_df}")
    return n_clusters / (n_clusters - 1) * (nobs - 1) / (nobs - k_df)


def _sandwich(xtx_inv: np.ndarray, meat: np.ndarray) -> np.ndarray:
    V = xtx_inv @ meat @ xtx_inv
    return (V + V.T) / 2


def vcov_unadjusted(xtx_inv: np.ndarray, resid: np.ndarray, df_resid: int) -> np.ndarray:
    """:math:`s^2 (X'X)^{-1}` with :math:`s^2 = \\hat e'\\hat e / \\text{df}`."""
    if df_resid <= 0:
        raise EstimationError(f"no residual degrees of freedom (df = {df_resid})")
    return float(resid @ resid) / df_resid * xtx_inv


def vcov_robust(X: np.ndarray, resid: np.ndarray, xtx_inv: np.ndarray, *, k_df: int) -> np.ndarray:
    """Heteroskedasticity-robust HC1: :math:`\\frac{N}{N-K}(X'X)^{-1}\\sum_i x_i x_i' e_i^2 (X'X)^{-1}`."""
    n = X.shape[0]
    if n <= k_df:
        raise EstimationError(f"no residual degrees of freedom: N = {n}, K = {k_df}")
    xe = X * resid[:, None]
    return _sandwich(xtx_inv, xe.T @ xe) * n / (n - k_df)


def cluster_meat(X: np.ndarray, resid: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """:math:`\\sum_g (X_g'e_g)(X_g'e_g)'`."""
    s = group_sums(X * resid[:, None], codes)
    return s.T @ s


def vcov_cluster(
    X: np.ndarray,
    resid: np.ndarray,
    xtx_inv: np.ndarray,
    codes: np.ndarray,
    *,
    k_df: int,
    adjust: bool = True,
    check: bool = True,
    limits: InferenceLimits | None = None,
) -> np.ndarray:
    """One-way cluster-robust covariance (Liang–Zeger), Stata small-sample factor.

    Below :data:`MIN_CLUSTERS` (or the config's ``models.min_clusters``) clusters it refuses with
    :class:`EstimationError` naming the count (see :func:`check_clusters`); ``check=False`` is for
    internal terms such as the intersection clusters of the two-way estimator.

    .. math::
        \\hat V = \\frac{G}{G-1}\\frac{N-1}{N-K}(X'X)^{-1}
        \\Big[\\sum_g X_g'\\hat e_g\\hat e_g'X_g\\Big](X'X)^{-1}
    """
    codes = np.asarray(codes, dtype=np.intp)
    G = int(np.count_nonzero(np.bincount(codes)))  # clusters present, in O(n)
    if check:
        check_clusters(G, limits=limits)
    V = _sandwich(xtx_inv, cluster_meat(X, resid, codes))
    return V * cluster_factor(X.shape[0], k_df, G, check=False) if adjust else V


def _intersection_codes(c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    pairs = np.stack([np.asarray(c1), np.asarray(c2)], axis=1)
    _, inv = np.unique(pairs, axis=0, return_inverse=True)
    return inv.ravel().astype(np.intp)


def vcov_twoway_cluster(
    X: np.ndarray,
    resid: np.ndarray,
    xtx_inv: np.ndarray,
    codes1: np.ndarray,
    codes2: np.ndarray,
    *,
    k_df: int,
    adjust: bool = True,
    limits: InferenceLimits | None = None,
) -> np.ndarray:
    """Two-way clustered covariance of Cameron, Gelbach and Miller (2011).

    :math:`\\hat V = \\hat V_1 + \\hat V_2 - \\hat V_{12}`, each term a one-way
    clustered covariance with its own factor :math:`G_j/(G_j-1)\\cdot(N-1)/(N-K)`
    (as in ``cgmreg``); :math:`V_{12}` clusters on the intersection. If the
    sum is not positive semi-definite its negative eigenvalues are set to zero
    (CGM 2011, section 2.3).
    """
    c12 = _intersection_codes(codes1, codes2)
    for name, c in (("first", codes1), ("second", codes2)):
        check_clusters(
            len(np.unique(np.asarray(c))),
            what=f"two-way clustered inference ({name} dimension)",
            limits=limits,
        )
    V = (
        vcov_cluster(X, resid, xtx_inv, codes1, k_df=k_df, adjust=adjust, check=False)
        + vcov_cluster(X, resid, xtx_inv, codes2, k_df=k_df, adjust=adjust, check=False)
        - vcov_cluster(X, resid, xtx_inv, c12, k_df=k_df, adjust=adjust, check=False)
    )
    w, Q = np.linalg.eigh(V)
    if w.min() < 0:
        V = (Q * np.clip(w, 0, None)) @ Q.T
    return (V + V.T) / 2


def dk_default_bandwidth(n_periods: int) -> int:
    """Newey–West rule of thumb :math:`\\lfloor 4 (T/100)^{2/9} \\rfloor` (as in xtscc and linearmodels)."""
    return int(np.floor(4 * (n_periods / 100) ** (2 / 9)))


def vcov_driscoll_kraay(
    X: np.ndarray,
    resid: np.ndarray,
    xtx_inv: np.ndarray,
    time_codes: np.ndarray,
    *,
    k_df: int,
    bandwidth: int | None = None,
    limits: InferenceLimits | None = None,
) -> np.ndarray:
    """Driscoll–Kraay (1998) covariance: Newey–West on cross-sectional sums of scores.

    .. math::
        h_t = \\sum_i x_{it}\\hat e_{it},\\quad
        \\hat S = \\sum_{j=-L}^{L} \\Big(1-\\frac{|j|}{L+1}\\Big)\\sum_t h_t h_{t-j}',\\quad
        \\hat V = \\frac{N}{N-K}(X'X)^{-1}\\hat S(X'X)^{-1}

    The factor :math:`N/(N-K)` with all absorbed effects in :math:`K` is the
    convention of linearmodels' ``PanelOLS(cov_type="kernel", debiased=True)``.
    The estimator needs many periods: below :data:`DK_MIN_PERIODS` (config
    ``models.dk_min_periods``) it refuses unless ``models.dk_force`` (see :func:`check_periods`).
    """
    n = X.shape[0]
    h = group_sums(X * resid[:, None], time_codes)  # (T, k), periods in sorted order
    T = h.shape[0]
    check_periods(T, limits=limits)
    L = dk_default_bandwidth(T) if bandwidth is None else int(bandwidth)
    if L >= T:
        raise EstimationError(
            f"Driscoll–Kraay bandwidth {L} must be below the number of periods {T}"
        )
    S = h.T @ h
    for j in range(1, L + 1):
        G = h[j:].T @ h[:-j]
        S += (1 - j / (L + 1)) * (G + G.T)
    if n <= k_df:
        raise EstimationError(f"no residual degrees of freedom: N = {n}, K = {k_df}")
    return _sandwich(xtx_inv, S) * n / (n - k_df)


def is_nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """True if every group of ``inner`` lies inside one group of ``outer``."""
    inner = np.asarray(inner)
    outer = np.asarray(outer)
    pairs = np.unique(np.stack([inner, outer], axis=1), axis=0)
    return len(pairs) == len(np.unique(inner))


def absorbed_dof(groups: Sequence[np.ndarray], clusters: Sequence[np.ndarray] = ()) -> int:
    """Dummies spent on absorbed effects, less those nested in a cluster variable.

    Each factor with :math:`G_j` levels costs :math:`G_j - 1` (the constant is
    counted separately by the caller); this assumes the factors are connected,
    as in a panel where every province is observed in several years.
    """
    dof = 0
    for codes in groups:
        if any(is_nested(codes, c) for c in clusters):
            continue
        dof += len(np.unique(codes)) - 1
    return dof
