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
        return {c: _winsorise(self.cols[c][r], winsor) for c in columns}


# --------------------------------------------------------------------------- batched solver


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


def _finish_batch(
    X: np.ndarray,
    y: np.ndarray,
    xtx: np.ndarray,
    starts: np.ndarray,
    time_onehot: np.ndarray | None,
    bandwidth: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Coefficient and unscaled variance of the first regressor for a batch of specs.

    ``X`` (B, n, k) and ``y`` (B, n) are partialled; rows are sorted by entity
    (``starts`` marks the first row of each). Returns ``beta1`` (B,),
    :math:`\\sum_g (a's_g)^2` with :math:`s_g = \\tilde X_g'\\hat e_g` and
    :math:`a` the first row of :math:`(\\tilde X'\\tilde X)^{-1}`, and the
    Driscoll–Kraay analogue on period sums :math:`h_t` (Bartlett weights), or
    None. Every operation acts on each spec's own slice (batched matmul /
    LAPACK calls loop over the batch), so a result does not depend on which
    other specs share its batch.
    """
    xty = X.transpose(0, 2, 1) @ y[:, :, None]
    A = np.linalg.inv(xtx)
    beta = (A @ xty)[:, :, 0]
    resid = y - (X @ beta[:, :, None])[:, :, 0]
    scores = X * resid[:, :, None]  # (B, n, k)
    a = A[:, 0, :][:, :, None]  # (B, k, 1): first row of the symmetric inverse
    s_g = np.add.reduceat(scores, starts, axis=1)  # (B, G, k): rows sorted by entity
    u = (s_g @ a)[:, :, 0]
    meat_cl = np.sum(u * u, axis=1)
    meat_dk = None
    if time_onehot is not None:
        h = (time_onehot @ scores @ a)[:, :, 0]  # (B, T): a' h_t
        meat_dk = np.sum(h * h, axis=1)
        for j in range(1, bandwidth + 1):
            meat_dk = meat_dk + 2 * (1 - j / (bandwidth + 1)) * np.sum(h[:, j:] * h[:, :-j], axis=1)
    return beta[:, 0], meat_cl, meat_dk


# --------------------------------------------------------------------------- engine


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
    samples = dict(samples or {})
    control_sets = dict(control_sets or {})
    original = specs.reset_index(drop=True)
    if "spec_id" not in original.columns:
        original = original.assign(spec_id=np.arange(len(original)))
    norm = _normalise_specs(original, samples, control_sets)
    n_specs = len(norm)
    variables = [
        _spec_variables(r, control_sets) for r in norm[["y", "x", "controls"]].to_dict("records")
    ]
    res = np.full((n_specs, 6), np.nan)
    nobs = np.zeros(n_specs, dtype=np.int64)
    df_inf = np.zeros(n_specs, dtype=np.int64)
    n_clusters = np.zeros(n_specs, dtype=np.int64)
    ndrop = np.zeros(n_specs, dtype=np.int64)
    p_wild = np.full(n_specs, np.nan)
    tracker = _Progress(progress, n_specs)

    keys = ["sample", "winsor", "lag", "fe"]
    lags = norm["lag"].to_numpy()
    lagged_x = sorted({variables[i][1] for i in range(n_specs) if lags[i]})
    plain = sorted(
        {v for i in range(n_specs) for v in (variables[i][0], *variables[i][2])}
        | {variables[i][1] for i in range(n_specs) if not lags[i]}
    )
    info = (norm["spec_id"].to_numpy(), norm["cov"].to_numpy())
    base = _Base(data, plain, lagged_x, entity=entity, time=time) if n_specs else None
    group_of = [repr(t) for t in zip(*(norm[k].tolist() for k in keys))]
    members: dict[str, list[int]] = {}
    for i, gkey in enumerate(group_of):
        members.setdefault(gkey, []).append(i)
    for idx_list in members.values():
        idx = np.asarray(idx_list)
        first = norm.iloc[idx[0]]
        sample = first["sample"]
        sample = (
            None if sample is None or (isinstance(sample, float) and np.isnan(sample)) else sample
        )
        lag, fe, winsor = int(first["lag"]), str(first["fe"]), float(first["winsor"])
        regressor_name = (lambda x: f"L.{x}") if lag else (lambda x: x)
        spec_cols = [
            [variables[i][0], regressor_name(variables[i][1]), *variables[i][2]] for i in idx
        ]
        used = list(dict.fromkeys(c for cols in spec_cols for c in cols))
        arrays = base.group(used, sample, samples, winsor)
        rows = base.rows(sample, samples)
        complete = {c: ~np.isnan(v) for c, v in arrays.items()}
        masks: dict[bytes, list[int]] = {}
        mask_of: dict[bytes, np.ndarray] = {}
        for pos, cols in enumerate(spec_cols):
            m = np.logical_and.reduce([complete[c] for c in cols])
            key = m.tobytes()
            masks.setdefault(key, []).append(pos)
            mask_of[key] = m
        for key, positions in masks.items():
            m = mask_of[key]
            sub_idx = idx[positions]
            ndrop[sub_idx] = len(rows) - int(m.sum())
            _estimate_masked(
                {c: v[m] for c, v in arrays.items()},
                base.ent[rows][m],
                base.years[rows][m],
                sub_idx,
                [spec_cols[p] for p in positions],
                info,
                fe=fe,
                dof=dof,
                level=level,
                dk_bandwidth=dk_bandwidth,
                wild=(bootstrap, seed, wild_weights),
                out=(res, nobs, p_wild, df_inf, n_clusters),
                tracker=tracker,
            )
    out = original.copy()
    for j, name in enumerate(["estimate", "se", "t", "p", "ci_low", "ci_high"]):
        out[name] = res[:, j]
    out["nobs"] = nobs
    out["n_dropped"] = ndrop
    out["df_inf"] = df_inf
    out["n_clusters"] = n_clusters
    if bootstrap:
        out["p_wild"] = p_wild
    front = ["spec_id"] + [c for c in out.columns if c != "spec_id"]
    return out[front]


class _Progress:
    """Calls ``progress(done, total)`` whenever another 5 % of the specs is done."""

    def __init__(self, callback, total):
        self.callback, self.total, self.done, self.next = callback, total, 0, 0.0

    def add(self, n: int) -> None:
        self.done += n
        if self.callback is not None and (self.done >= self.next or self.done == self.total):
            self.callback(self.done, self.total)
            self.next = (np.floor(self.done / self.total * 20) + 1) * self.total / 20


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
    """Estimate the specs of one group that share their complete-case rows (sorted by entity, time)."""
    res, nobs_out, p_wild, df_out, g_out = out
    spec_ids, cov_of = info
    n = len(ent_all)
    ent = group_codes(ent_all)
    tim = group_codes(years)
    groups = [ent, tim] if fe == "twoway" else [ent]
    G, T = int(ent.max()) + 1 if n else 0, int(tim.max()) + 1 if n else 0
    if G < 2:
        raise EstimationError(
            f"specifications {list(spec_ids[sub_idx][:5])}: fewer than 2 clusters"
        )
    cols = list(dict.fromkeys(c for cs in spec_cols for c in cs))
    # one plan per design (codes, counts, nesting in O(n)) and every column partialled in one
    # pass; the two-way transformation is exact, so a column's values do not depend on the others
    plan = AbsorbPlan(groups)
    W = plan.demean(np.column_stack([cols_of[c] for c in cols]))
    pos = {c: j for j, c in enumerate(cols)}
    starts = np.flatnonzero(np.r_[True, np.diff(ent) != 0])
    fe_nested = plan.dof([ent])
    fe_all = plan.dof()
    fe_lm = 0 if len(groups) == 1 else fe_all  # linearmodels auto_df
    need_dk = bool((cov_of[sub_idx] == "driscoll_kraay").any())
    onehot = None
    L = 0
    if need_dk:
        onehot = np.zeros((T, n))
        onehot[tim, np.arange(n)] = 1.0
        L = dk_default_bandwidth(T) if dk_bandwidth is None else int(dk_bandwidth)
        if L >= T:
            raise EstimationError(
                f"Driscoll–Kraay bandwidth {L} must be below the number of periods {T}"
            )
    q_cl = special.stdtrit(G - 1, 1 - (1 - level) / 2)
    q_dk = special.stdtrit(max(T - 1, 1), 1 - (1 - level) / 2)
    by_k: dict[int, list[int]] = {}
    for p, cs in enumerate(spec_cols):
        by_k.setdefault(len(cs) - 1, []).append(p)
    for k, members in by_k.items():
        step = max(1, min(_BATCH, _BATCH_FLOATS // max(n * (k + 1), 1)))
        for lo in range(0, len(members), step):
            batch = members[lo : lo + step]
            dep = np.array([pos[spec_cols[p][0]] for p in batch])
            reg = np.array([[pos[c] for c in spec_cols[p][1:]] for p in batch])
            X = np.ascontiguousarray(np.moveaxis(W[:, reg], 1, 0))
            y = np.ascontiguousarray(W[:, dep].T)
            xtx = X.transpose(0, 2, 1) @ X
            rows = sub_idx[batch]
            _check_rank(xtx, spec_ids[rows], [spec_cols[p][1:] for p in batch])
            beta, meat_cl, meat_dk = _finish_batch(X, y, xtx, starts, onehot, L)
            k_stata, k_lm, k_all = k + 1 + fe_nested, k + 1 + fe_lm, k + 1 + fe_all
            k_df = k_stata if dof == "stata" else k_lm
            var = cluster_factor(n, k_df, G) * meat_cl
            q = np.full(len(batch), q_cl)
            dfs = np.full(len(batch), G - 1)
            if meat_dk is not None:
                is_dk = cov_of[rows] == "driscoll_kraay"
                if n <= k_all:
                    raise EstimationError(f"no residual degrees of freedom: N = {n}, K = {k_all}")
                var = np.where(is_dk, meat_dk * n / (n - k_all), var)
                q = np.where(is_dk, q_dk, q)
                dfs = np.where(is_dk, max(T - 1, 1), dfs)
            se = np.sqrt(var)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(se > 0, beta / se, np.nan)
            res[rows, 0], res[rows, 1], res[rows, 2] = beta, se, t
            res[rows, 3] = 2 * special.stdtr(dfs, -np.abs(t))
            res[rows, 4], res[rows, 5] = beta - q * se, beta + q * se
            nobs_out[rows] = n
            df_out[rows] = dfs
            g_out[rows] = G
            if wild[0]:
                for p, r in zip(batch, rows):
                    p_wild[r] = _wild_p(cols_of, spec_cols[p], ent, groups, k_df, *wild)
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


# --------------------------------------------------------------------------- summary


def _choice_columns(results: pd.DataFrame) -> list[str]:
    return [c for c in results.columns if c not in {"spec_id", *RESULT_COLUMNS, "p_wild"}]


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
