"""Stochastic frontier likelihood and its maximisation (numpy/scipy only).

The kernel behind :func:`imtfp.models.sfa` (the public result API) and the SFA-based TFP of
:mod:`imtfp.tfp.sfa`; measurement code calls it directly, so it lives in ``core/``.

Model. With :math:`s = 1` for a production and :math:`s = -1` for a cost frontier,

.. math::
    s\\,(y_{it} - x_{it}'\\beta) = e_{it} = v_{it} - h_{it} u_i,\\qquad
    v_{it} \\sim N(0, \\sigma_v^2),\\quad u_i \\sim N^+(\\mu_i, \\sigma_{u,i}^2)

where a *unit* :math:`i` is a firm of a Battese–Coelli (1992) panel (one :math:`u_i` for all its
periods, :math:`h_{it} = \\exp(-\\eta (t - T))`, :math:`t` the period number 1…T of the sorted
periods, as FRONTIER 4.1 numbers them) or a single observation (cross-section, pooled data,
Battese–Coelli 1995 efficiency effects :math:`\\mu_i = z_i'\\delta`, heteroskedastic
:math:`\\sigma_{u,i}^2 = \\exp(w_i'\\delta_u)` as Stata's ``frontier, uhet()``).

Log-likelihood of a unit with :math:`T_i` observations (Battese & Coelli 1992, eq. A.2), with
:math:`a = \\sigma_v^2`, :math:`b = \\sigma_{u,i}^2`, :math:`D = a + b\\sum_t h_{it}^2`,
:math:`N = \\mu_i a - b \\sum_t h_{it} e_{it}`, :math:`z^* = N / \\sqrt{abD}` (that is
:math:`\\mu_i^*/\\sigma_i^*`) and :math:`z_0 = \\mu_i/\\sqrt b`:

.. math::
    \\ell_i = -\\tfrac{T_i}{2}\\ln 2\\pi - \\tfrac{T_i-1}{2}\\ln a - \\tfrac12\\ln D
      - \\frac{\\sum_t e_{it}^2}{2a} - \\frac{\\mu_i^2}{2b} + \\frac{(z^*)^2}{2}
      + \\ln\\Phi(z^*) - \\ln\\Phi(z_0)

Its derivatives with respect to :math:`e_{it}, h_{it}, \\mu_i, a, b` are analytic (below,
:func:`unit_loglik`); chain rules give the gradient in the parameters. The covariance is the
inverse of the observed information, the Hessian taken by central differences of the analytic
gradient.

Parametrisation reported (R ``frontier``, Coelli's FRONTIER 4.1): :math:`\\sigma^2 = \\sigma_v^2 +
\\sigma_u^2` (``sigmaSq``) and :math:`\\gamma = \\sigma_u^2/\\sigma^2` (``gamma``); with ``uhet`` the
variance functions' coefficients instead (``Zu_*``, ``Zv_(Intercept)`` = :math:`\\ln\\sigma_v^2`, as
R ``sfaR`` names them). The optimiser works on :math:`\\ln\\sigma^2` and :math:`\\mathrm{logit}\\,\\gamma`
so that BFGS is unconstrained, then Newton steps polish the optimum.

Starting values: OLS, then a grid over γ (as FRONTIER 4.1: for each γ, :math:`\\sigma^2 =
m_2/(1 - 2\\gamma/\\pi)` and the intercept shifted by :math:`s\\sqrt{2\\gamma\\sigma^2/\\pi}`, the
corrected OLS of Coelli 1995) and the method-of-moments point from the third moment of the OLS
residuals when it has the right sign; the likelihood picks the best.

Efficiency (Battese & Coelli 1988, 1992):

.. math::
    TE_{it} = E[\\exp(-h_{it}u_i)\\mid e_i] = \\frac{\\Phi(\\mu_i^*/\\sigma_i^* - h_{it}\\sigma_i^*)}
      {\\Phi(\\mu_i^*/\\sigma_i^*)}\\exp\\!\\left(-h_{it}\\mu_i^* + \\tfrac12 h_{it}^2\\sigma_i^{*2}\\right)

Own code rather than a library: no maintained Python package covers BC92 and BC95 with analytic
gradients (``pysfa``/``FronPy`` are unmaintained or cross-section only); the likelihood is a few
vectorised lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special  # not scipy.stats: its import costs ~1 s a job

from imtfp.errors import EstimationError

_LOG_2PI = math.log(2.0 * math.pi)


def mills(x: np.ndarray) -> np.ndarray:
    """Inverse Mills ratio :math:`\\phi(x)/\\Phi(x)`, stable for very negative x."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * x * x - 0.5 * _LOG_2PI - special.log_ndtr(x))


