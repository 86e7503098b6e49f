"""Dynamic panel GMM: Arellano–Bond difference GMM and Blundell–Bond system GMM.

The model, for entity i and period t,

.. math::
    y_{it} = \\sum_{l\\ge 1} \\alpha_l y_{i,t-l} + x_{it}'\\beta + \\delta_t + \\mu_i + \\varepsilon_{it},

is estimated by linear GMM on the first-differenced equation (Arellano and Bond 1991,
``method="difference"``) or on the stacked differenced and level equations (Arellano and Bover
1995; Blundell and Bond 1998, ``method="system"``). With the instruments Z, the regressors X and
the dependent variable y stacked per entity (rows of missing observations are zero, as in
xtabond2's "missing = 0"),

.. math::
    \\hat\\beta = (X'ZAZ'X)^{-1}X'ZAZ'y,\\qquad
    A_1 = \\Big(\\sum_i Z_i'HZ_i\\Big)^{-1},\\qquad
    A_2 = \\Big(\\sum_i Z_i'\\hat e_{1i}\\hat e_{1i}'Z_i\\Big)^{-1},

one step with :math:`A_1` (H: 2 on the diagonal and −1 beside it for the differences, the
identity for the levels; ``h`` picks the cross blocks as xtabond2's ``h()``), two steps with
:math:`A_2` built from the one-step residuals. Standard errors: one-step robust sandwich
:math:`M^{-1}X'ZA_1\\hat SA_1Z'XM^{-1}`; two-step with Windmeijer's (2005) finite-sample
correction :math:`V_c = V_2 + DV_2 + V_2D' + DV_1D'`, where the k-th column of D is
:math:`-M_2^{-1}X'ZA_2(\\partial S/\\partial\\beta_k)A_2Z'\\hat e_2` and :math:`V_1` the robust
one-step covariance.

Instruments:

* ``gmm={v: (a, b)}`` ("GMM-style"): for the differenced equation of period t the levels
  :math:`v_{i,t-a},\\dots,v_{i,t-b}` (b = None: all available), one column per period and lag
  (``collapse=True``: one column per lag); for the level equation (system GMM) the difference
  :math:`\\Delta v_{i,t-a+1}` — for the usual a = 2 the lag-1 difference — one column per period
  (collapsed: one column), as xtabond2;
* ``iv=[...]`` ("IV-style", strictly exogenous): the difference in the differenced equation and
  the level in the level equation, one shared column each (xtabond2's ``iv(..., eq(both))``);
* time effects: period dummies; in difference GMM their differences are regressors and
  instruments, in system GMM the dummies and the constant instrument the level equation only
  (xtabond2's ``iv(yr*, eq(level))``, DPD for Ox's "Dummies"), so that the constant moment
  conditions E[ε_it] = 0 are used once per period.

Tests: Arellano–Bond AR(m) on the differenced residuals (with the robust or Windmeijer
covariance, as xtabond2), Hansen's J from the robust weight (the minimised two-step criterion),
and Sargan's statistic, the one-step criterion
:math:`(\\hat e_1'Z)(Z'HZ)^{-1}(Z'\\hat e_1)/\\hat\\sigma^2` (xtabond2's, also after two steps).

Own vectorised numpy code (einsum over a balanced entity × period grid) rather than a library:
``linearmodels`` has no dynamic-panel GMM; ``pydynpd`` loops over entities in Python behind its
own command-string syntax; ``panelbox`` is young and its Stata comparisons hold placeholder
numbers. None fits the house rules (``Literal`` options, :class:`~imtfp.results.Estimates`,
imtfp errors) and none is a dependency: their stored outputs, with Stata's and DPD for Ox's, are
the oracles of ``tests/reference/test_dynamic_*.py`` (DPD for Ox's Blundell–Bond 1998 Table 4,
printed xtabond2 output on abdata, R plm's Arellano–Bond 1991 Table 4 (b), pydynpd's system GMM).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.core.rank import collinear_columns
from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.options import check_option
from imtfp.results import Estimates
from imtfp.tidy import tidy_frame

GmmMethod = Literal["difference", "system"]
GmmSteps = Literal[1, 2]
#: Which equation the IV-style instruments enter (xtabond2's ``iv(..., equation())``).
IvEquation = Literal["both", "diff", "level"]
#: xtabond2's ``h()``: the one-step weight's error covariance (1 identity, 2 no cross terms
#: between the differenced and level equations — DPD for Ox —, 3 the exact cross terms).
OneStepH = Literal[1, 2, 3]

_NAME = r"[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*?"
_TERM = re.compile(rf"^(?:L(?:(?P<one>\d*)|\((?P<lo>\d+)\s*/\s*(?P<hi>\d+)\))\.)?(?P<var>{_NAME})$")


@dataclass(frozen=True)
class LagTerm:
    """A variable at a lag: ``L2.n`` is ``LagTerm("n", 2)``; lag 0 is the variable itself."""

    var: str
    lag: int = 0

    @property
    def name(self) -> str:
        return self.var if self.lag == 0 else f"L{self.lag}.{self.var}"


def parse_lag_terms(text: str, *, what: str = "term") -> list[LagTerm]:
    """Read Stata-style lag terms: ``x``, ``L.x`` (= ``L1.x``), ``L2.x``, ``L(0/2).x``.

    >>> [t.name for t in parse_lag_terms("L(1/2).n + w + L.k")]
    ['L1.n', 'L2.n', 'w', 'L1.k']
    """
    out: list[LagTerm] = []
    for raw in text.split("+"):
        token = raw.strip().replace(" ", "")
        m = _TERM.match(token)
        if not token or m is None:
            raise ConfigError(
                f"{what} {raw.strip()!r}: expected a column name, 'L1.x' or 'L(1/2).x'"
            )
        if m["lo"] is not None:
            lo, hi = int(m["lo"]), int(m["hi"])
            if hi < lo:
                raise ConfigError(f"{what} {token!r}: lag range L({lo}/{hi}) runs backwards")
            lags = range(lo, hi + 1)
        elif m["one"] is not None:
            lags = [int(m["one"]) if m["one"] else 1]
        else:
            lags = [0]
        for lag in lags:
            term = LagTerm(m["var"], lag)
            if term not in out:
                out.append(term)
    return out


def parse_dynamic_formula(formula: str) -> tuple[str, list[LagTerm]]:
    """``"n ~ L(1/2).n + L(0/1).w + k"`` → ``("n", [L1.n, L2.n, w, L1.w, k])``."""
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ConfigError(f"formula {formula!r}: needs the form 'y ~ L1.y + x + L1.x'")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not re.fullmatch(_NAME, lhs):
        raise ConfigError(f"formula {formula!r}: dependent variable {lhs!r} is not a column name")
    terms = parse_lag_terms(rhs, what=f"formula {formula!r}: term")
    if LagTerm(lhs, 0) in terms:
        raise ConfigError(f"formula {formula!r}: the dependent variable is also a regressor")
    return lhs, terms


@dataclass
class DynamicPanelFit(Estimates):
    """A difference or system GMM fit (result protocol of :class:`~imtfp.results.Estimates`).

    ``vcov`` is the one-step robust covariance or, after two steps, Windmeijer's corrected one
    (``vcov_uncorrected`` keeps :math:`(X'ZA_2Z'X)^{-1}`). ``sargan`` and ``hansen`` are
    ``(statistic, df, p)``; :meth:`ar` gives the Arellano–Bond test ``(z, p)`` of order m.
    ``nobs`` counts the observations of the differenced equation (difference GMM) or of the
    level equation (system GMM), as xtabond2 and DPD for Ox do.
    """

    terms: list[str]
    coef: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    vcov_uncorrected: np.ndarray = field(repr=False)
    method: str
    steps: int
    n_groups: int
    n_instruments: int
    sargan: tuple[float, int, float]
    hansen: tuple[float, int, float]
    ar_tests: dict[int, tuple[float, float]]
    instruments: list[str] = field(default_factory=list, repr=False)
    time_effects: bool = True
    dep_var: str = ""
    nobs: int = 0
    df_inf: int | None = None
    cov_type: str = "robust"

    def ar(self, order: int) -> tuple[float, float]:
        """Arellano–Bond test of zero autocorrelation of order ``order`` in the differenced
        residuals: ``(z, two-sided p)``."""
        if order not in self.ar_tests:
            raise ConfigError(f"AR({order}) was not computed; available: {sorted(self.ar_tests)}")
        return self.ar_tests[order]

    @property
    def ar1(self) -> tuple[float, float]:
        return self.ar(1)

    @property
    def ar2(self) -> tuple[float, float]:
        return self.ar(2)

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        kind = "difference" if self.method == "difference" else "system"
        lines[0] = ("Model", f"{'one' if self.steps == 1 else 'two'}-step {kind} GMM")
        lines.insert(3, ("No. groups", str(self.n_groups)))
        lines.insert(4, ("No. instruments", str(self.n_instruments)))
        for m, (z, p) in sorted(self.ar_tests.items()):
            lines.append((f"AR({m}) in differences", f"z = {z:.3f}, p = {p:.3f}"))
        for name, (s, df, p) in (("Sargan", self.sargan), ("Hansen", self.hansen)):
            lines.append((f"{name} chi2({df})", f"{s:.3f}, p = {p:.3f}"))
        return lines

    def tidy(self, *, table: str = "dynamic", column: str = "", level: float = 0.95):
        """Coefficient rows, then the statistic rows (``stat`` true): ``ar1``, ``ar2``
        (estimate z, p), ``hansen_j`` and ``sargan`` (estimate χ², p; extra column ``stat_df``),
        ``n_instruments`` and ``n_groups`` (estimate = the count)."""
        base = super().tidy(table=table, column=column, level=level)
        base["entity_fe"] = True
        base["time_fe"] = self.time_effects
        tmpl = {
            k: base.iloc[0][k] if len(base) else None
            for k in ("table", "column", "nobs", "cov", "dep_var", "entity_fe", "time_fe")
        }
        tmpl["stat"] = True
        rows = [
            {**tmpl, "term": f"ar{m}", "estimate": z, "p": p}
            for m, (z, p) in sorted(self.ar_tests.items())
        ]
        for name, (s, df, p) in (("hansen_j", self.hansen), ("sargan", self.sargan)):
            rows.append({**tmpl, "term": name, "estimate": s, "p": p, "stat_df": df})
        rows.append({**tmpl, "term": "n_instruments", "estimate": float(self.n_instruments)})
        rows.append({**tmpl, "term": "n_groups", "estimate": float(self.n_groups)})
        out = pd.concat([base, tidy_frame(rows)], ignore_index=True)
        out["stat_df"] = pd.array(out.get("stat_df"), dtype="Int64")
        return out


# ---- data on an entity × period grid -------------------------------------------------------


@dataclass
class _Grid:
    entities: np.ndarray  # (G,)
    periods: np.ndarray  # (T,) integer periods, consecutive
    values: dict[str, np.ndarray]  # column -> (G, T), NaN where absent

    def lagged(self, term: LagTerm) -> np.ndarray:
        return _shift(self.values[term.var], term.lag)


def _shift(a: np.ndarray, lag: int) -> np.ndarray:
    """``a`` moved ``lag`` periods later along axis 1 (value of t − lag at t), NaN-filled."""
    if lag == 0:
        return a
    out = np.full_like(a, np.nan)
    if lag < a.shape[1]:
        out[:, lag:] = a[:, :-lag]
    return out


def _build_grid(data: pd.DataFrame, columns: Sequence[str], entity: str, time: str) -> _Grid:
    missing = [c for c in [entity, time, *columns] if c not in data.columns]
    if missing:
        raise MissingColumnError("dynamic_panel", missing, available=list(data.columns))
    if data[entity].isna().any():
        raise ConfigError(f"dynamic_panel: entity column {entity!r} has missing values")
    tval = pd.to_numeric(data[time], errors="coerce")
    if tval.isna().any() or not np.allclose(tval, np.round(tval)):
        raise ConfigError(f"dynamic_panel: time column {time!r} must hold integer periods")
    keys = pd.DataFrame({"e": data[entity].to_numpy(), "t": np.round(tval).astype(int)})
    if keys.duplicated().any():
        dup = keys[keys.duplicated(keep=False)].head(3).to_dict("records")
        raise EstimationError(f"dynamic_panel: duplicate ({entity}, {time}) rows, e.g. {dup}")
    entities, e_idx = np.unique(keys["e"].to_numpy(), return_inverse=True)
    t0, t1 = int(keys["t"].min()), int(keys["t"].max())
    periods = np.arange(t0, t1 + 1)
    t_idx = keys["t"].to_numpy() - t0
    values = {}
    for c in dict.fromkeys(columns):
        grid = np.full((len(entities), len(periods)), np.nan)
        try:
            col = pd.to_numeric(data[c], errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"dynamic_panel: column {c!r} is not numeric ({err})") from None
        grid[e_idx, t_idx] = np.where(np.isfinite(col), col, np.nan)  # ±inf counts as missing
        values[c] = grid
    return _Grid(entities, periods, values)


# ---- the design: stacked rows per entity, differences first then levels --------------------


@dataclass
class _Design:
    y: np.ndarray  # (G, R)
    X: np.ndarray  # (G, R, K)
    Z: np.ndarray  # (G, R, L)
    diff_rows: np.ndarray  # (G, T) valid differenced rows
    level_rows: np.ndarray  # (G, T) valid level rows (all False in difference GMM)
    terms: list[str]
    instruments: list[str]
    system: bool


def _first_diff(a: np.ndarray) -> np.ndarray:
    return a - _shift(a, 1)


def _stack(diff: np.ndarray, level: np.ndarray | None) -> np.ndarray:
    """Rows of one entity: the T differenced rows, then (system GMM) the T level rows."""
    return diff if level is None else np.concatenate([diff, level], axis=1)


def _gmm_blocks(
    grid: _Grid,
    var: str,
    first: int,
    last: int | None,
    *,
    diff_rows: np.ndarray,
    level_rows: np.ndarray | None,
    collapse: bool,
) -> tuple[list[np.ndarray], list[str]]:
    """GMM-style instrument columns of one variable, each a (G, R) array."""
    v = grid.values[var]
    T = len(grid.periods)
    top = T if last is None else min(last, T)
    cols, names = [], []
    zero_lev = None if level_rows is None else np.zeros_like(v)
    for lag in range(first, top + 1):
        lagged = np.where(diff_rows, np.nan_to_num(_shift(v, lag)), 0.0)
        if collapse:
            cols.append(_stack(lagged, zero_lev))
            names.append(f"gmm:L{lag}.{var}")
            continue
        for t in range(T):
            col = np.zeros_like(v)
            col[:, t] = lagged[:, t]
            cols.append(_stack(col, zero_lev))
            names.append(f"gmm:L{lag}.{var}@{grid.periods[t]}")
    if level_rows is not None:
        d = _shift(_first_diff(v), first - 1)
        lev = np.where(level_rows, np.nan_to_num(d), 0.0)
        zero_dif = np.zeros_like(v)
        name = f"gmm-level:L{first - 1}.D.{var}"
        if collapse:
            cols.append(_stack(zero_dif, lev))
            names.append(name)
        else:
            for t in range(T):
                col = np.zeros_like(v)
                col[:, t] = lev[:, t]
                cols.append(_stack(zero_dif, col))
                names.append(f"{name}@{grid.periods[t]}")
    return cols, names


def _design(
    grid: _Grid,
    y: str,
    terms: list[LagTerm],
    *,
    gmm: Mapping[str, tuple[int, int | None]],
    iv: list[LagTerm],
    system: bool,
    time: str,
    time_effects: bool,
    collapse: bool,
    iv_equation: str = "both",
) -> _Design:
    ylev = grid.values[y]
    xlev = np.stack([grid.lagged(t) for t in terms], axis=-1) if terms else None
    ok_lev = np.isfinite(ylev)
    if xlev is not None:
        ok_lev &= np.isfinite(xlev).all(axis=-1)
    diff_rows = np.zeros_like(ok_lev)  # Δ at t needs every variable of the model at t and t − 1
    diff_rows[:, 1:] = ok_lev[:, 1:] & ok_lev[:, :-1]
    level_rows = ok_lev if system else np.zeros_like(ok_lev)

    def rows(diff: np.ndarray, lev: np.ndarray | None) -> np.ndarray:
        d = np.where(diff_rows, np.nan_to_num(diff), 0.0)
        if not system:
            return d
        return _stack(d, np.where(level_rows, np.nan_to_num(lev), 0.0))

    Y = rows(_first_diff(ylev), ylev)
    Xcols = [rows(_first_diff(xlev[..., k]), xlev[..., k]) for k in range(len(terms))]
    names = [t.name for t in terms]
    G, T = ylev.shape
    zcols: list[np.ndarray] = []
    znames: list[str] = []

    # period dummies: in system GMM d_s for the level periods after the first (the constant
    # takes the first); in difference GMM the differences Δd_s of every differenced period,
    # which span all period indicators of the differenced rows (coefficients δ_s − δ_{s0-1})
    if not time_effects:
        dummy_periods = np.array([], dtype=int)
    elif system:
        dummy_periods = np.flatnonzero(level_rows.any(axis=0))[1:]
    else:
        dummy_periods = np.flatnonzero(diff_rows.any(axis=0))
    for s in dummy_periods:
        d = np.zeros((G, T))
        d[:, s] = 1.0
        Xcols.append(rows(_first_diff(d), d))
        names.append(f"{time}_{grid.periods[s]}")
        if system:
            zcols.append(_stack(np.zeros((G, T)), np.where(level_rows, d, 0.0)))
        else:
            zcols.append(rows(_first_diff(d), None))
        znames.append(f"iv:{time}_{grid.periods[s]}")
    if system:
        one = np.ones((G, T))
        Xcols.append(_stack(np.zeros((G, T)), np.where(level_rows, one, 0.0)))
        names.append("_cons")
        zcols.append(Xcols[-1])
        znames.append("iv:_cons")

    for term in iv:
        z = grid.lagged(term)
        zd = _first_diff(z) if iv_equation != "level" else np.zeros_like(z)
        zcols.append(rows(zd, z if iv_equation != "diff" else np.zeros_like(z)))
        znames.append(f"iv:{term.name}")
    for var, (first, last) in gmm.items():
        c, n = _gmm_blocks(
            grid,
            var,
            first,
            last,
            diff_rows=diff_rows,
            level_rows=level_rows if system else None,
            collapse=collapse,
        )
        zcols += c
        znames += n
    X = np.stack(Xcols, axis=-1)
    Z = np.stack(zcols, axis=-1) if zcols else np.zeros((G, Y.shape[1], 0))
    keep = np.abs(Z).sum(axis=(0, 1)) > 0  # xtabond2 drops instruments that are zero everywhere
    return _Design(
        Y,
        X,
        Z[..., keep],
        diff_rows,
        level_rows,
        names,
        [n for n, k in zip(znames, keep, strict=True) if k],
        system,
    )


def _h_matrix(T: int, *, system: bool, h: int) -> np.ndarray:
    """Covariance (up to σ²) of the stacked errors of one entity assumed by the one-step weight."""
    if h == 1:
        return np.eye(2 * T if system else T)
    hd = 2.0 * np.eye(T) - np.eye(T, k=1) - np.eye(T, k=-1)
    if not system:
        return hd
    cross = np.eye(T) - np.eye(T, k=-1) if h == 3 else np.zeros((T, T))
    # cross[t, s] = Cov(Δε_t, ε_s)/σ² = 1{s=t} − 1{s=t−1}
    return np.block([[hd, cross], [cross.T, np.eye(T)]])


# ---- GMM algebra ------------------------------------------------------------------------------


def _pinv(a: np.ndarray) -> np.ndarray:
    # a generalised inverse as xtabond2 when the moment covariance is singular
    return np.linalg.pinv((a + a.T) / 2, hermitian=True)


@dataclass
class _Step:
    beta: np.ndarray
    resid: np.ndarray  # (G, R)
    A: np.ndarray  # weight matrix used
    Minv: np.ndarray  # (X'ZAZ'X)^{-1}
    vcov: np.ndarray


def _solve_step(d: _Design, A: np.ndarray, ZX: np.ndarray, Zy: np.ndarray) -> tuple:
    XZA = ZX.T @ A
    M = XZA @ ZX
    bad = collinear_columns(M)
    if bad:
        raise EstimationError(
            "dynamic_panel: regressor(s) "
            f"{[d.terms[j] for j in bad]} are collinear with the others given the instruments"
        )
    Minv = np.linalg.inv(M)
    beta = Minv @ (XZA @ Zy)
    resid = d.y - np.einsum("grk,k->gr", d.X, beta)
    return beta, resid, Minv, XZA


def _robust_vcov(Minv: np.ndarray, XZA: np.ndarray, U: np.ndarray) -> np.ndarray:
    """:math:`M^{-1}X'ZA(\\sum_i Z_i'e_ie_i'Z_i)AZ'XM^{-1}` with ``U`` the rows :math:`Z_i'e_i`."""
    B = XZA @ U.T
    return Minv @ (B @ B.T) @ Minv


def _fit(d: _Design, *, h: int, steps: int) -> tuple[_Step, _Step | None, np.ndarray]:
    G, R, L = d.Z.shape
    T = R // 2 if d.system else R
    H = _h_matrix(T, system=d.system, h=h)
    ZX = np.einsum("grl,grk->lk", d.Z, d.X)
    Zy = np.einsum("grl,gr->l", d.Z, d.y)
    ZHZ = np.einsum("grl,rs,gsm->lm", d.Z, H, d.Z)
    A1 = _pinv(ZHZ)
    b1, e1, M1inv, XZA1 = _solve_step(d, A1, ZX, Zy)
    U1 = np.einsum("grl,gr->gl", d.Z, e1)  # Z_i'e_i
    V1 = _robust_vcov(M1inv, XZA1, U1)
    one = _Step(b1, e1, A1, M1inv, V1)
    if steps == 1:
        return one, None, ZHZ
    A2 = _pinv(U1.T @ U1)
    b2, e2, M2inv, XZA2 = _solve_step(d, A2, ZX, Zy)
    # Windmeijer (2005): derivative of the two-step weight with respect to the one-step β
    Q = np.einsum("grl,grk->glk", d.Z, d.X)  # Z_i'x_ik
    g = A2 @ np.einsum("grl,gr->l", d.Z, e2)  # A_2 Z'e_2
    Ug = U1 @ g
    Qg = np.einsum("glk,l->gk", Q, g)
    dSg = -(np.einsum("glk,g->lk", Q, Ug) + U1.T @ Qg)  # columns (∂S/∂β_k) A_2 Z'e_2
    D = -M2inv @ (XZA2 @ dSg)
    Vc = M2inv + D @ M2inv + M2inv @ D.T + D @ V1 @ D.T
    return one, _Step(b2, e2, A2, M2inv, Vc), ZHZ


def _ar_test(d: _Design, step: _Step, order: int) -> tuple[float, float]:
    """Arellano–Bond (1991) m-statistic on the differenced residuals (zero-padded lags)."""
    G, R = d.y.shape
    T = d.diff_rows.shape[1]
    e = step.resid
    # w: the residual of period t − m beside the residual of period t (zero where either is absent)
    lagged = _shift(np.where(d.diff_rows, e[:, :T], np.nan), order)
    w = np.zeros((G, R))
    w[:, :T] = np.where(d.diff_rows, np.nan_to_num(lagged), 0.0)
    we = (w * e).sum(axis=1)  # w_i'e_i
    num = we.sum()
    wX = np.einsum("gr,grk->k", w, d.X)
    ZeH = np.einsum("grl,gr,g->l", d.Z, e, we)  # Σ_i Z_i'e_i e_i'w_i
    XZ = np.einsum("grk,grl->kl", d.X, d.Z)
    mid = wX @ step.Minv @ XZ @ step.A @ ZeH
    var = (we**2).sum() - 2.0 * mid + wX @ step.vcov @ wX
    if not np.isfinite(var) or var <= 0:
        return float("nan"), float("nan")
    z = float(num / np.sqrt(var))
    return z, float(2 * special.ndtr(-abs(z)))


def _chi2(stat: float, df: int) -> tuple[float, int, float]:
    p = float(special.chdtrc(df, stat)) if df > 0 else float("nan")
    return float(stat), int(df), p


def _overid(d: _Design, one: _Step, final: _Step, ZHZ: np.ndarray, K: int) -> tuple:
    r"""Sargan and Hansen statistics, as xtabond2.

    Sargan: the one-step criterion :math:`(Z'\hat e_1)'(Z'HZ)^{-1}(Z'\hat e_1)/\hat\sigma^2`,
    :math:`\hat\sigma^2` the mean squared one-step level residual (difference GMM: half the
    mean squared differenced residual, since Var(Δε) = 2σ²) — not robust to heteroskedasticity
    but not weakened by many instruments. Hansen: :math:`(Z'\hat e)'\hat S^{-1}(Z'\hat e)`
    with :math:`\hat S = \sum_i Z_i'\hat e_{1i}\hat e_{1i}'Z_i` and the final residuals (after
    two steps, the minimised two-step criterion).
    """
    L = d.Z.shape[2]
    T = d.diff_rows.shape[1]
    U1 = np.einsum("grl,gr->gl", d.Z, one.resid)
    Ze = np.einsum("grl,gr->l", d.Z, final.resid)
    hansen = Ze @ _pinv(U1.T @ U1) @ Ze
    e1 = one.resid
    if d.system:
        s2 = (np.where(d.level_rows, e1[:, T:], 0.0) ** 2).sum() / d.level_rows.sum()
    else:
        s2 = (np.where(d.diff_rows, e1[:, :T], 0.0) ** 2).sum() / d.diff_rows.sum() / 2.0
    Ze1 = U1.sum(axis=0)
    sargan = Ze1 @ _pinv(ZHZ) @ Ze1 / s2
    return _chi2(sargan, L - K), _chi2(hansen, L - K)


# ---- public entry -----------------------------------------------------------------------------


def _check_gmm(gmm: Mapping) -> dict[str, tuple[int, int | None]]:
    out: dict[str, tuple[int, int | None]] = {}
    if not isinstance(gmm, Mapping) or not gmm:
        raise ConfigError("dynamic_panel: gmm must map each instrumented variable to (first, last)")
    for var, lags in gmm.items():
        try:
            first, last = lags
        except (TypeError, ValueError):
            raise ConfigError(
                f"gmm[{var!r}]={lags!r}: expected (first_lag, last_lag or None)"
            ) from None
        if isinstance(first, bool) or not isinstance(first, int) or first < 1:
            raise ConfigError(f"gmm[{var!r}]: first lag must be an integer ≥ 1, got {first!r}")
        if last is not None and (not isinstance(last, int) or last < first):
            raise ConfigError(f"gmm[{var!r}]: last lag {last!r} must be None or ≥ {first}")
        out[str(var)] = (first, last)
    return out


def dynamic_panel(
    data: pd.DataFrame,
    formula: str,
    *,
    entity: str,
    time: str,
    gmm: Mapping[str, tuple[int, int | None]],
    iv: Sequence[str] | str | None = None,
    iv_equation: IvEquation = "both",
    method: GmmMethod = "system",
    steps: GmmSteps = 2,
    time_effects: bool = True,
    collapse: bool = False,
    max_instruments: int | None = None,
    h: OneStepH = 3,
    small: bool = False,
    ar_orders: Sequence[int] = (1, 2),
) -> DynamicPanelFit:
    r"""Arellano–Bond / Blundell–Bond GMM estimate of a dynamic panel model.

    Parameters
    ----------
    data : long panel, one row per (entity, time); time must hold integer periods.
    formula : ``"y ~ L1.y + L(0/1).x + z"`` (Stata lag syntax; no constant term is written —
        system GMM adds ``_cons``, difference GMM has none).
    gmm : ``{variable: (first_lag, last_lag or None)}`` GMM-style instruments, e.g.
        ``{"n": (2, None), "w": (1, 3)}`` (xtabond2 ``gmm(n, lag(2 .)) gmm(w, lag(1 3))``).
    iv : IV-style instruments (lag terms, e.g. ``["k", "L1.k"]``), strictly exogenous.
    iv_equation : where they enter in system GMM: ``"both"`` (differences in the differenced
        equation, levels in the level equation, one column; xtabond2's default), ``"diff"`` (for
        instruments correlated with the fixed effects) or ``"level"``.
    method : ``"difference"`` (Arellano–Bond) or ``"system"`` (Blundell–Bond).
    steps : 1 (robust one-step) or 2 (two-step, Windmeijer-corrected).
    time_effects : period dummies (see the module docstring for how they are instrumented).
    collapse : one instrument per lag instead of per period and lag (Roodman 2009).
    max_instruments : the most instruments accepted; default the number of groups — more raise
        :class:`~imtfp.errors.EstimationError` naming both counts (too many instruments overfit
        the endogenous regressors and weaken the Hansen test).
    h : the one-step weight's error covariance, xtabond2's ``h()`` (2 = DPD for Ox).
    small : xtabond2's ``small``: covariance times :math:`G/(G-1)\cdot N/(N-k)` (k regressors
        besides the constant) and t(G − 1) inference instead of the normal (advisable with few
        groups, e.g. 31 provinces).
    ar_orders : orders of the Arellano–Bond tests.
    """
    check_option(method, GmmMethod, "method")
    check_option(steps, GmmSteps, "steps")
    check_option(h, OneStepH, "h")
    check_option(iv_equation, IvEquation, "iv_equation")
    if method == "difference" and iv_equation == "level":
        raise ConfigError("iv_equation='level' needs method='system' (no level equation)")
    y, terms = parse_dynamic_formula(formula)
    ivs = parse_lag_terms(iv, what="iv") if isinstance(iv, str) else []
    if not isinstance(iv, str):
        for item in iv or []:
            ivs += parse_lag_terms(str(item), what="iv")
    gmm_spec = _check_gmm(gmm)
    if not terms:
        raise ConfigError(f"formula {formula!r}: no regressor")
    columns = [y, *(t.var for t in terms), *(t.var for t in ivs), *gmm_spec]
    grid = _build_grid(data, columns, entity, time)
    system = method == "system"
    d = _design(
        grid,
        y,
        terms,
        gmm=gmm_spec,
        iv=ivs,
        system=system,
        time=time,
        time_effects=time_effects,
        collapse=collapse,
        iv_equation=iv_equation,
    )
    rows = d.level_rows if system else d.diff_rows
    nobs, n_groups = int(rows.sum()), int(rows.any(axis=1).sum())
    L, K = d.Z.shape[2], d.X.shape[2]
    if nobs == 0:
        raise EstimationError("dynamic_panel: no observation has all the lags the model needs")
    if max_instruments is not None and (
        isinstance(max_instruments, bool) or not isinstance(max_instruments, int)
    ):
        raise ConfigError(f"max_instruments must be an integer or None, got {max_instruments!r}")
    limit = n_groups if max_instruments is None else max_instruments
    if L > limit:
        raise EstimationError(
            f"dynamic_panel: {L} instruments exceed "
            + (
                f"the {n_groups} groups"
                if max_instruments is None
                else f"max_instruments={max_instruments} ({n_groups} groups)"
            )
            + "; restrict the lags in gmm, set collapse=True, or raise max_instruments"
        )
    if L < K:
        raise EstimationError(
            f"dynamic_panel: {L} instruments for {K} regressors; the model is underidentified"
        )
    one, two, ZHZ = _fit(d, h=h, steps=steps)
    final = two if two is not None else one
    sargan, hansen = _overid(d, one, final, ZHZ, K)
    ar = {m: _ar_test(d, final, m) for m in ar_orders}
    # xtabond2's small-sample factor; k counts the regressors other than the constant
    k = K - int("_cons" in d.terms)
    factor = n_groups / (n_groups - 1) * nobs / (nobs - k) if small else 1.0
    return DynamicPanelFit(
        terms=d.terms,
        coef=final.beta,
        vcov=final.vcov * factor,
        vcov_uncorrected=(final.Minv if two is not None else one.vcov) * factor,
        method=method,
        steps=steps,
        nobs=nobs,
        n_groups=n_groups,
        n_instruments=L,
        sargan=sargan,
        hansen=hansen,
        ar_tests=ar,
        instruments=d.instruments,
        time_effects=time_effects,
        dep_var=y,
        df_inf=n_groups - 1 if small else None,
        cov_type="robust" if steps == 1 else "windmeijer",
    )


# ---- stage function of the pipeline ---------------------------------------------------------


def _as_list(x) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else [str(v) for v in x]


def dynamic_spec(spec: Mapping) -> dict:
    """The ``models.dynamic`` options the stage runs, from the ``models:`` section with the
    schema's defaults (:func:`imtfp.models.registry.model_spec`): ``y``, ``x`` and ``controls``
    are the section's own when given, else those of ``models``; ``gmm`` defaults to y and x
    endogenous with lags 2 to ``last_lag``; ``iv`` to the controls."""
    dyn = spec["dynamic"]
    y = dyn.get("y") or spec["y"]
    x = _as_list(dyn.get("x") or spec["x"])
    controls = _as_list(dyn["controls"] if "controls" in dyn else spec["controls"])
    gmm = dyn["gmm"] or {v: [2, dyn["last_lag"]] for v in [y, *x]}
    return {
        "y": y,
        "x": x,
        "controls": controls,
        "y_lags": int(dyn["y_lags"]),
        "x_lags": int(dyn["x_lags"]),
        "gmm": gmm,
        "iv": controls if dyn["iv"] is None else _as_list(dyn["iv"]),
        "iv_equation": dyn["iv_equation"],
        "methods": _as_list(dyn["method"]),
        "steps": int(dyn["steps"]),
        "collapse": bool(dyn["collapse"]),
        "time_effects": bool(dyn["time_effects"]),
        "small": bool(dyn["small"]),
        "h": int(dyn["h"]),
        "max_instruments": dyn["max_instruments"],
        "entity": spec["entity"],
        "time": spec["time"],
    }


def estimate_dynamic(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Dynamic-panel GMM table (robustness check): one column per method of
    ``models.dynamic.method`` (default ``[difference, system]``), named by the method.

    ``spec`` is the ``models:`` section with the schema's defaults (:func:`dynamic_spec`). The
    model is ``y ~ L(1/y_lags).y + L(0/x_lags).x + controls`` with GMM-style instruments
    ``gmm`` (default: y and x endogenous, lags 2 to ``last_lag``, collapsed) and the controls
    as IV-style instruments (``iv``). Rows: the coefficients, then the statistic rows (``stat``
    true) ``ar1``, ``ar2`` (estimate z, p), ``hansen_j``, ``sargan`` (estimate χ², p,
    ``stat_df``), ``n_instruments`` and ``n_groups`` (see :meth:`DynamicPanelFit.tidy`);
    ``nobs`` is repeated on every row. ``seed`` is unused (no randomness).
    """
    o = dynamic_spec(spec)
    y_part = [f"L(1/{o['y_lags']}).{o['y']}"] if o["y_lags"] > 0 else []
    rhs = [*y_part, *(f"L(0/{o['x_lags']}).{v}" for v in o["x"]), *o["controls"]]
    formula = f"{o['y']} ~ {' + '.join(rhs)}"
    frames = []
    for method in o["methods"]:
        fit = dynamic_panel(
            panel,
            formula,
            entity=o["entity"],
            time=o["time"],
            gmm=o["gmm"],
            iv=o["iv"],
            iv_equation=o["iv_equation"],
            method=method,
            steps=o["steps"],
            time_effects=o["time_effects"],
            collapse=o["collapse"],
            max_instruments=o["max_instruments"],
            h=o["h"],
            small=o["small"],
        )
        out = fit.tidy(table="dynamic", column=method)
        out["controls"] = ",".join(o["controls"])
        frames.append(out)
    if not frames:
        raise ConfigError("models.dynamic.method: no method given")
    return pd.concat(frames, ignore_index=True)
