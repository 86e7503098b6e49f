"""Spatial panel models with fixed effects by (quasi-)maximum likelihood.

.. math::
    y_t = \\rho W y_t + \\tau y_{t-1} + \\eta W y_{t-1} + X_t\\beta + W X_t\\theta
          + \\mu + \\alpha_t\\iota_N + u_t,\\qquad u_t = \\lambda W u_t + \\varepsilon_t

with :math:`\\varepsilon_{it}` i.i.d. :math:`(0, \\sigma^2)`. ``model`` picks the terms: SAR
(ρ), SDM (ρ, θ), SEM (λ), SDEM (λ, θ), SLX (θ, least squares). ``dynamic`` adds τ (``time_lag``)
and η (``space_time_lag``) for SAR and SDM, the first period then serving as initial values.

Estimation (Elhorst 2014, ch. 3; Lee and Yu 2010; Yu, de Jong and Lee 2008):

* fixed effects are removed by demeaning (``lee_yu=False``: Elhorst's direct approach); with
  ``lee_yu=True`` a static model uses Lee and Yu's (2010, J. Econometrics) transformation
  approach — individual effects by :math:`F_T` (T − 1 periods, equivalently the within
  transformation with T − 1 degrees of freedom), time effects by :math:`F_N`
  (:math:`W^* = F_N'WF_N`, N − 1 units, W row-normalised) — and a dynamic model the bias
  correction :math:`\\hat\\theta - \\hat B/T` of Yu, de Jong and Lee (2008), after the
  :math:`F_N` transformation for two-way effects (Lee and Yu 2010, Econometric Theory);
* ρ (λ) maximises the concentrated log-likelihood
  :math:`-\\tfrac{nt}{2}\\ln\\hat\\sigma^2(\\rho) + t\\ln|I_n-\\rho W|`; β, θ, τ, η and
  :math:`\\sigma^2` follow by least squares;
* standard errors: the inverse information matrix (static models), and for the dynamic model
  the QML sandwich :math:`\\Sigma^{-1} + \\Sigma^{-1}\\Omega\\Sigma^{-1}` with the excess
  kurtosis term Ω, all as R SDPDmod 0.0.6 (``SDPDm``) computes them — including the fourth
  moment taken from :math:`y - (I-\\rho W)^{-1}Z\\hat b`.

``numerics="sdpdmod"`` also repeats SDPDmod's numerical conventions (the log-determinant
tabulated on a 0.001 grid and read at the point below ρ, R's ``optimize`` tolerance,
``Matrix::nearPD`` applied to the information matrix before it is inverted, and Ω from the
diagonal of :math:`G^*` in the transformed coordinates), so that its published output is
reproduced digit for digit; the default ``"exact"`` uses the exact log-determinant, ρ solved
from the first-order condition to machine precision, the plain inverse, and the basis-free Ω
(diagonal of :math:`F_NG^*F_N'`). On the Cigar data the two differ in the fourth digit of ρ,
and much more in SDPDmod's dynamic SDM with two-way effects and Lee–Yu correction: its
information matrix has eigenvalues 3.6·10^5 and 0.29, nearPD's relative tolerance (1e-6)
replaces the small one, and the bias correction moves ρ from 0.077 to 0.162 instead of 0.076
(the exact mode's value; see ``tests/reference/test_spatial_sdpdmod.py``).

Checked against: R SDPDmod's vignette (static and dynamic SAR, dynamic SDM with two-way
effects, Lee–Yu, impacts), R SDPDmod's static Lee–Yu transformation, and R splm 1.6-5 (SAR and
SEM with individual, time and two-way effects) — tests/reference/test_spatial_*.py.

Why our own code: the models are a few dense n × n operations per likelihood evaluation; PySAL's
spreg has static FE lag/error models only (no Lee–Yu, no dynamics) and would bring geopandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.models.formula import add_interactions, parse_formula
from imtfp.models.spatial import _numerics as nx
from imtfp.models.spatial.results import SpatialPanelResults
from imtfp.options import check_option
from imtfp.weights import align_weights, is_row_normalized

SpatialModel = Literal["sar", "sdm", "sem", "sdem", "slx"]
SpatialEffects = Literal["individual", "time", "twoways"]
SpatialNumerics = Literal["exact", "sdpdmod"]

LAG_MODELS = ("sar", "sdm")
ERROR_MODELS = ("sem", "sdem")
DURBIN_MODELS = ("sdm", "sdem", "slx")


@dataclass
class _Design:
    """Transformed data of one model: period-major arrays and the effective dimensions."""

    y: np.ndarray  # (t, n)
    Z: np.ndarray  # (t, n, k)
    W: np.ndarray  # (n, n): W, or F_N'WF_N after the Lee-Yu time transformation
    n: int  # units in the likelihood (N, or N - 1)
    t: int  # periods in the likelihood (T, T - 1, ...)
    names: list[str]  # columns of Z
    F: np.ndarray | None = None  # F_N of the Lee-Yu time transformation (N x (N - 1))


def _panel_arrays(data, y, x, W, entity, time):
    """Sorted entities, periods, y (T, N), X (T, N, k) and W aligned to the entities."""
    missing = [c for c in (entity, time, y, *x) if c not in data.columns]
    if missing:
        raise MissingColumnError("spatial_panel", missing, available=data.columns)
    frame = data[[entity, time, y, *x]]
    if frame[[y, *x]].isna().any().any():
        bad = frame.columns[frame.isna().any()].tolist()
        raise EstimationError(f"spatial_panel: missing values in {bad}; the panel must be complete")
    if frame.duplicated([entity, time]).any():
        raise EstimationError("spatial_panel: duplicate (entity, time) rows")
    entities = np.sort(frame[entity].unique())
    periods = np.sort(frame[time].unique())
    if len(frame) != len(entities) * len(periods):
        raise EstimationError(
            f"spatial_panel needs a balanced panel: {len(frame)} rows for "
            f"{len(entities)} entities × {len(periods)} periods"
        )
    wide = frame.set_index([time, entity]).sort_index()
    shape = (len(periods), len(entities))
    Y = wide[y].to_numpy(float).reshape(shape)
    X = wide[list(x)].to_numpy(float).reshape(*shape, len(x))
    return entities, periods, Y, X, align_weights(W, entities)


def _regressors(Y, X, W, x_names, *, model, dynamic, time_lag, space_time_lag):
    """The columns of Z in SDPDmod's order: y(t-1), W*y(t-1), x, W*x."""
    cols, names = [], []
    if dynamic:
        Ylag, Y, X = Y[:-1], Y[1:], X[1:]
        if time_lag:
            cols.append(Ylag)
            names.append("y(t-1)")
        if space_time_lag:
            cols.append(nx.lag(W, Ylag))
            names.append("W*y(t-1)")
    cols += [X[..., j] for j in range(X.shape[-1])]
    names += list(x_names)
    if model in DURBIN_MODELS:
        WX = nx.lag(W, X)
        cols += [WX[..., j] for j in range(X.shape[-1])]
        names += [f"W*{v}" for v in x_names]
    return Y, np.stack(cols, axis=-1), names


