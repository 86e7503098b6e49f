r"""Pre-trend test and Rambachan & Roth (2023) sensitivity of an event study.

:func:`pretrend_test` is the joint Wald test that every pre-period coefficient is 0.
:func:`honest_did` turns an event study (:class:`~imtfp.models.did.DidAggregate`) into the inputs
of :func:`~imtfp.models.did.honest.honest_intervals` — coefficients of the contiguous event times
before and after the reference period :math:`e = -1 - \text{anticipation}` (omitted, or present
with a zero standard error as in the universal-base Callaway–Sant'Anna event study), the binned
endpoints of a TWFE event study left out — and returns the robust confidence sets under relative
magnitudes (ARP conditional-least-favourable hybrid) and smoothness (FLCI) with their identified
sets and **breakdown values** (the largest :math:`\bar M`, or M, at which the robust set still
excludes 0) for the average post-period effect (the headline ATT of a dynamic aggregation) and the
first-period effect :math:`e = 0` (HonestDiD's default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from imtfp.errors import EstimationError
from imtfp.models.did._results import DidAggregate, HonestDidResult
from imtfp.models.did.cs import wald
from imtfp.models.did.honest import breakdown_value, honest_intervals, identified_set
from imtfp.results import WaldTest

#: Default :math:`\bar M` grid (relative magnitudes) and M grid in multiples of sd(θ̂_first).
MBAR_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)
M_SE_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)
TARGETS = ("average", "first")
COLUMNS = ["restriction", "target", "M", "lb", "ub", "method", "id_lb", "id_ub"]


def pretrend_test(es: DidAggregate) -> WaldTest:
    """Joint Wald test that every pre-period coefficient (e < 0, reference excluded) is 0."""
    idx = np.asarray(es.index, float)
    se = es.bse.to_numpy()
    pre = np.flatnonzero((idx < 0) & np.isfinite(se) & (se > 0))
    b, V = np.asarray(es.coef, float)[pre], np.asarray(es.vcov, float)[np.ix_(pre, pre)]
    return wald(b, V, terms=[es.terms[j] for j in pre])


def event_study_inputs(
    es: DidAggregate,
    *,
    anticipation: int = 0,
    max_pre: int | None = None,
    max_post: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """(betahat, sigma, event times, num_pre, num_post) in HonestDiD's order (pre then post).

    Pre periods are :math:`e = r-1, r-2, \\dots` and post periods :math:`e = r+1, r+2, \\dots`
    around the reference :math:`r = -1 - \\text{anticipation}`, each run stopped at the first
    missing or zero-variance coefficient and cut at ``max_pre`` / ``max_post`` coefficients.
    A reference period that was estimated (non-zero variance) means the event study is not
    normalised: :class:`EstimationError`.
    """
    idx = np.asarray(es.index, float)
    b = np.asarray(es.coef, float)
    V = np.asarray(es.vcov, float)
    se = np.sqrt(np.clip(np.diag(V), 0.0, None)) if V.size else np.zeros(0)
    usable = np.isfinite(b) & np.isfinite(se) & (se > 0)
    if es.estimator == "twfe" and idx.size >= 2:  # binned endpoints are not single periods
        usable &= (idx != idx.min()) & (idx != idx.max())
    ref = -1 - anticipation
    if np.any(usable & (idx == ref)):
        raise EstimationError(
            f"{es.estimator} event study estimates its reference period e = {ref}; "
            "Rambachan–Roth needs it normalised to 0"
        )
    pos = {float(e): i for i, e in enumerate(idx) if usable[i]}

    def run(step: int, limit: int | None) -> list[int]:
        out, e = [], ref + step
        while e in pos and (limit is None or len(out) < limit):
            out.append(pos[e])
            e += step
        return out

    pre, post = run(-1, max_pre)[::-1], run(+1, max_post)
    order = np.array(pre + post, dtype=int)
    return b[order], V[np.ix_(order, order)], idx[order], len(pre), len(post)


def _target(name: str, event_times: np.ndarray) -> np.ndarray:
    """Weights over the post periods: e = 0 (``first``) or the mean over e ≥ 0 (``average``);
    anticipation periods between the reference and 0 get weight 0."""
    treated = event_times >= 0
    if name == "first":
        return (event_times == 0).astype(float)
    return treated / max(int(treated.sum()), 1)


def honest_did(
    es: DidAggregate,
    *,
    mbar: Sequence[float] = MBAR_GRID,
    m_se: Sequence[float] = M_SE_GRID,
    targets: Sequence[str] = TARGETS,
    level: float = 0.95,
    anticipation: int = 0,
    max_pre: int | None = None,
    max_post: int | None = None,
    seed: int = 0,
    breakdown_tol: float = 0.01,
) -> HonestDidResult:
    """Robust confidence sets and breakdown values of an event study (see the module docstring).

    ``mbar``: the :math:`\\bar M` grid; ``m_se``: the smoothness grid in multiples of the standard
    error of the first post-period effect (so it is in the outcome's units whatever they are).
    Returns a :class:`~imtfp.models.did._results.HonestDidResult`: the average post-period effect
    ``theta`` and its ``se`` (term ``theta``), ``table`` with :data:`COLUMNS`, ``breakdown_rm``,
    ``breakdown_sd`` (target ``average``), ``breakdown_rm_first``, ``breakdown_sd_first``,
    ``num_pre``, ``num_post`` and ``m_unit`` (the M of ``m_se = 1``). Without a pre and a post
    period the table is empty and the breakdown values are NaN.
    """
    empty = {"breakdown_rm": math.nan, "breakdown_sd": math.nan, "breakdown_rm_first": math.nan,
             "breakdown_sd_first": math.nan, "num_pre": 0, "num_post": 0, "m_unit": math.nan}  # fmt: skip
    b, V, times, num_pre, num_post = event_study_inputs(
        es, anticipation=anticipation, max_pre=max_pre, max_post=max_post
    )
    facts = dict(cov_type=es.cov_type, dep_var=es.dep_var)
    if num_pre < 1 or num_post < 1 or not (times >= 0).any():
        return HonestDidResult(theta=math.nan, se=math.nan, table=pd.DataFrame(columns=COLUMNS),
                               **empty, **facts)  # fmt: skip
    l_first = _target("first", times[num_pre:])
    unit = float(np.sqrt(l_first @ V[num_pre:, num_pre:] @ l_first))
    info = {**empty, "num_pre": num_pre, "num_post": num_post, "m_unit": unit}
    rows = []
    common = dict(num_pre=num_pre, num_post=num_post, level=level)
    for name in targets:
        l_vec = _target(name, times[num_pre:])
        for restriction, grid in (("relative_magnitude", list(mbar)),
                                  ("smoothness", [unit * float(k) for k in m_se])):  # fmt: skip
            res = honest_intervals(b, V, restriction=restriction, M=grid, target=l_vec, seed=seed,
                                   **common)  # fmt: skip
            for r in res.itertuples():
                id_lb, id_ub = identified_set(b, num_pre=num_pre, num_post=num_post,
                                              restriction=restriction, M=r.M, target=l_vec)  # fmt: skip
                rows.append((restriction, name, r.M, r.lb, r.ub, r.method, id_lb, id_ub))
            key = "breakdown_rm" if restriction == "relative_magnitude" else "breakdown_sd"
            info[key if name == "average" else f"{key}_first"] = breakdown_value(
                b, V, restriction=restriction, target=l_vec, seed=seed, tol=breakdown_tol, **common
            )
    l_avg = _target("average", times[num_pre:])
    theta = float(l_avg @ b[num_pre:])
    se = float(np.sqrt(l_avg @ V[num_pre:, num_pre:] @ l_avg))
    return HonestDidResult(theta=theta, se=se, table=pd.DataFrame(rows, columns=COLUMNS), **info,
                           **facts)  # fmt: skip
