"""Robustness multiverse: the product of declared choices, estimated by a vectorised engine.

A *specification* is one combination of research choices (outcome, regressor,
control set, sample, fixed effects, winsorising, lag, inference). The engine
groups the specifications that share a data set — (sample, winsor, lag, fe) —
builds that data set once, partials the fixed effects out of every needed
column once (:func:`imtfp.core.fe.demean`, Frisch–Waugh–Lovell), and then
solves all specifications of the group as small least-squares problems on the
partialled columns, batched over specifications:

.. math::
    \\hat\\beta_s = (\\tilde X_s'\\tilde X_s)^{-1}\\tilde X_s'\\tilde y_s,\\qquad
    \\widehat{\\mathrm{Var}}(\\hat\\beta_{s,1}) = c\\sum_g (a_s' \\tilde X_{s,g}'\\hat e_{s,g})^2,

with :math:`a_s` the first row of :math:`(\\tilde X_s'\\tilde X_s)^{-1}` and
:math:`c = \\frac{G}{G-1}\\frac{N-1}{N-K}` (Stata's small-sample factor).

Degrees of freedom ``K`` (option ``dof``):

* ``"stata"`` (default) — slopes + constant + absorbed effects that are *not*
  nested in the entity clusters: ``xtreg y x i.year, fe vce(cluster id)`` /
  ``reghdfe``, the convention of :func:`imtfp.models.panel.fit_twfe`; equal to
  linearmodels ``PanelOLS(entity_effects=True)`` with a constant and year
  dummies, ``fit(cov_type="clustered", cluster_entity=True, group_debias=True)``.
* ``"linearmodels"`` — linearmodels' ``auto_df`` rule for
  ``PanelOLS(entity_effects=True, time_effects=...)`` with a constant: a single
  effect nested in the clusters is not counted, with two effects both are.

Inference uses the t distribution with G − 1 degrees of freedom (clustered) or
T − 1 (Driscoll–Kraay), as :func:`imtfp.models.panel.inference_row`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special  # t quantiles and tails without importing scipy.stats (~1 s a job)

from imtfp.core.blas import single_blas_thread
from imtfp.core.fe import AbsorbPlan, group_codes
from imtfp.core.vcov import cluster_factor, dk_default_bandwidth
from imtfp.core.wild import WildWeights, wild_cluster_bootstrap
from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.options import DofConvention, check_option
from imtfp.options import MultiverseCov as CovChoice
from imtfp.options import MultiverseEffects as FixedEffects
from imtfp.results import Estimates
from imtfp.tidy import tidy_frame

#: Choice columns the engine understands and their value when a column is absent.
CHOICE_DEFAULTS: dict[str, Any] = {
    "controls": None,  # no controls
    "sample": None,  # all rows of the data
    "fe": "twoway",
    "winsor": 0.0,
    "lag": 0,
    "cov": "clustered",
}
SAMPLE_KEYS = ("drop_provinces", "drop_years", "years", "regions")
RESULT_COLUMNS = [
    "estimate",
    "se",
    "t",
    "p",
    "ci_low",
    "ci_high",
    "nobs",
    "n_dropped",
    "df_inf",
    "n_clusters",
]
_BATCH = 2048  # specifications solved per batched call (bounds memory: B × N × K floats)
_BATCH_FLOATS = 2**25  # and at most this many floats (256 MB) per batched array, for large N


# --------------------------------------------------------------------------- grid and chunks


def specification_grid(choices: Mapping[str, Sequence]) -> pd.DataFrame:
    """Full product of the declared choice sets.

    Parameters
    ----------
    choices : mapping choice name -> non-empty sequence of distinct levels

    Returns
    -------
    DataFrame with ``spec_id`` (0..n−1) and one column per choice, in the
    mapping's order; rows follow :func:`itertools.product` (the last choice
    varies fastest), so the grid and its ids are deterministic.
    :math:`n = \\prod_c |L_c|`.
    """
    if not choices:
        raise ConfigError("the multiverse needs at least one choice set")
    names = list(choices)
    reserved = {"spec_id", *RESULT_COLUMNS, "p_wild"}
    for name in names:
        if name in reserved:
            raise ConfigError(f"choice name {name!r} is reserved for a result column")
        levels = list(choices[name])
        if not levels:
            raise ConfigError(f"choice {name!r} has no levels")
        if len({repr(v) for v in levels}) != len(levels):
            raise ConfigError(f"choice {name!r} lists a level twice: {levels}")
    rows = list(itertools.product(*(list(choices[n]) for n in names)))
    grid = pd.DataFrame(rows, columns=names)
    grid.insert(0, "spec_id", np.arange(len(grid), dtype=np.int64))
    return grid


def chunk_specs(specs: pd.DataFrame, n_chunks: int, chunk: int) -> pd.DataFrame:
    """The ``chunk``-th of ``n_chunks`` contiguous slices of the specification grid.

    Chunk c holds rows :math:`\\lfloor cn/C\\rfloor` to :math:`\\lfloor (c+1)n/C\\rfloor - 1`,
    so the chunks partition the grid (some are empty when C > n) and their
    results, concatenated in chunk order, equal a serial run.
    """
    if int(n_chunks) < 1:
        raise ConfigError(f"n_chunks must be a positive integer, got {n_chunks!r}")
    if not 0 <= int(chunk) < int(n_chunks):
        raise ConfigError(f"chunk must be in 0..{n_chunks - 1}, got {chunk!r}")
    n = len(specs)
    lo, hi = (int(chunk) * n) // int(n_chunks), ((int(chunk) + 1) * n) // int(n_chunks)
    return specs.iloc[lo:hi]


def find_spec(specs: pd.DataFrame, values: Mapping[str, Any]) -> int:
    """``spec_id`` of the one specification whose choices equal ``values`` (e.g. the config's baseline).

    Choices not named in ``values`` must have a single level in ``specs``;
    raises ConfigError when no spec or several specs match.
    """
    unknown = [k for k in values if k not in specs.columns]
    if unknown:
        raise ConfigError(f"baseline names choice(s) {unknown} that the grid does not have")
    hit = np.ones(len(specs), dtype=bool)
    for k, v in values.items():
        col = specs[k]
        hit &= (
            (col.astype(float) == float(v)).to_numpy()
            if k in ("winsor", "lag")
            else (col == v).to_numpy()
        )
    if hit.sum() != 1:
        raise ConfigError(
            f"baseline {dict(values)} matches {int(hit.sum())} specifications, expected exactly 1"
        )
    return int(specs["spec_id"].to_numpy()[hit][0])


# --------------------------------------------------------------------------- data preparation


def _lag_sorted(values: np.ndarray, ent: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Value one year earlier for the same entity; rows sorted by (entity, year), keys unique.

    Missing for an entity's first year and across a gap in the years.
    """
    out = np.full(len(values), np.nan)
    prev = np.r_[False, (ent[1:] == ent[:-1]) & (years[1:] == years[:-1] + 1)]
    out[prev] = values[np.flatnonzero(prev) - 1]
    return out


def _sample_rows(
    df: pd.DataFrame, rule: Mapping, *, name: str, entity: str, time: str
) -> np.ndarray:
    """Boolean row selector of a sample filter (see :func:`estimate_specifications`)."""
    bad = [k for k in rule if k not in SAMPLE_KEYS]
    if bad:
        raise ConfigError(
            f"sample {name!r}: unknown filter key(s) {bad}; allowed {list(SAMPLE_KEYS)}"
        )
    keep = np.ones(len(df), dtype=bool)
    ent = df[entity].astype(str)
    if rule.get("drop_provinces"):
        keep &= ~ent.isin([str(c) for c in rule["drop_provinces"]]).to_numpy()
    if rule.get("drop_years"):
        keep &= ~df[time].isin([int(y) for y in rule["drop_years"]]).to_numpy()
    if rule.get("years"):
        first, last = (int(v) for v in rule["years"])
        keep &= df[time].between(first, last).to_numpy()
    if rule.get("regions"):
        if "region" in df.columns:
            reg = df["region"].astype(str)
        else:
            from imtfp.provinces import region

            try:
                reg = ent.map({c: region(c) for c in ent.unique()})
            except ValueError as err:
                raise ConfigError(
                    f"sample {name!r}: regions need province codes or a 'region' column: {err}"
                ) from err
        keep &= reg.isin([str(r) for r in rule["regions"]]).to_numpy()
    if not keep.any():
        raise ConfigError(f"sample {name!r} selects no rows")
    return keep


def _winsorise(v: np.ndarray, share: float) -> np.ndarray:
    """Clip at the ``share`` and ``1 − share`` quantiles (linear interpolation, missing ignored)."""
    if share <= 0 or np.isnan(v).all():
        return v
    lo, hi = np.nanquantile(v, [share, 1 - share])
    return np.clip(v, lo, hi)


def _spec_variables(
    spec: Mapping, control_sets: Mapping[str, Sequence[str]]
) -> tuple[str, str, list[str]]:
    y, x = str(spec["y"]), str(spec["x"])
    cs = spec["controls"]
    if cs is None or (isinstance(cs, float) and np.isnan(cs)):
        controls: list[str] = []
    else:
        if cs not in control_sets:
            raise ConfigError(f"control set {cs!r} is not declared; known: {sorted(control_sets)}")
        controls = [str(c) for c in control_sets[cs] if str(c) != x]
    if y == x or y in controls:
        raise ConfigError(f"the outcome {y!r} is also a regressor (x={x!r}, controls={controls})")
    return y, x, controls


def _normalise_specs(specs: pd.DataFrame, samples: Mapping, control_sets: Mapping) -> pd.DataFrame:
    """Specs with every understood choice present (defaults filled) and checked."""
    for col in ("y", "x"):
        if col not in specs.columns:
            raise ConfigError(f"the specifications need a {col!r} column")
    out = specs.reset_index(drop=True).copy()
    for col, default in CHOICE_DEFAULTS.items():
        if col not in out.columns:
            out[col] = [default] * len(out)
    out["winsor"] = out["winsor"].astype(float)
    out["lag"] = out["lag"].astype(int)
    for value in out["fe"].unique():
        check_option(value, FixedEffects, "fe")
    for value in out["cov"].unique():
        check_option(value, CovChoice, "cov")
    if ((out["winsor"] < 0) | (out["winsor"] >= 0.5)).any():
        raise ConfigError(f"winsor must be in [0, 0.5), got {sorted(out['winsor'].unique())}")
    if not out["lag"].isin([0, 1]).all():
        raise ConfigError(f"lag must be 0 or 1, got {sorted(out['lag'].unique())}")
    for value in out["sample"].unique():
        if value is not None and value not in samples:
            raise ConfigError(f"sample {value!r} is not declared; known: {sorted(samples)}")
    return out


class _Base:
    """The data once: sorted by (entity, time), model variables as float arrays, lags, sample masks."""

    def __init__(
        self, data: pd.DataFrame, columns: list[str], lagged: list[str], *, entity: str, time: str
    ):
        need = list(dict.fromkeys([entity, time, *columns, *lagged]))
        missing = [c for c in need if c not in data.columns]
        if missing:
            raise MissingColumnError("multiverse", missing, available=list(data.columns))
        extra = ["region"] if "region" in data.columns and "region" not in need else []
        df = data.loc[:, need + extra]
        if df[[entity, time]].isna().any().any():
            raise EstimationError(f"multiverse: missing {entity} or {time} values")
        if df.duplicated(subset=[entity, time]).any():
            raise EstimationError(f"multiverse: duplicate ({entity}, {time}) rows")
        self.frame = df.sort_values([entity, time], kind="mergesort").reset_index(drop=True)
        self.entity, self.time = entity, time
        self.ent = group_codes(self.frame[entity].to_numpy())
        self.years = self.frame[time].to_numpy()
        self.cols = {
            c: pd.to_numeric(self.frame[c], errors="raise").to_numpy(dtype=float)
            for c in dict.fromkeys(columns + lagged)
        }
        if lagged and not np.issubdtype(self.years.dtype, np.integer):
            raise ConfigError(
                f"lag needs integer periods in {time!r}, got dtype {self.years.dtype}"
            )
        for c in lagged:
            self.cols[f"L.{c}"] = _lag_sorted(self.cols[c], self.ent, self.years)
        self._rows: dict[Any, np.ndarray] = {}

    def rows(self, sample: str | None, samples: Mapping) -> np.ndarray:
        """Row indices of a named sample (all rows for None)."""
        if sample not in self._rows:
            if sample is None:
                keep = np.ones(len(self.frame), dtype=bool)
            else:
                keep = _sample_rows(
                    self.frame,
                    samples[sample] or {},
                    name=sample,
                    entity=self.entity,
                    time=self.time,
                )
            self._rows[sample] = np.flatnonzero(keep)
        return self._rows[sample]

    def group(
        self, columns: list[str], sample: str | None, samples: Mapping, winsor: float
    ) -> dict[str, np.ndarray]:
        """Columns of one (sample, winsor, lag) group; winsorised within the sample (after lagging)."""
        r = self.rows(sample, samples)
        if len(r) == len(self.frame):  # every row: the base arrays themselves (never written to)
            return {c: _winsorise(self.cols[c], winsor) for c in columns}
        return {c: _winsorise(self.cols[c][r], winsor) for c in columns}


# --------------------------------------------------------------------------- moments


def _check_rank(xtx: np.ndarray, spec_ids: np.ndarray, names: list[list[str]]) -> None:
    """Raise if a design is singular after partialling (e.g. a regressor absorbed by the effects)."""
    d = np.sqrt(np.einsum("bkk->bk", xtx))
    bad = np.flatnonzero((d <= 0).any(axis=1))
    if bad.size == 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = xtx / (d[:, :, None] * d[:, None, :])
        bad = np.flatnonzero(np.linalg.eigvalsh(corr)[:, 0] < 1e-12)
    if bad.size:
        b = int(bad[0])
        raise EstimationError(
            f"specification {spec_ids[b]}: the regressors {names[b]} are collinear after partialling "
            "out the fixed effects (a variable constant within the absorbed groups or duplicating another)"
        )


class _Design:
    """The absorbed effects of one set of rows: codes, the partialling plan, K and clusters."""

    def __init__(self, ent_all: np.ndarray, years: np.ndarray, fe: str, spec_ids: np.ndarray):
        n = len(ent_all)
        self.n = n
        self.ent = group_codes(ent_all)
        self.tim = group_codes(years)
        self.groups = [self.ent, self.tim] if fe == "twoway" else [self.ent]
        self.G = int(self.ent.max()) + 1 if n else 0
        self.T = int(self.tim.max()) + 1 if n else 0
        if self.G < 2:
            raise EstimationError(f"specifications {list(spec_ids[:5])}: fewer than 2 clusters")
        # one plan per design (codes, counts, nesting in O(n)); the two-way transformation is
        # exact, so a column's partialled values do not depend on the other columns
        self.plan = AbsorbPlan(self.groups)
        self.fe_nested = self.plan.dof([self.ent])
        self.fe_all = self.plan.dof()
        self.fe_lm = 0 if len(self.groups) == 1 else self.fe_all  # linearmodels auto_df

    def k_df(self, k: int, dof: str) -> tuple[int, int]:
        """(K of the clustered factor under ``dof``, K with every effect) for k regressors."""
        return k + 1 + (self.fe_nested if dof == "stata" else self.fe_lm), k + 1 + self.fe_all


def _pairs(spec_cols: list[list[str]], pos: Mapping[str, int]) -> dict[tuple[int, int], int]:
    """Index of every column pair a specification multiplies: (regressor, outcome), (regressor, regressor)."""
    out: dict[tuple[int, int], int] = {}
    for cols in spec_cols:
        d, regs = pos[cols[0]], [pos[c] for c in cols[1:]]
        for i, r in enumerate(regs):
            for j in [d, *regs[i:]]:
                out.setdefault((min(r, j), max(r, j)), len(out))
    return out


class _Moments:
    """Everything a specification needs from the partialled columns W (n × p), built in one pass.

    * the Gram entries :math:`W_i'W_j` of those pairs: every specification's
      :math:`\\tilde X'\\tilde X` and :math:`\\tilde X'\\tilde y` are made of them;
    * for every column pair (i, j) some specification multiplies, the cluster sums
      :math:`P_{g,ij} = \\sum_{r\\in g} W_{ri}W_{rj}` (G × pairs) and, for Driscoll–Kraay, the
      period sums (T × pairs).

    A specification's score of cluster g along :math:`a` (first row of
    :math:`(\\tilde X'\\tilde X)^{-1}`) is linear in them:
    :math:`a'\\tilde X_g'\\hat e_g = \\sum_i a_i P_{g,x_iy} - \\sum_{ij} a_i\\hat\\beta_j P_{g,x_ix_j}`,
    so a batch of specifications is one (G × pairs) by (pairs × B) product and the n rows are
    never touched per specification: memory O(n p + G · pairs), not O(B n k).
    """

    def __init__(self, W: np.ndarray, design: _Design, pairs: dict, need_dk: bool):
        p = W.shape[1]
        self.index = np.full((p, p), -1, dtype=np.intp)  # pair of columns (i, j) -> its column
        for (i, j), col in pairs.items():
            self.index[i, j] = self.index[j, i] = col
        self.by_cluster = _pair_sums(W, pairs, design.ent, design.G)
        self.by_period = _pair_sums(W, pairs, design.tim, design.T) if need_dk else None
        # Gram entries W_i'W_j from the cluster sums, each summed alone (no BLAS blocking that
        # would depend on the other columns)
        self.gram = np.array([self.by_cluster[:, c].sum() for c in range(len(pairs))])


def _pair_sums(W: np.ndarray, pairs: dict, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """:math:`\\sum_{r\\in g} W_{ri}W_{rj}` for every pair, (groups × pairs), one bincount each."""
    out = np.empty((n_groups, len(pairs)), order="F")
    for (i, j), col in pairs.items():
        out[:, col] = np.bincount(codes, weights=W[:, i] * W[:, j], minlength=n_groups)
    return out


def _cross_products(mom: _Moments, dep: np.ndarray, reg: np.ndarray):
    """:math:`\tilde X'\tilde X` (B, k, k) and :math:`\tilde X'\tilde y` (B, k) of a batch."""
    return mom.gram[mom.index[reg[:, :, None], reg[:, None, :]]], mom.gram[
        mom.index[reg, dep[:, None]]
    ]


def _solve_batch(mom: _Moments, dep, reg, xtx, xty, bandwidth: int):
    r"""Coefficient of the first regressor, clustered and Driscoll–Kraay meats, for a batch.

    ``dep`` (B,) and ``reg`` (B, k) index the partialled columns. Returns ``beta1`` (B,),
    :math:`\sum_g (a's_g)^2` and :math:`\sum_t h_t^2 + 2\sum_l w_l\sum_t h_th_{t-l}`
    (Bartlett weights :math:`w_l = 1 - l/(L+1)`, :math:`h_t = a's_t` on period sums) or
    None. Every number is summed in
    the specification's own order of terms, so it does not depend on which other
    specifications share the batch or the chunk (a chunked run equals a serial one exactly).
    """
    A = np.linalg.inv(xtx)
    beta = np.einsum("bij,bj->bi", A, xty)
    meat_cl = _meat(mom.by_cluster, mom.index, dep, reg, A[:, 0, :], beta)
    meat_dk = None
    if mom.by_period is not None:
        h = _scores(mom.by_period, mom.index, dep, reg, A[:, 0, :], beta)  # (T, B)
        meat_dk = np.einsum("tb,tb->b", h, h)
        for lag in range(1, bandwidth + 1):
            weight = 2 * (1 - lag / (bandwidth + 1))
            meat_dk = meat_dk + weight * np.einsum("tb,tb->b", h[lag:], h[:-lag])
    return beta[:, 0], meat_cl, meat_dk


def _scores(P, index, dep, reg, a, beta) -> np.ndarray:
    r""":math:`a'\tilde X_g'\hat e_g = \sum_i a_i(P_{g,x_iy} - \sum_j \hat\beta_jP_{g,x_ix_j})`, (groups, B).

    ``P`` holds the group sums of the column pairs (:class:`_Moments`); the symmetric pair
    (i, j), i < j, enters once with weight :math:`-(a_i\beta_j + a_j\beta_i)`.
    """
    k = reg.shape[1]
    u = P[:, index[reg[:, 0], dep]] * a[:, 0]
    for i in range(1, k):
        u += P[:, index[reg[:, i], dep]] * a[:, i]
    for i in range(k):
        u -= P[:, index[reg[:, i], reg[:, i]]] * (a[:, i] * beta[:, i])
        for j in range(i + 1, k):
            u -= P[:, index[reg[:, i], reg[:, j]]] * (a[:, i] * beta[:, j] + a[:, j] * beta[:, i])
    return u


def _meat(P, index, dep, reg, a, beta) -> np.ndarray:
    r""":math:`\sum_g (a's_g)^2` per specification (clustered meat along the first regressor)."""
    u = _scores(P, index, dep, reg, a, beta)
    return np.einsum("gb,gb->b", u, u)


# --------------------------------------------------------------------------- engine


def _partialled(cols_of: Mapping[str, np.ndarray], spec_cols, plan: AbsorbPlan):
    """The columns the specifications use, partialled in one pass: (W (n × p), position by name)."""
    cols = list(dict.fromkeys(c for cs in spec_cols for c in cs))
    n = len(next(iter(cols_of.values()))) if cols_of else 0
    W = np.empty((n, len(cols)), order="F")
    for j, c in enumerate(cols):
        W[:, j] = cols_of[c]
    return plan.demean(W, copy=False), {c: j for j, c in enumerate(cols)}


def _dk_bandwidth(T: int, dk_bandwidth: int | None) -> int:
    L = dk_default_bandwidth(T) if dk_bandwidth is None else int(dk_bandwidth)
    if L >= T:
        raise EstimationError(
            f"Driscoll–Kraay bandwidth {L} must be below the number of periods {T}"
        )
    return L


def _batches(members: list[int], k: int, G: int):
    """Slices of the specifications with k regressors, each bounded in memory (G × B floats)."""
    step = max(1, min(_BATCH, _BATCH_FLOATS // max(G * (k + 1), 1)))
    for lo in range(0, len(members), step):
        yield members[lo : lo + step]


def _variance(design: _Design, k_dfs, meat_cl, meat_dk, is_dk, quantiles):
    """(variance, t quantile, df) per spec: clustered :math:`c\\cdot` meat, or Driscoll–Kraay
    :math:`\\frac{N}{N-K}` meat with every effect in K."""
    (k_df, k_all), (q_cl, q_dk) = k_dfs, quantiles
    n, G, T = design.n, design.G, design.T
    var = cluster_factor(n, k_df, G) * meat_cl
    q, dfs = np.full(len(meat_cl), q_cl), np.full(len(meat_cl), G - 1)
    if meat_dk is not None:
        if n <= k_all:
            raise EstimationError(f"no residual degrees of freedom: N = {n}, K = {k_all}")
        var = np.where(is_dk, meat_dk * n / (n - k_all), var)
        q = np.where(is_dk, q_dk, q)
        dfs = np.where(is_dk, max(T - 1, 1), dfs)
    return var, q, dfs


def _write_rows(out: _Results, rows, beta, var, q, dfs, n, G) -> None:
    """Estimates, t, p and the interval of a batch into the result arrays."""
    se = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, beta / se, np.nan)
    res = out.res
    res[rows, 0], res[rows, 1], res[rows, 2] = beta, se, t
    res[rows, 3] = 2 * special.stdtr(dfs, -np.abs(t))
    res[rows, 4], res[rows, 5] = beta - q * se, beta + q * se
    out.nobs[rows], out.df_inf[rows], out.n_clusters[rows] = n, dfs, G


def _estimate_masked(
    cols_of,
    ent_all,
    years,
    sub_idx,
    spec_cols,
    info,
    *,
    fe,
    dof,
    level,
    dk_bandwidth,
    wild,
    out,
    tracker,
):
    """Estimate the specs of one group that share their complete-case rows."""
    spec_ids, cov_of = info
    design = _Design(ent_all, years, fe, spec_ids[sub_idx])
    n, G, T = design.n, design.G, design.T
    need_dk = bool((cov_of[sub_idx] == "driscoll_kraay").any())
    L = _dk_bandwidth(T, dk_bandwidth) if need_dk else 0
    W, pos = _partialled(cols_of, spec_cols, design.plan)
    mom = _Moments(W, design, _pairs(spec_cols, pos), need_dk)
    del W
    q_cl = special.stdtrit(G - 1, 1 - (1 - level) / 2)
    q_dk = special.stdtrit(max(T - 1, 1), 1 - (1 - level) / 2)
    by_k: dict[int, list[int]] = {}
    for p, cs in enumerate(spec_cols):
        by_k.setdefault(len(cs) - 1, []).append(p)
    for k, members in by_k.items():
        k_df, k_all = design.k_df(k, dof)
        for batch in _batches(members, k, G):
            dep = np.array([pos[spec_cols[p][0]] for p in batch])
            reg = np.array([[pos[c] for c in spec_cols[p][1:]] for p in batch])
            rows = sub_idx[batch]
            xtx, xty = _cross_products(mom, dep, reg)
            _check_rank(xtx, spec_ids[rows], [spec_cols[p][1:] for p in batch])
            beta, meat_cl, meat_dk = _solve_batch(mom, dep, reg, xtx, xty, L)
            is_dk = cov_of[rows] == "driscoll_kraay"
            var, q, dfs = _variance(design, (k_df, k_all), meat_cl, meat_dk, is_dk, (q_cl, q_dk))
            _write_rows(out, rows, beta, var, q, dfs, n, G)
            if wild[0]:
                for p, r in zip(batch, rows):
                    out.p_wild[r] = _wild_p(
                        cols_of, spec_cols[p], design.ent, design.groups, k_df, *wild
                    )
            tracker.add(len(batch))


def _wild_p(cols_of, cols, ent, groups, k_df, bootstrap, seed, weights) -> float:
    """WCR bootstrap p-value of :math:`\\beta_x = 0` via :func:`imtfp.core.wild.wild_cluster_bootstrap`."""
    fit = wild_cluster_bootstrap(
        np.column_stack([cols_of[c] for c in cols[1:]]),
        cols_of[cols[0]],
        ent,
        param=0,
        bootstrap=int(bootstrap),
        weights=weights,
        seed=int(seed),
        absorb=groups,
        k_df=k_df,
        level=None,
    )
    return fit.p_value


class _Progress:
    """Calls ``progress(done, total)`` whenever another 5 % of the specs is done."""

    def __init__(self, callback, total):
        self.callback, self.total, self.done, self.next = callback, total, 0, 0.0

    def add(self, n: int) -> None:
        self.done += n
        if self.callback is not None and (self.done >= self.next or self.done == self.total):
            self.callback(self.done, self.total)
            self.next = (np.floor(self.done / self.total * 20) + 1) * self.total / 20


# --------------------------------------------------------------------------- entry point


@single_blas_thread
def estimate_specifications(
    data: pd.DataFrame,
    specs: pd.DataFrame,
    *,
    entity: str = "province",
    time: str = "year",
    samples: Mapping[str, Mapping] | None = None,
    control_sets: Mapping[str, Sequence[str]] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    progress: Callable[[int, int], Any] | None = None,
    dof: DofConvention = "stata",
    wild_weights: WildWeights = "webb",
    level: float = 0.95,
    dk_bandwidth: int | None = None,
) -> pd.DataFrame:
    """Estimate every specification of a multiverse grid (the coefficient on ``x``).

    Parameters
    ----------
    data : long panel with ``entity``, ``time`` (integer years) and the variables
    specs : one row per specification (e.g. :func:`specification_grid`), with
        ``spec_id`` and the choice columns below; absent optional columns take
        :data:`CHOICE_DEFAULTS`, other columns are carried through unchanged.

        * ``y`` — outcome column; ``x`` — regressor column (its coefficient is reported)
        * ``controls`` — name of a control set in ``control_sets`` (None: none)
        * ``sample`` — name of a filter in ``samples`` (None: all rows). A filter
          combines ``drop_provinces`` [entity codes], ``drop_years`` [ints],
          ``years`` [first, last] (inclusive) and ``regions`` [NBS region
          names, from a ``region`` column or the province codes]
        * ``fe`` — ``"twoway"`` (entity and time effects) or ``"entity"``
        * ``winsor`` — 0 or a share w: y, x and controls clipped at their w and
          1 − w quantiles within the sample (after lagging)
        * ``lag`` — 0 or 1: x replaced by its value one year earlier for the
          same entity, taken on the full data; rows without a lag are dropped
        * ``cov`` — ``"clustered"`` by entity or ``"driscoll_kraay"``
          (bandwidth ``dk_bandwidth`` or :math:`\\lfloor 4(T/100)^{2/9}\\rfloor`,
          factor N/(N − K) with all effects in K, unreliable for T < 20)
    samples, control_sets : the named filters and control lists
    bootstrap : number of draws; > 0 adds ``p_wild``, the wild cluster restricted
        bootstrap p-value of :math:`H_0:\\beta_x = 0` (symmetric, ``wild_weights``
        weights, clusters = entities, seeded with ``seed`` for every spec)
    progress : called as ``progress(done, total)`` about every 5 % of the specs
    dof : K in the small-sample factor, ``"stata"`` or ``"linearmodels"`` (module docstring)
    level : confidence level of ``ci_low``/``ci_high``

    Returns
    -------
    One row per spec in input order: ``spec_id``, the choice columns,
    ``estimate, se, t, p, ci_low, ci_high, nobs, n_dropped, df_inf,
    n_clusters`` (``df_inf``: degrees of freedom of the t reference, G − 1 or
    T − 1) and ``p_wild`` when requested; :class:`SpecificationCurve` views
    them through the result protocol. ``n_dropped`` counts the sample's rows dropped for a
    missing value in the spec's variables (including the missing lag).

    Raises
    ------
    ConfigError
        Unknown sample, control set or column.
    EstimationError
        A design collinear after partialling out the fixed effects, or too few
        observations or clusters.
    """
    check_option(dof, DofConvention, "dof")
    if bootstrap and bootstrap < 99:
        raise ConfigError(f"bootstrap must be 0 or at least 99 draws, got {bootstrap}")
    samples, control_sets = dict(samples or {}), dict(control_sets or {})
    original, norm, variables = _prepare_specs(specs, samples, control_sets)
    out = _Results(len(norm))
    tracker = _Progress(progress, len(norm))
    info = (norm["spec_id"].to_numpy(), norm["cov"].to_numpy())
    base = _base_for(data, norm, variables, entity=entity, time=time) if len(norm) else None
    options = dict(dof=dof, level=level, dk_bandwidth=dk_bandwidth,
                   wild=(bootstrap, seed, wild_weights), out=out, tracker=tracker)  # fmt: skip
    for idx in _data_groups(norm):
        sample, winsor, fe, spec_cols = _group_choices(norm, idx, variables)
        arrays = base.group(
            list(dict.fromkeys(c for cs in spec_cols for c in cs)), sample, samples, winsor
        )
        rows = base.rows(sample, samples)
        for m, positions in _complete_case_masks(arrays, spec_cols):
            sub_idx = idx[positions]
            out.n_dropped[sub_idx] = len(rows) - int(m.sum())
            _estimate_masked(
                _take(arrays, m), _take(base.ent[rows], m), _take(base.years[rows], m), sub_idx,
                [spec_cols[p] for p in positions], info, fe=fe, **options,
            )  # fmt: skip
    return out.frame(original, bootstrap=bool(bootstrap))


def _prepare_specs(specs: pd.DataFrame, samples: Mapping, control_sets: Mapping):
    """(the caller's specs with ``spec_id``, normalised choices, (y, x, controls) per spec)."""
    original = specs.reset_index(drop=True)
    if "spec_id" not in original.columns:
        original = original.assign(spec_id=np.arange(len(original)))
    norm = _normalise_specs(original, samples, control_sets)
    records = norm[["y", "x", "controls"]].to_dict("records")
    return original, norm, [_spec_variables(r, control_sets) for r in records]


def _base_for(data, norm, variables, *, entity: str, time: str) -> _Base:
    """The data prepared once for all specs: the plain columns and the regressors to lag."""
    lags = norm["lag"].to_numpy()
    lagged_x = sorted({v[1] for v, lag in zip(variables, lags) if lag})
    plain = sorted(
        {c for v in variables for c in (v[0], *v[2])}
        | {v[1] for v, lag in zip(variables, lags) if not lag}
    )
    return _Base(data, plain, lagged_x, entity=entity, time=time)


def _data_groups(norm: pd.DataFrame) -> list[np.ndarray]:
    """Positions of the specs sharing one data set: (sample, winsor, lag, fe), in first-seen order."""
    keys = ["sample", "winsor", "lag", "fe"]
    members: dict[str, list[int]] = {}
    for i, key in enumerate(repr(t) for t in zip(*(norm[k].tolist() for k in keys))):
        members.setdefault(key, []).append(i)
    return [np.asarray(m) for m in members.values()]


def _group_choices(norm: pd.DataFrame, idx: np.ndarray, variables):
    """(sample, winsor, fe, columns of each spec: [y, x or L.x, *controls]) of one data group."""
    first = norm.iloc[idx[0]]
    sample = first["sample"]
    if sample is None or (isinstance(sample, float) and np.isnan(sample)):
        sample = None
    lag = int(first["lag"])
    spec_cols = [
        [variables[i][0], f"L.{variables[i][1]}" if lag else variables[i][1], *variables[i][2]]
        for i in idx
    ]
    return sample, float(first["winsor"]), str(first["fe"]), spec_cols


def _complete_case_masks(arrays: Mapping[str, np.ndarray], spec_cols):
    """[(rows without a missing value, positions of the specs using exactly those rows)]."""
    complete = {c: ~np.isnan(v) for c, v in arrays.items()}
    groups: dict[bytes, tuple[np.ndarray, list[int]]] = {}
    for pos, cols in enumerate(spec_cols):
        m = np.logical_and.reduce([complete[c] for c in cols])
        groups.setdefault(m.tobytes(), (m, []))[1].append(pos)
    return list(groups.values())


def _take(values, m: np.ndarray):
    """Rows ``m`` of an array or of every array of a mapping (no copy when all rows are kept)."""
    if isinstance(values, Mapping):
        return {c: _take(v, m) for c, v in values.items()}
    return values if m.all() else values[m]


class _Results:
    """The result arrays, one row per specification, filled group by group."""

    def __init__(self, n_specs: int):
        self.res = np.full((n_specs, 6), np.nan)  # estimate, se, t, p, ci_low, ci_high
        self.nobs = np.zeros(n_specs, dtype=np.int64)
        self.df_inf = np.zeros(n_specs, dtype=np.int64)
        self.n_clusters = np.zeros(n_specs, dtype=np.int64)
        self.n_dropped = np.zeros(n_specs, dtype=np.int64)
        self.p_wild = np.full(n_specs, np.nan)

    def frame(self, original: pd.DataFrame, *, bootstrap: bool) -> pd.DataFrame:
        """The caller's specs with the result columns (``spec_id`` first)."""
        out = original.copy()
        for j, name in enumerate(["estimate", "se", "t", "p", "ci_low", "ci_high"]):
            out[name] = self.res[:, j]
        out["nobs"], out["n_dropped"] = self.nobs, self.n_dropped
        out["df_inf"], out["n_clusters"] = self.df_inf, self.n_clusters
        if bootstrap:
            out["p_wild"] = self.p_wild
        return out[["spec_id"] + [c for c in out.columns if c != "spec_id"]]


# --------------------------------------------------------------------------- summary


#: Columns the summaries add to the results (multiverse_summary.standardise, robustness): derived
#: from the estimates and the choices, never a choice themselves.
DERIVED_COLUMNS = ("estimate_std", "ci_low_std", "ci_high_std", "time_effects", "headline")


def _choice_columns(results: pd.DataFrame) -> list[str]:
    not_choices = {"spec_id", *RESULT_COLUMNS, "p_wild", *DERIVED_COLUMNS}
    return [c for c in results.columns if c not in not_choices]


def choice_influence(results: pd.DataFrame) -> pd.DataFrame:
    """How much each choice moves the estimate.

    For choice c with levels :math:`\\ell`, the mean estimate over the specs
    at each level :math:`\\bar b_\\ell`; the influence is
    :math:`\\max_\\ell \\bar b_\\ell - \\min_\\ell \\bar b_\\ell`. Choices with one
    level have influence 0. Sorted by influence, largest first (ties by name).
    """
    rows = []
    for c in _choice_columns(results):
        means = results.groupby(results[c].astype(str), sort=True)["estimate"].mean()
        rows.append(
            {
                "choice": c,
                "n_levels": int(means.size),
                "range_of_means": float(means.max() - means.min()) if means.size else np.nan,
                "level_min": str(means.idxmin()) if means.size else None,
                "level_max": str(means.idxmax()) if means.size else None,
            }
        )
    out = pd.DataFrame(
        rows, columns=["choice", "n_levels", "range_of_means", "level_min", "level_max"]
    )
    return out.sort_values(
        ["range_of_means", "choice"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def specification_curve_summary(
    results: pd.DataFrame, *, baseline_spec_id: int, truth: float | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """One-row summary of a specification curve.

    Columns: ``n_specs``; ``baseline_estimate``; ``share_same_sign`` (share of
    estimates with the baseline's sign); ``share_significant`` (p < alpha) and
    ``share_significant_same_sign``; ``share_significant_wild`` when ``p_wild``
    is present; ``median``, ``q25``, ``q75``, ``iqr``, ``min``, ``max`` of the
    estimates; ``truth``, ``truth_in_estimate_range`` (min ≤ truth ≤ max of the
    estimates), ``truth_in_ci_range`` (min ci_low ≤ truth ≤ max ci_high) and
    ``share_ci_cover_truth`` (share of specs whose own CI covers it), NaN/None
    without a truth. A truth is the effect of the baseline's regressor on the
    baseline's outcome, so these compare it only with the ``n_truth_specs``
    specifications that share the baseline's ``y`` and ``x`` (other regressors
    and outcomes are in other units); ``most_influential_choice`` and its ``influence`` (see
    :func:`choice_influence`).
    """
    hit = results.loc[results["spec_id"] == baseline_spec_id]
    if hit.empty:
        raise ConfigError(f"baseline_spec_id {baseline_spec_id} is not among the results")
    est = results["estimate"].to_numpy(dtype=float)
    base = float(hit["estimate"].iloc[0])
    sig = results["p"].to_numpy(dtype=float) < alpha
    same = np.sign(est) == np.sign(base)
    q25, med, q75 = np.quantile(est, [0.25, 0.5, 0.75])
    row: dict[str, Any] = {
        "n_specs": len(results),
        "baseline_spec_id": int(baseline_spec_id),
        "baseline_estimate": base,
        "share_same_sign": float(same.mean()),
        "share_significant": float(sig.mean()),
        "share_significant_same_sign": float((sig & same).mean()),
    }
    if "p_wild" in results.columns:
        row["share_significant_wild"] = float(
            (results["p_wild"].to_numpy(dtype=float) < alpha).mean()
        )
    row.update(
        {
            "median": float(med),
            "q25": float(q25),
            "q75": float(q75),
            "iqr": float(q75 - q25),
            "min": float(est.min()),
            "max": float(est.max()),
        }
    )
    if truth is None:
        row.update(
            {
                "truth": np.nan,
                "n_truth_specs": 0,
                "truth_in_estimate_range": None,
                "truth_in_ci_range": None,
                "share_ci_cover_truth": np.nan,
            }
        )
    else:
        same = np.ones(len(results), dtype=bool)
        for key in ("y", "x"):  # only the specs that estimate the effect the truth is about
            if key in results.columns:
                same &= (results[key] == hit[key].iloc[0]).to_numpy()
        comparable = results.loc[same]
        e = comparable["estimate"].to_numpy(dtype=float)
        lo, hi = (
            comparable["ci_low"].to_numpy(dtype=float),
            comparable["ci_high"].to_numpy(dtype=float),
        )
        row.update(
            {
                "truth": float(truth),
                "n_truth_specs": int(same.sum()),
                "truth_in_estimate_range": bool(e.min() <= truth <= e.max()),
                "truth_in_ci_range": bool(lo.min() <= truth <= hi.max()),
                "share_ci_cover_truth": float(((lo <= truth) & (truth <= hi)).mean()),
            }
        )
    infl = choice_influence(results)
    row["most_influential_choice"] = infl["choice"].iloc[0] if len(infl) else None
    row["influence"] = float(infl["range_of_means"].iloc[0]) if len(infl) else np.nan
    return pd.DataFrame([row])


class SpecificationCurve(Estimates):
    """The multiverse results through the result protocol: one coefficient per specification.

    ``terms`` are the ``spec_id`` values, ``params``/``bse``/``tvalues`` the
    estimate, standard error and t of each specification's ``x``, and
    ``pvalues``/``conf_int(level)`` use each specification's own reference
    distribution (t(``df_inf``): G − 1 clustered, T − 1 Driscoll–Kraay), so
    they equal the ``p``, ``ci_low``, ``ci_high`` columns at the level used.
    Specifications are separate regressions: ``vcov`` is diagonal.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame({"province": np.repeat(np.arange(20), 6), "year": np.tile(np.arange(6), 20)})
    >>> panel["x"], panel["z"] = rng.normal(size=120), rng.normal(size=120)
    >>> panel["y"] = 0.5 * panel["x"] + rng.normal(size=120)
    >>> grid = specification_grid({"y": ["y"], "x": ["x"], "controls": [None, "z"]})
    >>> curve = SpecificationCurve(estimate_specifications(panel, grid, control_sets={"z": ["z"]}, seed=1))
    >>> list(curve.params.index), curve.df_resid
    ([0, 1], None)
    >>> bool(np.allclose(curve.pvalues, curve.results["p"]))
    True
    """

    cov_type = "per specification (column cov)"

    def __init__(self, results: pd.DataFrame):
        missing = [c for c in ("spec_id", "estimate", "se", "df_inf") if c not in results.columns]
        if missing:
            raise MissingColumnError(
                "specification curve", missing, available=list(results.columns)
            )
        self.results = results.reset_index(drop=True)

    @property
    def terms(self) -> list:
        return self.results["spec_id"].tolist()

    @property
    def coef(self) -> np.ndarray:
        return self.results["estimate"].to_numpy(dtype=float)

    @property
    def vcov(self) -> np.ndarray:
        return np.diag(self.results["se"].to_numpy(dtype=float) ** 2)

    @property
    def df_inf(self) -> None:
        return None  # one per specification: see _df and the overridden pvalues/conf_int

    @property
    def nobs(self) -> pd.Series:
        return pd.Series(self.results["nobs"].to_numpy(), index=self.terms, name="nobs")

    @property
    def n_clusters(self) -> pd.Series:
        return pd.Series(self.results["n_clusters"].to_numpy(), index=self.terms, name="n_clusters")

    @property
    def bse(self) -> pd.Series:
        return pd.Series(self.results["se"].to_numpy(dtype=float), index=self.terms, name="bse")

    @property
    def pvalues(self) -> pd.Series:
        t = np.abs(self.tvalues.to_numpy())
        p = 2 * special.stdtr(self.results["df_inf"].to_numpy(dtype=float), -t)
        return pd.Series(p, index=self.terms, name="pvalues")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        if not 0 < level < 1:
            raise ConfigError(f"level must lie in (0, 1), got {level}")
        q = special.stdtrit(self.results["df_inf"].to_numpy(dtype=float), 1 - (1 - level) / 2)
        b, se = self.params.to_numpy(), self.bse.to_numpy()
        return pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=self.terms)

    def tidy(
        self, *, table: str = "multiverse", column: str = "", level: float = 0.95
    ) -> pd.DataFrame:
        """One row per specification; ``term`` is ``spec<id>``, ``dep_var`` its outcome."""
        ci = self.conf_int(level)
        r = self.results
        rows = pd.DataFrame(
            {
                "table": table,
                "column": column,
                "term": [f"spec{i}" for i in self.terms],
                "estimate": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "t": self.tvalues.to_numpy(),
                "p": self.pvalues.to_numpy(),
                "ci_low": ci["lower"].to_numpy(),
                "ci_high": ci["upper"].to_numpy(),
                "nobs": r["nobs"].to_numpy(),
                "cov": r["cov"].astype(str).to_numpy() if "cov" in r else "clustered",
                "dep_var": r["y"].astype(str).to_numpy() if "y" in r else "",
            }
        )
        return tidy_frame(rows.to_dict("records"))

    def _summary_header(self) -> list[tuple[str, str]]:
        n = self.results["nobs"]
        return [
            ("Model", f"specification curve, {len(self.results)} specifications"),
            ("No. observations", f"{int(n.min()):,}–{int(n.max()):,}"),
            ("Inference", "per specification (t(df_inf))"),
        ]
