"""Moran's I and Lagrange-multiplier tests for spatial dependence in panels.

**Moran's I** of a vector e with weights :math:`A` (:math:`S_0 = \\iota'A\\iota`):
:math:`I = (n/S_0)\\, e'Ae/e'e`. When e are least-squares residuals :math:`e = M\\varepsilon`
(M symmetric idempotent, rank r), the exact moments under normal errors are (Cliff and Ord
1981, eqs. 8.25–8.26; Anselin 1988, ch. 8):

.. math::
    E[I] = \\frac{n}{S_0}\\frac{\\mathrm{tr}(MA)}{r},\\qquad
    E[I^2] = \\Big(\\frac{n}{S_0}\\Big)^2
      \\frac{\\mathrm{tr}(MAMA') + \\mathrm{tr}((MA)^2) + \\mathrm{tr}(MA)^2}{r(r+2)},

and :math:`z = (I - E[I])/\\sqrt{V[I]}`, p two-sided. :func:`moran_panel` uses this for a
panel column: per period (M centres the period, so :math:`E[I] = -1/(N-1)`, the usual
normality moments) and pooled (:math:`A = I_T \\otimes W`, M centres each period).
:func:`spatial_diagnostics` uses it for the residuals of the non-spatial fixed-effects model.

**LM tests** (Anselin et al. 1996; panel form of Anselin, Le Gallo and Jayet 2008 and Elhorst
2014, ch. 3.5), from the residuals e of the within regression of y on X (an intercept when
``effects="none"``), :math:`\\hat\\sigma^2 = e'e/NT`, :math:`\\tilde W = I_T\\otimes W`,
:math:`T_W = \\mathrm{tr}(W'W + WW)`:

.. math::
    LM_\\rho = \\frac{(e'\\tilde Wy/\\hat\\sigma^2)^2}{J},\\quad
    LM_\\lambda = \\frac{(e'\\tilde We/\\hat\\sigma^2)^2}{T\\,T_W},\\quad
    J = \\frac{(\\tilde WX\\hat\\beta)'M(\\tilde WX\\hat\\beta)}{\\hat\\sigma^2} + T\\,T_W,

robust :math:`LM^*_\\rho = (e'\\tilde Wy - e'\\tilde We)^2/\\hat\\sigma^4(J - TT_W)`,
:math:`LM^*_\\lambda = (e'\\tilde We - (TT_W/J)e'\\tilde Wy)^2/\\hat\\sigma^4 TT_W(1-TT_W/J)`,
and :math:`LM_{SARMA} = LM^*_\\rho + LM_\\lambda` (χ² with 1, 1, 1, 1 and 2 degrees of
freedom). With T = 1 they are the cross-section tests of Anselin et al. (1996).

Dense matrices of size NT for the exact Moran moments: fine for provincial panels (a few
hundred to a few thousand rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.models.formula import add_interactions, parse_formula
from imtfp.models.spatial import _numerics as nx
from imtfp.options import check_option
from imtfp.weights import align_weights

DiagnosticEffects = ("none", "individual", "time", "twoways")


def _chi2_p(stat: float, df: int) -> float:
    from scipy import stats

    return float(stats.chi2.sf(stat, df))


def _normal_p(z: float) -> float:
    from scipy import stats

    return float(2 * stats.norm.sf(abs(z)))


def moran_residual_test(e: np.ndarray, A: np.ndarray, M: np.ndarray) -> dict:
    """Moran's I of residuals ``e = M y`` with weights ``A`` and its exact normal-theory moments.

    Returns ``{"I", "mean", "variance", "z", "p"}``.
    """
    n = len(e)
    s0 = A.sum()
    scale = n / s0
    I = scale * (e @ A @ e) / (e @ e)
    MA = M @ A
    r = np.trace(M)
    tr1 = np.trace(MA)
    tr2 = np.sum(MA * (M @ A.T).T)  # tr(MAMA')
    tr3 = np.sum(MA * MA.T)  # tr((MA)^2)
    mean = scale * tr1 / r
    second = scale**2 * (tr2 + tr3 + tr1**2) / (r * (r + 2))
    var = second - mean**2
    z = (I - mean) / np.sqrt(var)
    return {
        "I": float(I),
        "mean": float(mean),
        "variance": float(var),
        "z": float(z),
        "p": _normal_p(z),
    }


def _balanced(data, cols, entity, time, W):
    missing = [c for c in (entity, time, *cols) if c not in data.columns]
    if missing:
        raise MissingColumnError("spatial diagnostics", missing, available=data.columns)
    frame = data[[entity, time, *cols]]
    if frame[list(cols)].isna().any().any():
        raise EstimationError("spatial diagnostics: missing values; the panel must be complete")
    entities = np.sort(frame[entity].unique())
    periods = np.sort(frame[time].unique())
    if len(frame) != len(entities) * len(periods) or frame.duplicated([entity, time]).any():
        raise EstimationError(
            "spatial diagnostics need a balanced panel (one row per entity and period)"
        )
    wide = frame.set_index([time, entity]).sort_index()
    return entities, periods, wide, align_weights(W, entities)


def moran_panel(
    data: pd.DataFrame, column: str, W, *, entity: str = "province", time: str = "year"
) -> pd.DataFrame:
    """Moran's I of a panel column per period and pooled over periods.

    One row per period (index = the period) and a last row ``"pooled"``; columns ``I``,
    ``mean``, ``variance``, ``z``, ``p`` (normal approximation under normality). Each period's
    values are centred by their period mean.
    """
    entities, periods, wide, Wa = _balanced(data, [column], entity, time, W)
    N, T = len(entities), len(periods)
    Y = wide[column].to_numpy(float).reshape(T, N)
    C = np.eye(N) - 1.0 / N
    rows = []
    for t in range(T):
        rows.append(moran_residual_test(C @ Y[t], Wa, C))
    A = np.kron(np.eye(T), Wa)
    M = np.kron(np.eye(T), C)
    rows.append(moran_residual_test((Y - Y.mean(axis=1, keepdims=True)).ravel(), A, M))
    return pd.DataFrame(rows, index=pd.Index([*periods, "pooled"], name=time, dtype=object))


def _annihilator(Xd: np.ndarray, effects: str, T: int, N: int) -> np.ndarray:
    """M of the within regression (NT × NT, period-major): the fixed-effects projector Q less
    the projection on the demeaned regressors."""
    Q_T = np.eye(T) - (1.0 / T if effects in ("individual", "twoways") else 0.0)
    Q_N = np.eye(N) - (1.0 / N if effects in ("time", "twoways") else 0.0)
    Q = np.kron(Q_T, Q_N)
    if effects == "none":
        Q = np.eye(N * T)
    coef = np.linalg.pinv(Xd)
    return Q - Xd @ coef


def spatial_diagnostics(
    data: pd.DataFrame,
    formula: str,
    W,
    *,
    entity: str = "province",
    time: str = "year",
    effects: str = "twoways",
) -> pd.DataFrame:
    """Moran's I and the (robust) LM tests of the non-spatial fixed-effects model.

    ``effects``: "none" (pooled OLS with an intercept), "individual", "time" or "twoways".
    Returns a DataFrame indexed by test (``moran_i``, ``lm_lag``, ``lm_error``,
    ``robust_lm_lag``, ``robust_lm_error``, ``lm_sarma``) with columns ``statistic`` (z for
    Moran's I, χ² otherwise), ``df``, ``p`` and, for Moran's I, ``I``, ``mean``, ``variance``.
    """
    check_option(effects, DiagnosticEffects, "effects")
    y, x, absorbed = parse_formula(formula)
    if absorbed:
        raise ConfigError(f"formula {formula!r}: give fixed effects by effects=, not after '|'")
    data = add_interactions(data, x)
    entities, periods, wide, Wa = _balanced(data, [y, *x], entity, time, W)
    N, T = len(entities), len(periods)
    Y = nx.demean(wide[y].to_numpy(float).reshape(T, N), effects)
    X = nx.demean(wide[list(x)].to_numpy(float).reshape(T, N, len(x)), effects)
    Xm = X.reshape(N * T, len(x))
    if effects == "none":
        Xm = np.column_stack([np.ones(N * T), Xm])
    yv = Y.ravel()
    beta, *_ = np.linalg.lstsq(Xm, yv, rcond=None)
    fitted = Xm @ beta
    e = yv - fitted
    nt = N * T
    s2 = e @ e / nt
    tw = np.trace(Wa.T @ Wa + Wa @ Wa)
    lag = lambda v: nx.lag(Wa, v.reshape(T, N)).ravel()  # noqa: E731
    wxb = lag(fitted)
    mwxb = wxb - Xm @ np.linalg.lstsq(Xm, wxb, rcond=None)[0]
    J = (wxb @ mwxb) / s2 + T * tw
    d_rho = (e @ lag(yv)) / s2
    d_lam = (e @ lag(e)) / s2
    Ttw = T * tw
    stats = {
        "lm_lag": (d_rho**2 / J, 1),
        "lm_error": (d_lam**2 / Ttw, 1),
        "robust_lm_lag": ((d_rho - d_lam) ** 2 / (J - Ttw), 1),
        "robust_lm_error": ((d_lam - Ttw / J * d_rho) ** 2 / (Ttw * (1 - Ttw / J)), 1),
    }
    stats["lm_sarma"] = (stats["robust_lm_lag"][0] + stats["lm_error"][0], 2)
    M = _annihilator(Xm, effects, T, N)
    moran = moran_residual_test(e, np.kron(np.eye(T), Wa), M)
    rows = {
        "moran_i": {
            "statistic": moran["z"],
            "df": np.nan,
            "p": moran["p"],
            "I": moran["I"],
            "mean": moran["mean"],
            "variance": moran["variance"],
        },
    }
    for name, (stat, df) in stats.items():
        rows[name] = {"statistic": float(stat), "df": df, "p": _chi2_p(float(stat), df)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "test"
    return out
