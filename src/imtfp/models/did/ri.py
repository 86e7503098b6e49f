r"""Randomisation inference: permute adoption timing across units (Fisher sharp null of no effect).

Under the sharp null the outcomes do not depend on who is treated when, so the cohort labels
(first treated periods, never treated included) are reshuffled across units, keeping the number of
units per cohort, and the estimator is recomputed. The p-value counts the observed draw:
:math:`p = (1 + \#\{|\hat\theta^*_b| \ge |\hat\theta|\}) / (1 + B)`.

Both statistics are linear in the outcomes given the labels, which makes a permutation a gather:

* ``cs``: the Callaway–Sant'Anna event-study overall ATT without covariates (any control group
  and base period) is :math:`\sum_{k,t} W_{kt}\bar y_{kt}` in the cohort means :math:`\bar y_{kt}`;
  :math:`W` is found once by evaluating the estimator on a basis, then
  :math:`\hat\theta^* = \sum_i (Y W'/n)_{i,k^*(i)}`.
* ``twfe``: the static TWFE :math:`\hat\beta = \sum \tilde D y / \sum\tilde D^2` with the two-way
  demeaned treatment of each permutation (balanced panel).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from imtfp.errors import EstimationError
from imtfp.models._common import check_option
from imtfp.models.did._panel import StaggeredPanel, staggered_panel
from imtfp.models.did.cs import cells, control_mask
from imtfp.results import RandomizationResult

Statistic = Literal["cs", "twfe"]


def cs_weights(
    panel: StaggeredPanel, *, control_group: str, base_period: str, anticipation: int
) -> np.ndarray:
    """(K, T) weights W with overall dynamic ATT = sum W * cohort means; cohorts = [never, *treated]."""
    labels = np.concatenate([[0.0], panel.cohorts])
    size = np.array([(panel.G == g).sum() for g in labels], float)
    K, T = len(labels), len(panel.periods)
    cl = cells(panel, base_period=base_period, anticipation=anticipation)
    pg = size[1:] / panel.n
    entries = []  # per cell: weight vector over (K, T)
    for c in cl:
        w = np.zeros((K, T))
        if c.base == c.t:
            entries.append((c, w))
            continue
        gi = int(np.flatnonzero(labels == c.group)[0])
        w[gi, c.t] += 1
        w[gi, c.base] -= 1
        ctrl = control_mask(panel, c, control_group, anticipation)
        members = [
            k for k, g in enumerate(labels) if ctrl[panel.G == g].all() and (panel.G == g).any()
        ]
        tot = size[members].sum()
        if tot == 0:
            entries.append((c, None))
            continue
        for k in members:
            w[k, c.t] -= size[k] / tot
            w[k, c.base] += size[k] / tot
        entries.append((c, w))
    e_all = np.array([c.time - c.group for c, _ in entries])
    out = np.zeros((K, T))
    post_e = sorted(
        {e for e, (_, w) in zip(e_all, entries, strict=True) if e >= 0 and w is not None}
    )
    for e in post_e:
        which = [
            (c, w) for (c, w), ee in zip(entries, e_all, strict=True) if ee == e and w is not None
        ]
        wts = np.array([pg[np.searchsorted(panel.cohorts, c.group)] for c, _ in which])
        wts = wts / wts.sum()
        for (_, w), s in zip(which, wts, strict=True):
            out += s * w / len(post_e)
    return out, labels, size


def randomization_inference(
    data: pd.DataFrame,
    *,
    y: str,
    entity: str,
    time: str,
    group: str,
    statistic: Statistic = "cs",
    control_group: str = "never_treated",
    base_period: str = "varying",
    anticipation: int = 0,
    bootstrap: int = 999,
    seed: int = 0,
) -> RandomizationResult:
    """Permutation p-value of the overall effect (term ``ATT``): a
    :class:`~imtfp.results.RandomizationResult` with ``estimate``, ``p``, ``draws``, ``statistic``.

    ``bootstrap`` is the number of permutations (draws).
    """
    check_option(statistic, Statistic, "statistic")
    panel = staggered_panel(data, y=y, entity=entity, time=time, group=group, anticipation=anticipation,
                            drop_always_treated=statistic == "cs")  # fmt: skip
    rng = np.random.default_rng(seed)
    perms = (
        np.array([rng.permutation(panel.n) for _ in range(bootstrap)])
        if bootstrap
        else np.zeros((0, panel.n), int)
    )
    if statistic == "cs":
        W, labels, size = cs_weights(panel, control_group=control_group, base_period=base_period,
                                     anticipation=anticipation)  # fmt: skip
        U = panel.Y @ (W / size[:, None]).T  # (n, K): unit i's contribution if it were in cohort k
        k_of = np.searchsorted(labels, panel.G)
        obs = float(U[np.arange(panel.n), k_of].sum())
        perm_k = k_of[perms]  # (B, n): cohort of unit i in permutation b
        draws = U[np.arange(panel.n)[None, :], perm_k].sum(1)
    else:
        if panel.controls:
            raise EstimationError("randomization_inference: twfe statistic has no covariates")
        Ydm = (
            panel.Y
            - panel.Y.mean(1, keepdims=True)
            - panel.Y.mean(0, keepdims=True)
            + panel.Y.mean()
        )

        def beta(G: np.ndarray) -> np.ndarray:
            D = ((G[..., :, None] > 0) & (panel.periods >= G[..., :, None])).astype(float)
            Dd = (
                D
                - D.mean(-1, keepdims=True)
                - D.mean(-2, keepdims=True)
                + D.mean((-1, -2), keepdims=True)
            )
            return (Dd * Ydm).sum((-1, -2)) / (Dd**2).sum((-1, -2))

        obs = float(beta(panel.G))
        draws = beta(panel.G[perms]) if bootstrap else np.zeros(0)
    p = (1 + np.sum(np.abs(draws) >= abs(obs) - 1e-12)) / (1 + len(draws))
    return RandomizationResult(["ATT"], np.array([obs]), p=float(p), draws=int(len(draws)),
                               statistic=statistic, dep_var=y)  # fmt: skip