@dataclass(frozen=True)
class FrontierData:
    """Arrays of one frontier model.

    y : (n,) dependent variable; X : (n, k) regressors with the intercept column first;
    unit : (n,) codes 0..G-1 of the units sharing one u (``arange(n)`` unless BC92);
    tau : (n,) ``t - T`` (≤ 0) of BC92, zeros otherwise;
    Z : (n, m) efficiency-effect variables (BC95; n = G), or None;
    W : (n, p) variables of :math:`\\ln\\sigma_u^2` with a constant column (uhet; n = G), or None;
    truncated : u truncated normal with a free constant mean ``mu``;
    time_varying : BC92 with η; cost : cost frontier (s = -1).
    """

    y: np.ndarray
    X: np.ndarray
    unit: np.ndarray
    tau: np.ndarray
    Z: np.ndarray | None = None
    W: np.ndarray | None = None
    truncated: bool = False
    time_varying: bool = False
    cost: bool = False
    n_units: int = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "n_units", int(self.unit.max()) + 1 if len(self.unit) else 0)

    @property
    def sign(self) -> float:
        return -1.0 if self.cost else 1.0

    @property
    def k(self) -> int:
        return self.X.shape[1]

    @property
    def m(self) -> int:
        return 0 if self.Z is None else self.Z.shape[1]

    @property
    def p(self) -> int:
        return 0 if self.W is None else self.W.shape[1]

    @property
    def uhet(self) -> bool:
        return self.W is not None

    def layout(self) -> dict[str, slice]:
        """Positions of the parameter blocks in the reported vector.

        Without uhet: beta, delta (Z), sigmaSq, gamma, mu, eta (R frontier's order).
        With uhet: beta, mu, delta_u (W), lnsig2v (sfaR's order).
        """
        pos, out = self.k, {"beta": slice(0, self.k)}

        def take(name, size):
            nonlocal pos
            out[name] = slice(pos, pos + size)
            pos += size

        if self.uhet:
            take("mu", int(self.truncated))
            take("delta_u", self.p)
            take("lnsig2v", 1)
        else:
            take("delta", self.m)
            take("sigmaSq", 1)
            take("gamma", 1)
            take("mu", int(self.truncated and self.Z is None))
            take("eta", int(self.time_varying))
        out["_size"] = slice(pos, pos)
        return out

    @property
    def n_params(self) -> int:
        return self.layout()["_size"].start


@dataclass(frozen=True)
class UnitPieces:
    """Per-unit quantities of the likelihood at one parameter value."""

    e: np.ndarray  # (n,) composed residuals s(y - Xb)
    h: np.ndarray  # (n,) h_it
    mu: np.ndarray  # (G,) mean of the pre-truncation normal
    a: float  # sigma_v^2
    b: np.ndarray  # (G,) sigma_u^2


def _pieces(theta: np.ndarray, d: FrontierData) -> UnitPieces:
    L = d.layout()
    beta = theta[L["beta"]]
    e = d.sign * (d.y - d.X @ beta)
    G = d.n_units
    mu_c = theta[L["mu"]][0] if L["mu"].stop > L["mu"].start else 0.0
    if d.uhet:
        b = np.exp(d.W @ theta[L["delta_u"]])
        a = float(np.exp(theta[L["lnsig2v"]][0]))
        mu = np.full(G, mu_c)
        h = np.ones_like(e)
    else:
        s2 = float(theta[L["sigmaSq"]][0])
        g = float(theta[L["gamma"]][0])
        a = (1.0 - g) * s2
        b = np.full(G, g * s2)
        mu = d.Z @ theta[L["delta"]] if d.Z is not None else np.full(G, mu_c)
        eta = theta[L["eta"]][0] if d.time_varying else 0.0
        h = np.exp(-eta * d.tau) if d.time_varying else np.ones_like(e)
    return UnitPieces(e=e, h=h, mu=np.asarray(mu, dtype=float), a=a, b=b)