def _transform(Y, Z, W, names, *, effects, lee_yu, dynamic) -> _Design:
    """Remove the fixed effects (see the module docstring for which transformation when)."""
    t, n = Y.shape
    if not lee_yu:
        return _Design(nx.demean(Y, effects), nx.demean(Z, effects), W, n, t, names)
    if effects in ("time", "twoways"):
        if not is_row_normalized(W):
            raise ConfigError("lee_yu with time effects needs a row-normalised W (F'WF = W*)")
        F = nx.orthonormal_complement(n)
        Y, Z, W, n = Y @ F, np.einsum("tjk,jm->tmk", Z, F), F.T @ W @ F, n - 1
    else:
        F = None
    if effects in ("individual", "twoways"):
        Y, Z = nx.demean(Y, "individual"), nx.demean(Z, "individual")
        if not dynamic:  # the within transformation leaves T - 1 independent periods
            t = t - 1
    return _Design(Y, Z, W, n, t, names, F)


# ---- lag models (SAR, SDM) ----------------------------------------------------------------------


def _fit_lag(d: _Design, ld: nx.LogDet):
    """Concentrated ML of ρ: :math:`\\hat b(\\rho) = b_0 - \\rho b_d` (Elhorst 2014)."""
    Zm = d.Z.reshape(-1, d.Z.shape[-1])
    yv = d.y.ravel()
    Wy = nx.lag(d.W, d.y).ravel()
    coef, *_ = np.linalg.lstsq(Zm, np.column_stack([yv, Wy]), rcond=None)
    e0, ed = yv - Zm @ coef[:, 0], Wy - Zm @ coef[:, 1]
    a, b, c = e0 @ e0, e0 @ ed, ed @ ed
    nt = d.n * d.t

    def negll(rho):
        return nt / 2 * np.log(a - 2 * rho * b + rho * rho * c) - d.t * ld(rho)

    def grad(rho):
        return nt * (rho * c - b) / (a - 2 * rho * b + rho * rho * c) - d.t * ld.derivative(rho)

    rho = ld.minimize(negll, grad)
    bhat = coef[:, 0] - rho * coef[:, 1]
    e = e0 - rho * ed
    sigma2 = float(e @ e / nt)
    loglik = -nt / 2 * np.log(2 * np.pi * sigma2) + d.t * ld(rho) - nt / 2
    return rho, bhat, sigma2, float(loglik)


