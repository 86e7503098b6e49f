"""Result objects shared by the DiD estimators: an aggregated (event-study) result and its bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.results import Estimates
from imtfp.tidy import tidy_frame

INDEX_NAME = {"dynamic": "event_time", "group": "group", "calendar": "time", "simple": "term"}
TERM_PREFIX = {"dynamic": "e", "group": "g", "calendar": "t", "simple": ""}


def uniform_crit(draws: np.ndarray, se: np.ndarray, level: float) -> float:
    """Sup-t critical value: the ``level`` quantile of :math:`\\max_j |d_j| / se_j` over draws.

    ``draws`` is (B, k) of centred estimates; columns with a zero or missing se are ignored.
    Falls back to the pointwise normal quantile if no column is usable.
    """
    ok = np.isfinite(se) & (se > 0)
    if not ok.any() or draws.shape[0] == 0:
        return float(special.ndtri(1 - (1 - level) / 2))
    tmax = np.nanmax(np.abs(draws[:, ok]) / se[ok], axis=1)
    return float(np.quantile(tmax, level))


def gaussian_sup_t(vcov: np.ndarray, *, bootstrap: int, seed: int, level: float) -> float:
    """Sup-t critical value from draws of N(0, V) (Montiel Olea & Plagborg-Møller 2019)."""
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    if bootstrap <= 0 or len(se) == 0:
        return float(special.ndtri(1 - (1 - level) / 2))
    rng = np.random.default_rng(seed)
    ok = se > 0
    draws = np.zeros((bootstrap, len(se)))
    if ok.any():  # a square root of V that tolerates semi-definite V (e.g. W V W')
        w, Q = np.linalg.eigh(vcov[np.ix_(ok, ok)])
        L = Q * np.sqrt(np.clip(w, 0, None))
        draws[:, ok] = rng.standard_normal((bootstrap, ok.sum())) @ L.T
    return uniform_crit(draws, se, level)


@dataclass
class DidAggregate(Estimates):
    """Aggregated DiD effects: an event study (``kind="dynamic"``), effects by cohort, by period,
    or one overall effect, with a uniform (sup-t) band.

    ``table`` has the index column (``event_time`` / ``group`` / ``time``), ``att``, ``se`` and the
    uniform band ``ci_low``/``ci_high``; ``overall`` is ``{"att", "se"}``.
    """

    kind: str
    estimator: str
    index: np.ndarray
    coef: np.ndarray
    vcov: np.ndarray
    overall_att: float
    overall_se: float
    crit: float
    df_inf: int | None = None
    cov_type: str = "influence_function"
    nobs: int | None = None
    n_clusters: int | None = None
    dep_var: str = ""
    level: float = 0.95
    extra: Mapping = field(default_factory=dict)

    @property
    def terms(self) -> list[str]:
        prefix = TERM_PREFIX[self.kind]
        return [f"{prefix}{int(v)}" if prefix else str(v) for v in self.index]

    @property
    def overall(self) -> dict[str, float]:
        return {"att": float(self.overall_att), "se": float(self.overall_se)}

    @property
    def table(self) -> pd.DataFrame:
        se = self.bse.to_numpy()
        att = np.asarray(self.coef, float)
        return pd.DataFrame(
            {
                INDEX_NAME[self.kind]: np.asarray(self.index),
                "att": att,
                "se": se,
                "ci_low": att - self.crit * se,
                "ci_high": att + self.crit * se,
            }
        )

    def tidy(self, *, table: str = "did", column: str = "", level: float = 0.95) -> pd.DataFrame:
        """Rows of the index terms (band columns ``band_low``/``band_high``) and an ``ATT`` row."""
        rows = super().tidy(table=table, column=column, level=level) if len(self.index) else None
        z = special.ndtri(1 - (1 - level) / 2)
        se_o = self.overall_se
        p_o = 2 * special.ndtr(-abs(self.overall_att / se_o)) if se_o > 0 else np.nan
        overall = tidy_frame(
            [
                {
                    "table": table,
                    "column": column,
                    "term": "ATT",
                    "estimate": self.overall_att,
                    "se": se_o,
                    "t": self.overall_att / se_o if se_o > 0 else np.nan,
                    "p": p_o,
                    "ci_low": self.overall_att - z * se_o,
                    "ci_high": self.overall_att + z * se_o,
                    "nobs": self.nobs,
                    "cov": self.cov_type,
                    "dep_var": self.dep_var,
                    "stat": False,
                }
            ]
        )
        if rows is None:
            out = overall
        else:
            tab = self.table
            rows = rows.assign(
                band_low=tab["ci_low"].to_numpy(),
                band_high=tab["ci_high"].to_numpy(),
                **{INDEX_NAME[self.kind]: tab.iloc[:, 0].to_numpy()},
            )
            out = pd.concat([rows, overall], ignore_index=True)
        return out.assign(estimator=self.estimator, kind=self.kind)


@dataclass(eq=False)
class StaticTwfeResult(Estimates):
    """The static TWFE coefficient on the treatment dummy :math:`D_{it}=1\\{t \\ge g_i\\}`
    (term ``ATT``), cluster-robust; ``overall`` as :class:`DidAggregate`'s."""

    coef: np.ndarray
    vcov: np.ndarray
    df_inf: int | None = None
    cov_type: str = "clustered"
    nobs: int | None = None
    n_clusters: int | None = None
    dep_var: str = ""

    terms = ["ATT"]

    @property
    def att(self) -> float:
        return float(self.coef[0])

    @property
    def se(self) -> float:
        return float(self.bse.iloc[0])

    @property
    def overall(self) -> dict[str, float]:
        return {"att": self.att, "se": self.se}


@dataclass(eq=False)
class HonestDidResult(Estimates):
    """Rambachan–Roth sensitivity of an event study: the average post-period effect
    :math:`\\theta` (term ``theta``, its standard error ``se``), the robust confidence sets by
    restriction, target and M (``table``: :data:`imtfp.models.did.sensitivity.COLUMNS`) and the
    breakdown values of the average (``breakdown_rm``, ``breakdown_sd``) and first-period
    (``*_first``) effects."""

    theta: float
    se: float
    table: pd.DataFrame = field(repr=False)
    breakdown_rm: float
    breakdown_sd: float
    breakdown_rm_first: float = np.nan
    breakdown_sd_first: float = np.nan
    num_pre: int = 0
    num_post: int = 0
    m_unit: float = np.nan
    df_inf: int | None = None
    cov_type: str = "influence_function"
    dep_var: str = ""

    terms = ["theta"]

    @property
    def coef(self) -> np.ndarray:  # type: ignore[override]
        return np.array([self.theta])

    @property
    def vcov(self) -> np.ndarray:  # type: ignore[override]
        return np.array([[self.se**2]])

    @property
    def breakdown(self) -> dict[str, float]:
        return {"breakdown_rm": self.breakdown_rm, "breakdown_sd": self.breakdown_sd}