def unit_loglik(pc: UnitPieces, unit: np.ndarray, G: int, *, grad: bool = True):
    """Log-likelihood (sum over units) and its derivatives in e, h, μ, a, b.

    Returns ``(ll, dl_de (n,), dl_dh (n,), dl_dmu (G,), dl_da (scalar), dl_db (G,))``; with
    ``grad=False`` only ``ll``. Derivatives: with :math:`A = z^* + \\lambda(z^*)`, λ the inverse
    Mills ratio and :math:`r = \\sqrt{abD}`,
    :math:`\\partial\\ell/\\partial e_t = -e_t/a - A\\,b h_t/r`,
    :math:`\\partial\\ell/\\partial\\mu = -\\mu/b + A a/r - \\lambda(z_0)/\\sqrt b`,
    :math:`\\partial\\ell/\\partial a = -(T-1)/2a - 1/2D + \\sum e^2/2a^2 + A(\\mu/r - z^*(1/a + 1/D)/2)`,
    :math:`\\partial\\ell/\\partial b = -S_2/2D + \\mu^2/2b^2 + A(-S_1/r - z^*(1/b + S_2/D)/2) + \\lambda(z_0)z_0/2b`,
    :math:`\\partial\\ell/\\partial h_t = -b h_t/D + A(-b e_t/r - z^* b h_t/D)`.
    """
    e, h, mu, a, b = pc.e, pc.h, pc.mu, pc.a, pc.b
    n = len(e)
    T = np.bincount(unit, minlength=G).astype(float)
    S1 = np.bincount(unit, weights=h * e, minlength=G)
    S2 = np.bincount(unit, weights=h * h, minlength=G)
    SE = np.bincount(unit, weights=e * e, minlength=G)
    D = a + b * S2
    r = np.sqrt(a * b * D)
    N = mu * a - b * S1
    zs = N / r
    z0 = mu / np.sqrt(b)
    ll = (
        -0.5 * n * _LOG_2PI
        - 0.5 * np.sum(T - 1.0) * np.log(a)
        - 0.5 * np.sum(np.log(D))
        - 0.5 * np.sum(SE) / a
        - 0.5 * np.sum(mu * mu / b)
        + 0.5 * np.sum(zs * zs)
        + np.sum(special.log_ndtr(zs))
        - np.sum(special.log_ndtr(z0))
    )
    if not grad:
        return float(ll)
    A = zs + mills(zs)
    lam0 = mills(z0)
    Au, bu, ru, Du, zsu = A[unit], b[unit], r[unit], D[unit], zs[unit]
    dl_de = -e / a - Au * bu * h / ru
    dl_dh = -bu * h / Du + Au * (-bu * e / ru - zsu * bu * h / Du)
    dl_dmu = -mu / b + A * a / r - lam0 / np.sqrt(b)
    dzs_da = mu / r - 0.5 * zs * (1.0 / a + 1.0 / D)
    dl_da = float(np.sum(-(T - 1.0) / (2.0 * a) - 0.5 / D + SE / (2.0 * a * a) + A * dzs_da))
    dzs_db = -S1 / r - 0.5 * zs * (1.0 / b + S2 / D)
    dl_db = -S2 / (2.0 * D) + mu * mu / (2.0 * b * b) + A * dzs_db + lam0 * z0 / (2.0 * b)
    return float(ll), dl_de, dl_dh, dl_dmu, dl_da, dl_db


def loglik(theta: np.ndarray, d: FrontierData) -> float:
    """Log-likelihood at the reported parameter vector ``theta`` (layout :meth:`FrontierData.layout`)."""
    theta = np.asarray(theta, dtype=float)
    if not _admissible(theta, d):
        return -np.inf
    return unit_loglik(_pieces(theta, d), d.unit, d.n_units, grad=False)