def _lag_information(d: _Design, rho, b, sigma2):
    """Information matrix of (b, ρ, σ²) (SDPDmod ``f_SIG``; Elhorst 2014):

    .. math:: \\Sigma = \\begin{pmatrix} Z'Z/\\sigma^2 & Z'\\tilde GZb/\\sigma^2 & 0\\\\
              \\cdot & (\\tilde GZb)'\\tilde GZb/\\sigma^2 + t\\,\\mathrm{tr}(GG+G'G)
              & t\\,\\mathrm{tr}G/\\sigma^2 \\\\ \\cdot & \\cdot & nt/2\\sigma^4\\end{pmatrix},
              \\quad G = W(I-\\rho W)^{-1}
    """
    k = d.Z.shape[-1]
    Zm = d.Z.reshape(-1, k)
    Sinv = np.linalg.inv(np.eye(d.n) - rho * d.W)
    G = d.W @ Sinv
    GZb = nx.lag(G, (Zm @ b).reshape(d.y.shape)).ravel()
    S = np.zeros((k + 2, k + 2))
    S[:k, :k] = Zm.T @ Zm / sigma2
    S[:k, k] = S[k, :k] = Zm.T @ GZb / sigma2
    S[k, k] = GZb @ GZb / sigma2 + d.t * np.trace(G @ G + G @ G.T)
    S[k, k + 1] = S[k + 1, k] = d.t * np.trace(G) / sigma2
    S[k + 1, k + 1] = d.n * d.t / (2 * sigma2**2)
    return S, G, Sinv


def _excess_kurtosis_term(d: _Design, rho, b, sigma2, G, Sinv, *, invariant: bool):
    """Ω of the QML variance (Yu, de Jong and Lee 2008): the excess kurtosis
    :math:`(\\mu_4 - 3\\sigma^4)/\\sigma^4` times the ρ, σ² block built from
    :math:`\\sum_i G_{ii}^2/n`, :math:`\\mathrm{tr}(G)/2\\sigma^2 n`, :math:`1/4\\sigma^4`.

    :math:`\\mu_4` is the fourth moment of :math:`y - (I-\\rho W)^{-1}Zb`, as SDPDmod computes it.
    After the :math:`F_N` transformation SDPDmod takes the diagonal of
    :math:`G^* = F'WF(I-\\rho F'WF)^{-1}`, which depends on the basis F chosen for
    :math:`J_N`; ``invariant=True`` takes the diagonal of :math:`FG^*F'` instead, the term of
    the i.i.d. disturbances in the original coordinates, the same for every basis.
    """
    k = d.Z.shape[-1]
    fit = nx.lag(Sinv, (d.Z.reshape(-1, k) @ b).reshape(d.y.shape))
    resid = (d.y - fit).ravel()
    mu4 = float(np.sum(resid**4) / (d.n * d.t))
    g = np.einsum("ij,jk,ik->i", d.F, G, d.F) if (invariant and d.F is not None) else np.diag(G)
    O = np.zeros((k + 2, k + 2))
    O[k, k] = g @ g / d.n
    O[k, k + 1] = O[k + 1, k] = np.trace(G) / (2 * sigma2 * d.n)
    O[k + 1, k + 1] = 1 / (4 * sigma2**2)
    return (mu4 - 3 * sigma2**2) / sigma2**2 * O


