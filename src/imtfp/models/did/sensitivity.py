r"""Pre-trend test and Rambachan & Roth (2023) sensitivity of an event study.

Event-study coefficients :math:`\hat\beta_e` (pre :math:`e<-1`, reference :math:`e=-1` normalised to
0, post :math:`e\ge0`) are read as :math:`\beta = \tau + \delta` with a bias :math:`\delta` that
equals the pre-period coefficients before treatment. The target is
:math:`\theta = \sum_{l\ge0} a_l\tau_l` (by default the average post effect).

* **Relative magnitudes** :math:`\Delta^{RM}(\bar M)`: post-period changes of :math:`\delta` are at
  most :math:`\bar M` times the largest pre-period change :math:`m = \max_{s<0}|\delta_{s}-\delta_{s-1}|`,
  so :math:`|\delta_l| \le (l+1)\bar M m` and :math:`\theta \in \hat\theta \pm \bar M m\sum_l a_l(l+1)`.
* **Smoothness** :math:`\Delta^{SD}(M)`: second differences of :math:`\delta` are at most
  :math:`M`; :math:`\delta_l` deviates from the linear extrapolation :math:`(l+1)(\delta_{-1}-\delta_{-2})`
  by at most :math:`M(l+1)(l+2)/2`.

The robust interval is the identified set widened by :math:`z_{1-\alpha/2}` standard errors of
the point (for SD: trend-adjusted) estimate — a conservative, closed-form version of RR's
construction (not their conditional/hybrid or FLCI intervals; the pre-period maximum :math:`m` is
treated as known). The **breakdown value** is the largest :math:`\bar M` (or :math:`M`) at which
the interval still excludes 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.errors import EstimationError
from imtfp.models.did._results import DidAggregate, HonestDidResult
from imtfp.models.did.cs import wald
from imtfp.results import WaldTest


def pretrend_test(es: DidAggregate) -> WaldTest:
    """Joint Wald test that every pre-period coefficient (e < 0, reference excluded) is 0."""
    idx = np.asarray(es.index, float)
    se = es.bse.to_numpy()
    pre = np.flatnonzero((idx < 0) & np.isfinite(se) & (se > 0))
    b, V = np.asarray(es.coef, float)[pre], np.asarray(es.vcov, float)[np.ix_(pre, pre)]
    return wald(b, V, terms=[es.terms[j] for j in pre])


def _with_reference(es: DidAggregate, ref: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event times, coefficients and covariance with the reference period present (as 0)."""
    idx = np.asarray(es.index, float)
    b = np.asarray(es.coef, float)
    V = np.asarray(es.vcov, float)
    if ref not in idx:
        idx = np.append(idx, ref)
        b = np.append(b, 0.0)
        V = np.pad(V, ((0, 1), (0, 1)))
    order = np.argsort(idx)
    return idx[order], b[order], V[np.ix_(order, order)]


def honest_did(
    es: DidAggregate,
    *,
    m_grid: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0),
    smooth_grid: Sequence[float] = (0.0, 0.01, 0.02, 0.05, 0.1),
    target: str = "average",
    level: float = 0.95,
) -> HonestDidResult:
    """Robust intervals under relative-magnitude and smoothness restrictions, and breakdown values.

    ``target``: ``"average"`` (mean of post coefficients) or ``"first"`` (e = 0).
    Returns a :class:`~imtfp.models.did._results.HonestDidResult`: ``theta`` (the target) and
    its ``se``, ``table`` (restriction, M, lb, ub, ci_low, ci_high), ``breakdown_rm``,
    ``breakdown_sd``.
    """
    idx, b, V = _with_reference(es)
    z = special.ndtri(1 - (1 - level) / 2)
    post = np.flatnonzero(idx >= 0)
    if target == "first":
        post = post[:1]
    if post.size == 0:
        raise EstimationError("honest_did: the event study has no post-period coefficient")
    a = np.zeros(len(b))
    a[post] = 1 / post.size
    ell = idx[post]
    theta = float(a @ b)
    se = float(np.sqrt(a @ V @ a))
    rows = []
    # relative magnitudes
    pre_all = np.flatnonzero(idx <= -1)
    m = float(np.max(np.abs(np.diff(b[pre_all])))) if pre_all.size >= 2 else np.nan
    c_rm = float(np.sum(a[post] * (ell + 1)))
    for M in m_grid:
        half = M * m * c_rm
        rows.append(
            (
                "relative_magnitude",
                M,
                theta - half,
                theta + half,
                theta - half - z * se,
                theta + half + z * se,
            )
        )
    bd_rm = max(0.0, (abs(theta) - z * se) / (m * c_rm)) if np.isfinite(m) and m > 0 else np.nan
    # smoothness: remove the linear extrapolation of the last pre-period slope
    bd_sd = np.nan
    if -2 in idx:
        c = a.copy()
        i2 = int(np.flatnonzero(idx == -2)[0])
        c[i2] += float(np.sum(a[post] * (ell + 1)))  # theta - sum a_l (l+1) * (0 - b_{-2})
        theta_sd = float(c @ b)
        se_sd = float(np.sqrt(c @ V @ c))
        c_sd = float(np.sum(a[post] * (ell + 1) * (ell + 2) / 2))
        for M in smooth_grid:
            half = M * c_sd
            rows.append(("smoothness", M, theta_sd - half, theta_sd + half, theta_sd - half - z * se_sd,
                         theta_sd + half + z * se_sd))  # fmt: skip
        bd_sd = max(0.0, (abs(theta_sd) - z * se_sd) / c_sd)
    table = pd.DataFrame(rows, columns=["restriction", "M", "lb", "ub", "ci_low", "ci_high"])
    return HonestDidResult(theta=theta, se=se, table=table, breakdown_rm=bd_rm, breakdown_sd=bd_sd,
                           max_pre_change=m, cov_type=es.cov_type, dep_var=es.dep_var)  # fmt: skip