def score(theta: np.ndarray, d: FrontierData) -> np.ndarray:
    """Analytic gradient of :func:`loglik` in the reported parametrisation."""
    theta = np.asarray(theta, dtype=float)
    L = d.layout()
    pc = _pieces(theta, d)
    _, dl_de, dl_dh, dl_dmu, dl_da, dl_db = unit_loglik(pc, d.unit, d.n_units)
    g = np.zeros_like(theta)
    g[L["beta"]] = -d.sign * (d.X.T @ dl_de)
    if L["mu"].stop > L["mu"].start:
        g[L["mu"]] = np.sum(dl_dmu)
    if d.uhet:
        g[L["delta_u"]] = d.W.T @ (dl_db * pc.b)
        g[L["lnsig2v"]] = dl_da * pc.a
        return g
    s2 = float(theta[L["sigmaSq"]][0])
    gam = float(theta[L["gamma"]][0])
    sum_db = float(np.sum(dl_db))
    g[L["sigmaSq"]] = gam * sum_db + (1.0 - gam) * dl_da
    g[L["gamma"]] = s2 * (sum_db - dl_da)
    if d.Z is not None:
        g[L["delta"]] = d.Z.T @ dl_dmu
    if d.time_varying:
        g[L["eta"]] = np.sum(dl_dh * (-d.tau * pc.h))
    return g


def _admissible(theta: np.ndarray, d: FrontierData) -> bool:
    if d.uhet:
        return bool(np.all(np.isfinite(theta)))
    L = d.layout()
    s2, g = theta[L["sigmaSq"]][0], theta[L["gamma"]][0]
    return bool(np.all(np.isfinite(theta)) and s2 > 0 and 0 < g < 1)