def _dynamic_vcov(d, rho, b, sigma2, *, near_pd: bool, invariant: bool = True):
    """:math:`V = (\\bar\\Sigma^{-1} + \\bar\\Sigma^{-1}\\Omega\\bar\\Sigma^{-1})/nt`,
    :math:`\\bar\\Sigma = \\Sigma/nt`; also returns :math:`\\bar\\Sigma^{-1}`, G and S⁻¹."""
    S, G, Sinv = _lag_information(d, rho, b, sigma2)
    S = S / (d.n * d.t)
    Si = np.linalg.inv(nx.near_pd(S) if near_pd else S)
    Om = _excess_kurtosis_term(d, rho, b, sigma2, G, Sinv, invariant=invariant)
    return (Si + Si @ Om @ Si) / (d.n * d.t), Si, G, Sinv


def _lee_yu_dynamic(d, theta, Si, G, Sinv, *, time_lag, space_time_lag):
    """Bias-corrected θ₁ = θ̂ + Σ̄⁻¹a/t (Yu, de Jong and Lee 2008, Thm 3; SDPDmod's terms).

    With :math:`A = S^{-1}(\\tau I + \\eta W)` and :math:`B = A` less its eigen-components
    with eigenvalue above 1 − 1/n (their count m adds t/(2(1−ρ))·m/n to the τ, η, ρ terms),
    :math:`a_\\tau = \\mathrm{tr}((I-B)^{-1}S^{-1})/n`,
    :math:`a_\\eta = \\mathrm{tr}(W(I-B)^{-1}S^{-1})/n`,
    :math:`a_\\rho = \\tau\\,\\mathrm{tr}(G(I-B)^{-1}S^{-1})/n
    + \\eta\\,\\mathrm{tr}(GW(I-B)^{-1}S^{-1})/n + \\mathrm{tr}(G)/n`,
    :math:`a_{\\sigma^2} = 1/2\\sigma^2`.
    """
    k = len(theta) - 2
    n, W, rho, sigma2 = d.n, d.W, theta[k], theta[k + 1]
    tau = theta[0] if time_lag else 0.0
    eta = theta[1 if time_lag else 0] if space_time_lag else 0.0
    A = Sinv @ (tau * np.eye(n) + eta * W)
    vals, vecs = np.linalg.eig(A)
    vals, vecs = vals.real, vecs.real
    unit = vals > 1 - 1 / n
    B = A - vecs @ np.diag(np.where(unit, vals, 0.0)) @ np.linalg.inv(vecs) if unit.any() else A
    M = np.linalg.solve(np.eye(n) - B, Sinv)
    a = np.zeros(k + 2)
    i_tau, i_eta = (0, 1) if time_lag else (None, 0)
    if time_lag:
        a[i_tau] = np.trace(M) / n
    if space_time_lag:
        a[i_eta] = np.trace(W @ M) / n
    a[k] = tau * np.trace(G @ M) / n + eta * np.trace(G @ W @ M) / n + np.trace(G) / n
    a[k + 1] = 1 / (2 * sigma2)
    if unit.any():
        u = d.t / (2 * (1 - rho)) * unit.sum() / n
        for i in (i_tau, i_eta if space_time_lag else None, k):
            if i is not None:
                a[i] += u
    return theta + Si @ a / d.t


# ---- error models (SEM, SDEM) -------------------------------------------------------------------


