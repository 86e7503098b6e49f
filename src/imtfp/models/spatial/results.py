"""The result of :func:`~imtfp.models.spatial.spatial_panel` and its LeSage–Pace impacts.

Direct, indirect and total effects of regressor :math:`x_r` (LeSage and Pace 2009, ch. 2.7;
Elhorst 2014, ch. 2.7 and 3.6): with :math:`C_r = \\beta_r I + \\theta_r W`,

* short run: :math:`S = (I-\\rho W)^{-1}C_r`;
* long run (dynamic models): :math:`S = ((1-\\tau)I - (\\rho+\\eta)W)^{-1}C_r`;

direct :math:`= \\mathrm{tr}(S)/N`, total :math:`= \\iota'S\\iota/N`, indirect = total − direct.
SEM has no spillover (direct = β); SDEM and SLX have S = C_r. Both are computed from the
eigenvalues of W, vectorised over draws. Standard errors are the standard deviations over
parameter draws :math:`\\theta_s = \\hat\\theta + Lz_s`, :math:`LL' = \\hat V`, z standard
normal from ``numpy.random.default_rng(seed)`` — or given (``normals``) to repeat another
program's stream. The point estimate is the plug-in value at :math:`\\hat\\theta`
(``point="analytic"``, as R spdep/spatialreg report) or the mean over the draws
(``point="simulated"``, as LeSage's and Elhorst's MATLAB code and R SDPDmod report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.options import check_option
from imtfp.results import Estimates

ImpactHorizon = Literal["short", "long"]
ImpactPoint = Literal["analytic", "simulated"]

IMPACT_KINDS = ("direct", "indirect", "total")


@dataclass
class SpatialPanelResults(Estimates):
    """Estimates of a spatial panel model (``params``, ``bse``, ``pvalues``, ``tidy`` …).

    ``theta``/``theta_vcov`` hold every parameter in SDPDmod's order (``y(t-1)``,
    ``W*y(t-1)``, x, W*x, ρ or λ, σ²); ``terms`` lists them without σ², the spatial parameter
    first.
    """

    terms: list
    coef: np.ndarray
    vcov: np.ndarray
    theta: np.ndarray
    theta_vcov: np.ndarray
    theta_names: list
    spatial: str | None
    x_names: list
    model: str
    effects: str
    lee_yu: bool
    dynamic: bool
    time_lag: bool
    space_time_lag: bool
    numerics: str
    W: np.ndarray = field(repr=False)
    entities: list = field(repr=False)
    periods: list = field(repr=False)
    loglik: float = np.nan
    nobs: int | None = None
    cov_type: str = "ml"
    dep_var: str = ""
    df_inf: int | None = None

    @classmethod
    def build(cls, *, theta, theta_vcov, theta_names, spatial, **kw) -> SpatialPanelResults:
        idx = [theta_names.index(spatial)] if spatial else []
        idx += [i for i, nm in enumerate(theta_names) if nm not in (spatial, "sigma2")]
        return cls(
            terms=[theta_names[i] for i in idx],
            coef=np.asarray(theta)[idx],
            vcov=np.asarray(theta_vcov)[np.ix_(idx, idx)],
            theta=np.asarray(theta, dtype=float),
            theta_vcov=np.asarray(theta_vcov, dtype=float),
            theta_names=list(theta_names),
            spatial=spatial,
            **kw,
        )

    @property
    def sigma2(self) -> float:
        return float(self.theta[self.theta_names.index("sigma2")])

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        lines[0] = ("Model", f"{self.model.upper()}{' dynamic' if self.dynamic else ''} panel")
        lines += [
            ("Fixed effects", self.effects),
            ("Lee–Yu", "yes" if self.lee_yu else "no"),
            ("Log-likelihood", f"{self.loglik:.4f}"),
            ("sigma^2", f"{self.sigma2:.6g}"),
        ]
        return lines

    # ---- impacts ------------------------------------------------------------------------------

    def _draw_parameters(self, draws, seed, normals) -> np.ndarray:
        k = len(self.theta)
        if normals is None:
            normals = np.random.default_rng(seed).standard_normal((int(draws), k))
        normals = np.asarray(normals, dtype=float)
        if normals.ndim != 2 or normals.shape[1] != k:
            raise ConfigError(
                f"normals must have shape (draws, {k}) in the order {self.theta_names}"
            )
        try:
            L = np.linalg.cholesky(self.theta_vcov)
        except np.linalg.LinAlgError as err:
            raise EstimationError(
                "the covariance of the estimates is not positive definite"
            ) from err
        return self.theta[None, :] + normals @ L.T

    def _effects(self, thetas: np.ndarray, horizon: str) -> np.ndarray:
        """(draws, regressors, 3) direct/indirect/total for parameter rows ``thetas``."""
        names = self.theta_names
        beta = thetas[:, [names.index(v) for v in self.x_names]]
        if f"W*{self.x_names[0]}" in names:
            theta_w = thetas[:, [names.index(f"W*{v}") for v in self.x_names]]
        else:
            theta_w = np.zeros_like(beta)
        zero = np.zeros(len(thetas))
        rho = thetas[:, names.index("rho")] if self.spatial == "rho" else zero
        tau = thetas[:, names.index("y(t-1)")] if self.time_lag else zero
        eta = thetas[:, names.index("W*y(t-1)")] if self.space_time_lag else zero
        if horizon == "short":
            a, c = np.ones(len(thetas)), rho
        else:
            a, c = 1.0 - tau, rho + eta
        lam, a_vec, b_one, b_w = _eigen_parts(self.W)
        denom = a[:, None] - c[:, None] * lam[None, :]  # (draws, N)
        inv = 1.0 / denom
        n = self.W.shape[0]
        direct = (
            beta[:, :, None] * inv[:, None, :] + theta_w[:, :, None] * (lam * inv)[:, None, :]
        ).sum(axis=2).real / n
        if np.allclose(self.W.sum(axis=1), 1.0, rtol=0.0, atol=1e-12):
            # Wι = ι: (aI - cW)⁻¹(βI + θW)ι = (β + θ)/(a - c)·ι
            total = (beta + theta_w) / (a - c)[:, None]
        else:
            weights = a_vec * inv  # (draws, N): ι'V diag(1/(a - cλ))
            total = (
                beta * (weights @ b_one)[:, None] + theta_w * (weights @ b_w)[:, None]
            ).real / n
        return np.stack([direct, total - direct, total], axis=-1)

    def impacts(
        self,
        horizon: ImpactHorizon = "short",
        *,
        draws: int = 1000,
        seed: int = 0,
        point: ImpactPoint = "analytic",
        normals: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Direct, indirect and total effects of each regressor with simulated standard errors.

        Returns a DataFrame indexed by regressor with columns ``direct``, ``direct_se``,
        ``direct_p``, and the same for ``indirect`` and ``total`` (p from the normal).
        ``horizon="long"`` needs a dynamic model. ``normals``: standard normal draws of shape
        (draws, len(theta)) in the order of ``theta_names``, used instead of ``seed``.
        """
        from scipy import stats

        check_option(horizon, ImpactHorizon, "horizon")
        check_option(point, ImpactPoint, "point")
        if horizon == "long" and not self.dynamic:
            raise ConfigError("long-run impacts need a dynamic model (dynamic=True)")
        sims = self._effects(self._draw_parameters(draws, seed, normals), horizon)
        est = (
            sims.mean(axis=0)
            if point == "simulated"
            else self._effects(self.theta[None], horizon)[0]
        )
        se = sims.std(axis=0, ddof=1)
        out = {}
        for j, kind in enumerate(IMPACT_KINDS):
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(se[:, j] > 0, est[:, j] / se[:, j], np.nan)
            out[kind] = est[:, j]
            out[f"{kind}_se"] = se[:, j]
            out[f"{kind}_p"] = np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)
        return pd.DataFrame(out, index=pd.Index(self.x_names, name="regressor"))


def _eigen_parts(W: np.ndarray):
    """Eigenvalues λ of W and the vectors that turn :math:`\\iota'(aI-cW)^{-1}(\\beta I+\\theta W)
    \\iota` into sums over λ: with :math:`W = V\\Lambda V^{-1}`, ``a_vec`` = ι'V,
    ``b_one`` = V⁻¹ι, ``b_w`` = V⁻¹Wι."""
    lam, V = np.linalg.eig(W)
    one = np.ones(W.shape[0])
    Vinv_one = np.linalg.solve(V, one)
    Vinv_w = np.linalg.solve(V, W @ one)
    return lam, one @ V, Vinv_one, Vinv_w
