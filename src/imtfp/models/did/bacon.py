r"""Goodman-Bacon (2021) decomposition of the static TWFE estimate on a balanced panel.

With timing groups :math:`k` (first treated period; never treated :math:`\bar D=0`, always treated
:math:`\bar D=1`), sample shares :math:`n_k` and shares of periods treated :math:`\bar D_k`, the TWFE
coefficient on :math:`D_{it}` is :math:`\hat\beta = \sum s\,\hat\beta^{2\times2}` over every pair
:math:`k` (earlier) and :math:`l` (later or never):

* :math:`\hat\beta^k_{kl}`: :math:`k` treated, :math:`l` not yet treated as control, window before
  :math:`l`; weight :math:`\propto ((n_k+n_l)(1-\bar D_l))^2 n_{kl}(1-n_{kl})
  \frac{\bar D_k-\bar D_l}{1-\bar D_l}\frac{1-\bar D_k}{1-\bar D_l}`;
* :math:`\hat\beta^l_{kl}`: :math:`l` treated, the already treated :math:`k` as control, window
  from :math:`k` on; weight :math:`\propto ((n_k+n_l)\bar D_k)^2 n_{kl}(1-n_{kl})
  \frac{\bar D_l}{\bar D_k}\frac{\bar D_k-\bar D_l}{\bar D_k}`;

with :math:`n_{kl}=n_k/(n_k+n_l)`, each divided by :math:`\hat V^D`, the variance of the two-way
demeaned treatment. The weights sum to one and the weighted sum equals the TWFE estimate exactly
(no covariates); tests check both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imtfp.models.did._panel import staggered_panel
from imtfp.results import Estimates

#: Comparison types in the order of the decomposition's summary (Goodman-Bacon 2021, Table 1).
TYPES = ("treated_vs_never", "earlier_vs_later", "later_vs_earlier", "treated_vs_always")


@dataclass(eq=False)
class BaconDecomposition(Estimates):
    """The 2×2 comparisons of a static TWFE estimate and their weights.

    ``comparisons`` has one row per comparison (treated, control, type, estimate, weight);
    ``twfe`` = :math:`\\sum s\\hat\\beta`. The protocol attributes are the weight-averaged estimate
    of each comparison type present (``weights`` their total weights), as Stata's
    ``bacondecomp`` summarises them; a decomposition has no standard errors (NaN).
    """

    comparisons: pd.DataFrame = field(repr=False)
    twfe: float
    dep_var: str = ""
    df_inf: int | None = None
    cov_type: str = "none"

    @property
    def _by_type(self) -> pd.DataFrame:
        c = self.comparisons.assign(wb=self.comparisons["estimate"] * self.comparisons["weight"])
        g = c.groupby("type", sort=False)[["wb", "weight"]].sum()
        g = g.loc[[t for t in TYPES if t in g.index]]
        return g.assign(estimate=g["wb"] / g["weight"])

    @property
    def terms(self) -> list[str]:  # type: ignore[override]
        return list(self._by_type.index)

    @property
    def coef(self) -> np.ndarray:  # type: ignore[override]
        return self._by_type["estimate"].to_numpy()

    @property
    def weights(self) -> pd.Series:
        return self._by_type["weight"].rename("weight")

    @property
    def vcov(self) -> np.ndarray:  # type: ignore[override]
        return np.full((len(self.terms), len(self.terms)), np.nan)


def _did(
    Y: np.ndarray, treat: np.ndarray, ctrl: np.ndarray, pre: np.ndarray, post: np.ndarray
) -> float:
    m = lambda rows, cols: Y[np.ix_(rows, cols)].mean()  # noqa: E731
    return (m(treat, post) - m(treat, pre)) - (m(ctrl, post) - m(ctrl, pre))


def bacon_decomposition(
    data: pd.DataFrame, *, y: str, entity: str, time: str, group: str
) -> BaconDecomposition:
    """2×2 estimates and weights of the static TWFE estimate.

    Returns a :class:`BaconDecomposition` whose ``comparisons`` has one row per comparison:
    ``treated`` and ``control`` (timing groups; 0 = never treated), ``type`` (treated_vs_never,
    earlier_vs_later, later_vs_earlier, treated_vs_always), ``estimate`` and ``weight``;
    ``twfe`` holds :math:`\\sum s\\hat\\beta`.
    """
    p = staggered_panel(data, y=y, entity=entity, time=time, group=group, drop_always_treated=False)
    n, T = p.Y.shape
    D = ((p.G[:, None] > 0) & (p.periods[None, :] >= p.G[:, None])).astype(float)
    Dd = D - D.mean(1, keepdims=True) - D.mean(0, keepdims=True) + D.mean()
    VD = float((Dd**2).mean())
    timing = np.unique(p.G)
    share = {g: float((p.G == g).mean()) for g in timing}
    dbar = {g: float(D[p.G == g].mean()) for g in timing}
    start = {g: int(np.searchsorted(p.periods, g)) if g > 0 else T for g in timing}
    rows = []
    t_idx = np.arange(T)
    for k in timing:
        for l_ in timing:
            dk, dl = dbar[k], dbar[l_]
            if not dk > dl:
                continue  # k is treated earlier (longer) than l
            nk, nl = share[k], share[l_]
            nkl = nk / (nk + nl)
            tk, tl = start[k], start[l_]
            A, B = p.G == k, p.G == l_
            if dk < 1:  # k treated, l (not yet / never) as control, periods before l starts
                w = (
                    ((nk + nl) * (1 - dl)) ** 2
                    * nkl
                    * (1 - nkl)
                    * (dk - dl)
                    / (1 - dl)
                    * (1 - dk)
                    / (1 - dl)
                )
                est = _did(p.Y, A, B, t_idx < tk, (t_idx >= tk) & (t_idx < tl))
                kind = "treated_vs_never" if dl == 0 else "earlier_vs_later"
                rows.append((k, l_, kind, est, w / VD))
            if dl > 0:  # l treated, the already-treated k as control, periods from k on
                w = ((nk + nl) * dk) ** 2 * nkl * (1 - nkl) * dl / dk * (dk - dl) / dk
                est = _did(p.Y, B, A, (t_idx >= tk) & (t_idx < tl), t_idx >= tl)
                kind = "treated_vs_always" if dk == 1 else "later_vs_earlier"
                rows.append((l_, k, kind, est, w / VD))
    out = pd.DataFrame(rows, columns=["treated", "control", "type", "estimate", "weight"])
    return BaconDecomposition(out, twfe=float(out["estimate"] @ out["weight"]), dep_var=y)