def _fit_error(d: _Design, ld: nx.LogDet):
    """Concentrated ML of λ: GLS on :math:`(I-\\lambda W)y`, :math:`(I-\\lambda W)Z`."""
    k = d.Z.shape[-1]
    WY, WZ = nx.lag(d.W, d.y), nx.lag(d.W, d.Z)
    nt = d.n * d.t

    def parts(lam):
        ys = (d.y - lam * WY).ravel()
        Zs = (d.Z - lam * WZ).reshape(-1, k)
        b, *_ = np.linalg.lstsq(Zs, ys, rcond=None)
        e = ys - Zs @ b
        return b, e, Zs

    def negll(lam):
        _, e, _ = parts(lam)
        return nt / 2 * np.log(e @ e) - d.t * ld(lam)

    def grad(lam):  # envelope theorem: b(λ) is optimal, so only the explicit λ counts
        b, e, _ = parts(lam)
        de = -(WY.ravel() - WZ.reshape(-1, k) @ b)
        return nt * (e @ de) / (e @ e) - d.t * ld.derivative(lam)

    lam = ld.minimize(negll, grad)
    b, e, Zs = parts(lam)
    sigma2 = float(e @ e / nt)
    loglik = -nt / 2 * np.log(2 * np.pi * sigma2) + d.t * ld(lam) - nt / 2
    return lam, b, sigma2, float(loglik), Zs


def _error_information(d: _Design, lam, sigma2, Zs):
    """Information of (b, λ, σ²): :math:`Z^{*\\prime}Z^*/\\sigma^2` for b (block-diagonal), and
    :math:`t\\,\\mathrm{tr}(\\tilde W\\tilde W + \\tilde W'\\tilde W)`,
    :math:`t\\,\\mathrm{tr}\\tilde W/\\sigma^2`, :math:`nt/2\\sigma^4` with
    :math:`\\tilde W = W(I-\\lambda W)^{-1}` (Elhorst 2014)."""
    k = Zs.shape[1]
    Wt = d.W @ np.linalg.inv(np.eye(d.n) - lam * d.W)
    S = np.zeros((k + 2, k + 2))
    S[:k, :k] = Zs.T @ Zs / sigma2
    S[k, k] = d.t * np.trace(Wt @ Wt + Wt.T @ Wt)
    S[k, k + 1] = S[k + 1, k] = d.t * np.trace(Wt) / sigma2
    S[k + 1, k + 1] = d.n * d.t / (2 * sigma2**2)
    return S


# ---- the estimator --------------------------------------------------------------------------------