def panel_units(entity: np.ndarray, time: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Unit codes and :math:`t - T` of a Battese–Coelli (1992) panel.

    Units are the sorted distinct entities; periods are numbered 1…T over the sorted distinct
    values of ``time`` across the whole panel (FRONTIER 4.1 and R ``frontier`` do the same), so
    an unbalanced panel keeps a common time origin. Without ``time``, ``tau`` is zero.
    """
    _, unit = np.unique(np.asarray(entity), return_inverse=True)
    if time is None:
        return unit.ravel(), np.zeros(len(unit))
    periods, t = np.unique(np.asarray(time), return_inverse=True)
    return unit.ravel(), (t.ravel() + 1.0) - len(periods)


# ---- internal (unconstrained) parametrisation ---------------------------------------------------


def _to_internal(theta: np.ndarray, d: FrontierData) -> np.ndarray:
    phi = np.array(theta, dtype=float)
    if not d.uhet:
        L = d.layout()
        phi[L["sigmaSq"]] = np.log(theta[L["sigmaSq"]])
        g = theta[L["gamma"]]
        phi[L["gamma"]] = np.log(g) - np.log1p(-g)
    return phi


def _from_internal(phi: np.ndarray, d: FrontierData) -> tuple[np.ndarray, np.ndarray]:
    """Reported vector and the derivative d theta / d phi (diagonal)."""
    theta = np.array(phi, dtype=float)
    jac = np.ones_like(theta)
    if not d.uhet:
        L = d.layout()
        s2 = np.exp(phi[L["sigmaSq"]])
        g = special.expit(phi[L["gamma"]])
        theta[L["sigmaSq"]], jac[L["sigmaSq"]] = s2, s2
        theta[L["gamma"]], jac[L["gamma"]] = g, g * (1.0 - g)
    return theta, jac


def _objective(phi: np.ndarray, d: FrontierData) -> tuple[float, np.ndarray]:
    theta, jac = _from_internal(phi, d)
    if not _admissible(theta, d):
        return np.inf, np.zeros_like(phi)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ll = loglik(theta, d)
        g = score(theta, d) * jac
    if not np.isfinite(ll) or not np.all(np.isfinite(g)):
        return np.inf, np.zeros_like(phi)
    return -ll, -g


def numerical_hessian(fun, x: np.ndarray, *, rel_step: float = 1e-5) -> np.ndarray:
    """Symmetrised central-difference Jacobian of a gradient function ``fun`` at ``x``."""
    x = np.asarray(x, dtype=float)
    H = np.empty((len(x), len(x)))
    for j in range(len(x)):
        step = rel_step * max(1.0, abs(x[j]))
        up, dn = x.copy(), x.copy()
        up[j] += step
        dn[j] -= step
        H[:, j] = (fun(up) - fun(dn)) / (2.0 * step)
    return 0.5 * (H + H.T)


# ---- starting values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OLSStart:
    beta: np.ndarray
    sigma2_ml: float  # SSR / n
    loglik: float  # Gaussian log-likelihood of OLS (the model without inefficiency)
    resid: np.ndarray
    bse: np.ndarray


def ols_start(d: FrontierData) -> OLSStart:
    """OLS of y on X: coefficients, ML variance and the log-likelihood of the model with u = 0."""
    n, k = d.X.shape
    if n <= k + 2:
        raise EstimationError(f"frontier: {n} observations cannot identify {k} coefficients and u")
    beta, _, rank, _ = np.linalg.lstsq(d.X, d.y, rcond=None)
    if rank < k:
        raise EstimationError("frontier: the regressors are collinear")
    resid = d.y - d.X @ beta
    ssr = float(resid @ resid)
    s2 = ssr / n
    ll = -0.5 * n * (_LOG_2PI + math.log(s2) + 1.0)
    xtx_inv = np.linalg.inv(d.X.T @ d.X)
    bse = np.sqrt(np.diag(xtx_inv) * ssr / (n - k))
    return OLSStart(beta=beta, sigma2_ml=s2, loglik=ll, resid=resid, bse=bse)


def _start_at(gamma: float, s2: float, ols: OLSStart, d: FrontierData) -> np.ndarray:
    L = d.layout()
    theta = np.zeros(d.n_params)
    beta = ols.beta.copy()
    beta[0] += d.sign * math.sqrt(2.0 * gamma * s2 / math.pi)
    theta[L["beta"]] = beta
    if d.uhet:
        theta[L["delta_u"].start] = math.log(gamma * s2)  # the constant of ln sigma_u^2
        theta[L["lnsig2v"]] = math.log((1.0 - gamma) * s2)
    else:
        theta[L["sigmaSq"]] = s2
        theta[L["gamma"]] = gamma
    return theta


def starting_values(d: FrontierData, ols: OLSStart) -> list[np.ndarray]:
    """Candidate starts, best first: the γ grid of FRONTIER 4.1 and the moment estimator."""
    m2 = ols.sigma2_ml
    cands = []
    for gamma in np.r_[np.arange(0.05, 1.0, 0.1), 0.99]:
        s2 = m2 / (1.0 - 2.0 * gamma / math.pi)
        cands.append(_start_at(float(gamma), s2, ols, d))
    # method of moments: E[e^3] = -s * sqrt(2/pi) (4/pi - 1) sigma_u^3 for a half-normal u
    m3 = float(np.mean((d.sign * ols.resid) ** 3))
    if m3 < 0:
        su2 = (-m3 / (math.sqrt(2.0 / math.pi) * (4.0 / math.pi - 1.0))) ** (2.0 / 3.0)
        sv2 = m2 - (1.0 - 2.0 / math.pi) * su2
        if sv2 > 0:
            s2 = su2 + sv2
            cands.append(_start_at(min(max(su2 / s2, 0.01), 0.99), s2, ols, d))
    lls = [loglik(c, d) for c in cands]
    order = np.argsort(lls)[::-1]
    return [cands[i] for i in order if np.isfinite(lls[i])]


# ---- maximisation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontierFit:
    """Maximum-likelihood estimates in the reported parametrisation (layout of ``data``)."""

    data: FrontierData
    theta: np.ndarray
    vcov: np.ndarray
    loglik: float
    ols: OLSStart
    converged: bool
    n_iter: int
    grad_norm: float  # max |gradient| in the optimiser's parametrisation

    @property
    def n_extra(self) -> int:
        """Parameters the model adds to OLS (k coefficients and one variance)."""
        return self.data.n_params - self.data.k - 1

    def efficiency(self) -> np.ndarray:
        """:math:`E[\\exp(-h_{it}u_i)\\mid e_i]` for every observation (Battese & Coelli 1988)."""
        return technical_efficiency(self.theta, self.data)

    def lr_test(self) -> tuple[float, int, float]:
        """LR test of no inefficiency against OLS: (statistic, df, p) with frontier's mixed χ²."""
        stat = 2.0 * (self.loglik - self.ols.loglik)
        return stat, self.n_extra, mixed_chi2_pvalue(stat, self.n_extra)


def conditional_moments(theta: np.ndarray, d: FrontierData) -> tuple[np.ndarray, np.ndarray]:
    """:math:`(\\mu_i^*, \\sigma_i^*)` of :math:`u_i \\mid e_i`, one per unit."""
    pc = _pieces(np.asarray(theta, dtype=float), d)
    S1 = np.bincount(d.unit, weights=pc.h * pc.e, minlength=d.n_units)
    S2 = np.bincount(d.unit, weights=pc.h * pc.h, minlength=d.n_units)
    D = pc.a + pc.b * S2
    return (pc.mu * pc.a - pc.b * S1) / D, np.sqrt(pc.a * pc.b / D)


def technical_efficiency(theta: np.ndarray, d: FrontierData) -> np.ndarray:
    """Per-observation :math:`TE_{it}` (module docstring formula)."""
    mu_s, sig_s = conditional_moments(theta, d)
    pc = _pieces(np.asarray(theta, dtype=float), d)
    m, s, h = mu_s[d.unit], sig_s[d.unit], pc.h
    z = m / s
    return np.exp(special.log_ndtr(z - h * s) - special.log_ndtr(z) - h * m + 0.5 * h * h * s * s)


def mixed_chi2_pvalue(stat: float, df: int) -> float:
    """p-value of the LR test of no inefficiency as R ``frontier::lrtest`` computes it.

    df = 1: :math:`\\tfrac12\\chi^2_0 + \\tfrac12\\chi^2_1` (Stata's chibar2(01));
    df > 1: :math:`\\tfrac14\\chi^2_{df-2} + \\tfrac12\\chi^2_{df-1} + \\tfrac14\\chi^2_{df}`
    (with :math:`\\chi^2_0` a point mass at zero).
    """

    def tail(k: int) -> float:
        if k == 0:
            return 0.0 if stat > 0 else 1.0
        return float(special.chdtrc(k, stat))

    if df < 1:
        raise EstimationError(f"LR test of no inefficiency needs df >= 1, got {df}")
    if df == 1:
        return 0.5 * tail(0) + 0.5 * tail(1)
    return 0.25 * tail(df - 2) + 0.5 * tail(df - 1) + 0.25 * tail(df)


def _newton_polish(phi: np.ndarray, d: FrontierData, *, steps: int = 20) -> np.ndarray:
    """Newton steps on the internal parametrisation with a step-halving line search."""
    f, g = _objective(phi, d)
    for _ in range(steps):
        if np.max(np.abs(g)) < 1e-9:
            break
        H = numerical_hessian(lambda p: _objective(p, d)[1], phi, rel_step=1e-6)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or float(step @ g) <= 0:  # not a descent direction
            break
        t = 1.0
        while t > 1e-6:
            cand = phi - t * step
            fc, gc = _objective(cand, d)
            if fc <= f + 1e-12:
                break
            t *= 0.5
        else:
            break
        phi, f, g = cand, fc, gc
    return phi


def _block_map(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale the columns of M: (M_std, A) with ``M @ (A @ c) == M_std @ c``.

    Columns are scaled by their standard deviation; they are also centred when M has a column
    of ones (which then absorbs the means). Constant columns are left alone.
    """
    mean, sd = M.mean(axis=0), M.std(axis=0)
    const = (sd == 0) & np.isclose(mean, 1.0)
    varying = sd > 0
    scale = np.where(varying, sd, 1.0)
    centre = np.where(varying, mean, 0.0) if const.any() else np.zeros(M.shape[1])
    M_std = (M - centre) / scale
    A = np.diag(1.0 / scale)
    if const.any():
        A[np.flatnonzero(const)[0], :] -= centre / scale
    return M_std, A


def _standardise(d: FrontierData) -> tuple[FrontierData, np.ndarray]:
    """The model on centred and scaled X, Z, W, and the linear map T with θ = T θ_std.

    A translog in raw logs (squares of ln K ~ 100, trend interactions) is ill-conditioned for
    BFGS; the reparametrisation is exact, so estimates and covariance map back linearly.
    """
    L = d.layout()
    T = np.eye(d.n_params)
    X_std, T[L["beta"], L["beta"]] = _block_map(d.X)
    Z_std = W_std = None
    if d.Z is not None:
        Z_std, T[L["delta"], L["delta"]] = _block_map(d.Z)
    if d.W is not None:
        W_std, T[L["delta_u"], L["delta_u"]] = _block_map(d.W)
    std = FrontierData(
        y=d.y,
        X=X_std,
        unit=d.unit,
        tau=d.tau,
        Z=Z_std,
        W=W_std,
        truncated=d.truncated,
        time_varying=d.time_varying,
        cost=d.cost,
    )
    return std, T


def fit_frontier(
    d: FrontierData, *, start: np.ndarray | None = None, max_iter: int = 2000
) -> FrontierFit:
    """Maximise the frontier log-likelihood (BFGS with the analytic gradient, then Newton).

    The optimisation runs on centred and scaled regressors (:func:`_standardise`) and maps
    the estimates back. ``start`` (reported parametrisation) replaces the grid / moment
    starting values. The two best starts are both optimised and the higher optimum kept
    (the likelihood of the truncated-normal models can have several local maxima).

    Raises
    ------
    EstimationError
        if no start has a finite likelihood or the information matrix is singular.
    """
    ols = ols_start(d)
    ds, T = _standardise(d)
    if start is not None:
        starts = [np.linalg.solve(T, np.asarray(start, dtype=float))]
    else:
        starts = starting_values(ds, ols_start(ds))[:2]
    if not starts:
        raise EstimationError("frontier: no starting value with a finite likelihood")
    best = None
    for s0 in starts:
        res = optimize.minimize(
            _objective,
            _to_internal(s0, ds),
            args=(ds,),
            jac=True,
            method="BFGS",
            options={"maxiter": max_iter, "gtol": 1e-7},
        )
        phi = _newton_polish(res.x, ds)
        f, g = _objective(phi, ds)
        if best is None or f < best[1]:
            best = (phi, f, g, int(res.nit))
    phi, f, g, nit = best
    theta_std, jac = _from_internal(phi, ds)
    # Observed information in the unbounded parametrisation (a step cannot leave 0 < γ < 1),
    # mapped back by the delta method; at the optimum this is the inverse Hessian in θ.
    H = numerical_hessian(lambda p: _objective(p, ds)[1], phi)
    try:
        vcov_phi = np.linalg.inv(H)
    except np.linalg.LinAlgError as err:
        raise EstimationError(f"frontier: singular information matrix ({err})") from None
    J = T * jac[None, :]
    vcov = J @ vcov_phi @ J.T
    gnorm = float(np.max(np.abs(g)))
    # Converged: a local maximum (positive definite information) whose Newton decrement
    # g'H⁻¹g, the gain a further Newton step promises, is below 1e-8 log-likelihood units.
    # (A raw gradient bound fails on stiff translog designs where |g| ~ 1e-4 buys 1e-12.)
    try:
        np.linalg.cholesky(0.5 * (H + H.T))
        decrement = float(g @ vcov_phi @ g)
    except np.linalg.LinAlgError:
        decrement = np.inf
    return FrontierFit(
        data=d,
        theta=T @ theta_std,
        vcov=0.5 * (vcov + vcov.T),
        loglik=-f,
        ols=ols,
        converged=bool(np.isfinite(f) and decrement < 1e-8),
        n_iter=nit,
        grad_norm=gnorm,
    )