def spatial_panel(
    data: pd.DataFrame,
    formula: str,
    W,
    *,
    entity: str = "province",
    time: str = "year",
    model: SpatialModel = "sar",
    effects: SpatialEffects = "individual",
    lee_yu: bool = False,
    dynamic: bool = False,
    time_lag: bool = True,
    space_time_lag: bool = True,
    numerics: SpatialNumerics = "exact",
) -> SpatialPanelResults:
    """Estimate a spatial panel model with fixed effects (see the module docstring).

    Parameters
    ----------
    data : balanced panel with ``entity``, ``time`` and the formula's columns
    formula : ``"y ~ x1 + x2"`` (products ``a:b`` allowed; fixed effects come from ``effects``)
    W : row-normalised N × N array ordered like the sorted entities, or a DataFrame labelled by
        entity (reordered by its labels; a label mismatch raises ConfigError)
    model : "sar", "sdm", "sem", "sdem" or "slx"
    effects : "individual", "time" or "twoways" fixed effects
    lee_yu : Lee–Yu transformation (static) or bias correction (dynamic)
    dynamic : add ``y(t-1)`` (``time_lag``) and ``W*y(t-1)`` (``space_time_lag``); SAR/SDM only
    numerics : "exact", or "sdpdmod" to repeat R SDPDmod's numerical conventions

    Returns
    -------
    :class:`~imtfp.models.spatial.results.SpatialPanelResults` with terms ``rho``/``lambda``,
    ``y(t-1)``, ``W*y(t-1)``, the regressors and ``W*<regressor>``.
    """
    check_option(model, SpatialModel, "model")
    check_option(effects, SpatialEffects, "effects")
    check_option(numerics, SpatialNumerics, "numerics")
    y, x, absorbed = parse_formula(formula)
    if absorbed:
        raise ConfigError(f"formula {formula!r}: give fixed effects by effects=, not after '|'")
    if dynamic and model not in LAG_MODELS:
        raise ConfigError(f"dynamic=True is available for sar and sdm, not {model!r}")
    if dynamic and not (time_lag or space_time_lag):
        raise ConfigError("dynamic=True needs time_lag or space_time_lag")
    if dynamic and lee_yu and effects == "time":
        raise ConfigError("the Lee–Yu correction of the dynamic model needs individual effects")
    data = add_interactions(data, x)
    entities, periods, Y, X, Wa = _panel_arrays(data, y, x, W, entity, time)
    if dynamic and len(periods) < 3:
        raise EstimationError("a dynamic spatial panel needs at least 3 periods")
    Yd, Z, names = _regressors(
        Y,
        X,
        Wa,
        x,
        model=model,
        dynamic=dynamic,
        time_lag=time_lag,
        space_time_lag=space_time_lag,
    )
    d = _transform(Yd, Z, Wa, names, effects=effects, lee_yu=lee_yu, dynamic=dynamic)
    rank = np.linalg.matrix_rank(d.Z.reshape(-1, d.Z.shape[-1]))
    if rank < d.Z.shape[-1]:
        raise EstimationError(
            f"spatial_panel: the regressors {names} are collinear after {effects} effects"
        )
    grid = "grid" if numerics == "sdpdmod" else "exact"
    bias_corrected = dynamic and lee_yu
    if model in LAG_MODELS:
        ld = nx.LogDet(d.W, grid)
        rho, b, sigma2, loglik = _fit_lag(d, ld)
        theta = np.r_[b, rho, sigma2]
        if dynamic:
            compat = numerics == "sdpdmod"
            V, Si, G, Sinv = _dynamic_vcov(d, rho, b, sigma2, near_pd=compat, invariant=not compat)
            if bias_corrected:
                theta = _lee_yu_dynamic(
                    d, theta, Si, G, Sinv, time_lag=time_lag, space_time_lag=space_time_lag
                )
                k = len(b)
                V, *_ = _dynamic_vcov(
                    d, theta[k], theta[:k], theta[k + 1], near_pd=False, invariant=not compat
                )
            cov_type = "qml"
        else:
            S, _, _ = _lag_information(d, rho, b, sigma2)
            V = np.linalg.inv(nx.near_pd(S) if numerics == "sdpdmod" else S)
            cov_type = "ml"
        spatial = "rho"
    elif model in ERROR_MODELS:
        ld = nx.LogDet(d.W, grid)
        lam, b, sigma2, loglik, Zs = _fit_error(d, ld)
        theta = np.r_[b, lam, sigma2]
        V = np.linalg.inv(_error_information(d, lam, sigma2, Zs))
        spatial, cov_type = "lambda", "ml"
    else:  # slx: least squares on the transformed data
        Zm = d.Z.reshape(-1, d.Z.shape[-1])
        b, *_ = np.linalg.lstsq(Zm, d.y.ravel(), rcond=None)
        e = d.y.ravel() - Zm @ b
        nt = d.n * d.t
        sigma2 = float(e @ e / nt)
        loglik = float(-nt / 2 * (np.log(2 * np.pi * sigma2) + 1))
        theta = np.r_[b, sigma2]
        k = len(b)
        V = np.zeros((k + 1, k + 1))
        V[:k, :k] = sigma2 * np.linalg.inv(Zm.T @ Zm)
        V[k, k] = 2 * sigma2**2 / nt
        spatial, cov_type = None, "ml"
    theta_names = names + ([spatial] if spatial else []) + ["sigma2"]
    return SpatialPanelResults.build(
        theta=theta,
        theta_vcov=V,
        theta_names=theta_names,
        spatial=spatial,
        x_names=list(x),
        model=model,
        effects=effects,
        lee_yu=lee_yu,
        dynamic=dynamic,
        time_lag=dynamic and time_lag,
        space_time_lag=dynamic and space_time_lag,
        numerics=numerics,
        W=Wa,
        entities=[str(e) for e in entities],
        periods=list(periods),
        loglik=loglik,
        nobs=int(Yd.size),
        cov_type=cov_type,
        dep_var=y,
    )
