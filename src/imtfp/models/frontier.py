"""Stochastic frontier models: ``sfa(data, "ln_y ~ ln_k + ln_l", ...)``.

The public result API over the likelihood kernel :mod:`imtfp.core.frontier` (model, formulas,
starting values and optimiser are documented there). One function covers

* cross-section / pooled frontiers, half-normal or truncated-normal u (Aigner–Lovell–Schmidt
  1977, Stevenson 1980); ``uhet=[w...]``: :math:`\\sigma_{u,i}^2 = \\exp(\\delta_0 + w_i'\\delta)`
  (Stata ``frontier, uhet()``, Caudill–Ford–Gropper 1995);
* Battese–Coelli (1995) efficiency effects, :math:`u_{it} \\sim N^+(z_{it}'\\delta, \\sigma_u^2)`
  (``inefficiency=[z...]``, with or without a constant — R ``frontier``'s ``y ~ x | z`` and
  ``y ~ x | z - 1``);
* Battese–Coelli (1992) error components on a panel (``entity``, ``time``):
  :math:`u_{it} = \\exp(-\\eta(t - T))\\,u_i`, time-invariant (η = 0) or ``time_varying=True``.

Parameters are named as R ``frontier`` prints them — ``(Intercept)``, the regressors,
``Z_(Intercept)``, ``Z_<z>``, ``sigmaSq`` (:math:`\\sigma_u^2 + \\sigma_v^2`), ``gamma``
(:math:`\\sigma_u^2/\\sigma^2`), ``mu`` — except that R's ``time`` is called ``eta`` here; with
``uhet`` the variance functions as R ``sfaR`` names them: ``Zu_(Intercept)``, ``Zu_<w>``,
``Zv_(Intercept)`` (:math:`\\ln\\sigma_v^2`). Standard errors: inverse observed information.

Checked against R ``frontier`` (riceProdPhil: BC95, BC92 with and without μ and η) and R
``sfaR`` (heteroskedastic u) in ``tests/reference/test_sfa_*.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from imtfp.core.frontier import FrontierData, FrontierFit, fit_frontier, panel_units
from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.models._common import as_list, logger, unique
from imtfp.models.formula import add_interactions, parse_formula
from imtfp.options import SFADistribution, check_option
from imtfp.results import Estimates
from imtfp.tidy import tidy_frame


class LRTest(NamedTuple):
    """Likelihood-ratio test of no inefficiency (the frontier against OLS)."""

    statistic: float
    df: int
    pvalue: float


@dataclass
class FrontierResult(Estimates):
    """A fitted stochastic frontier (:func:`sfa`).

    Besides the :class:`~imtfp.results.Estimates` accessors: ``loglik``, ``loglik_ols``,
    ``lr_test`` (:class:`LRTest`), ``efficiency`` (Series of :math:`E[\\exp(-u_{it})\\mid e]`
    indexed like the rows of ``data`` used), ``mean_efficiency``, ``model`` (``"ECF"``
    error components / ``"EEF"`` efficiency effects), ``converged``.
    """

    terms: list[str]
    coef: np.ndarray
    vcov: np.ndarray
    loglik: float
    loglik_ols: float
    lr_test: LRTest
    efficiency: pd.Series
    mean_efficiency: float
    model: str
    distribution: str
    nobs: int
    dep_var: str
    n_entities: int | None = None
    n_periods: int | None = None
    cost: bool = False
    converged: bool = True
    df_inf: int | None = None
    cov_type: str = "oim"
    fit: FrontierFit | None = field(default=None, repr=False)

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        kind = {
            "ECF": "error components frontier (Battese & Coelli 1992)",
            "EEF": "efficiency effects frontier (Battese & Coelli 1995)",
        }[self.model]
        lines[0] = ("Model", f"{'cost' if self.cost else 'production'} {kind}, {self.distribution}")
        if self.n_entities is not None:
            lines.insert(3, ("Panel", f"{self.n_entities} entities × {self.n_periods} periods"))
        lr = self.lr_test
        lines += [
            ("Log likelihood", f"{self.loglik:.6f}"),
            ("Mean efficiency", f"{self.mean_efficiency:.5f}"),
            ("LR test of no inefficiency", f"{lr.statistic:.4f} (df {lr.df}, p {lr.pvalue:.3g})"),
        ]
        return lines

    def tidy(self, *, table: str = "sfa", column: str = "", level: float = 0.95) -> pd.DataFrame:
        """Coefficient rows, then the statistic rows (``stat`` true) ``mean_efficiency``,
        ``log_likelihood``, ``lr_statistic`` (estimate = LR statistic, p = its mixed χ² p-value)
        and ``lr_df``; every row carries the extra columns ``converged`` and ``gradient_norm``
        (of the optimiser at its stop), which a table reports when the fit did not converge."""
        coefs = super().tidy(table=table, column=column, level=level)
        lr = self.lr_test
        base = {
            "table": table,
            "column": column,
            "nobs": self.nobs,
            "cov": self.cov_type,
            "dep_var": self.dep_var,
            "stat": True,
        }
        stats_rows = tidy_frame(
            [
                {**base, "term": "mean_efficiency", "estimate": self.mean_efficiency},
                {**base, "term": "log_likelihood", "estimate": self.loglik},
                {**base, "term": "lr_statistic", "estimate": lr.statistic, "p": lr.pvalue},
                {**base, "term": "lr_df", "estimate": float(lr.df)},
            ]
        )
        out = pd.concat([coefs, stats_rows], ignore_index=True)
        out["converged"] = bool(self.converged)
        out["gradient_norm"] = float(self.fit.grad_norm) if self.fit is not None else np.nan
        return out


def _sample(
    data: pd.DataFrame, numeric: Sequence[str], keys: Sequence[str], *, what: str
) -> pd.DataFrame:
    """Needed columns, rows with a missing or non-finite value dropped (and logged), index kept."""
    cols = unique([*keys, *numeric])
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise MissingColumnError(what, missing, available=list(data.columns))
    df = data.loc[:, cols].copy()
    for c in unique(numeric):
        try:
            df[c] = pd.to_numeric(df[c], errors="raise").astype("float64")
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{what}: column {c!r} is not numeric ({err})") from None
    ok = (
        np.isfinite(df[list(unique(numeric))].to_numpy()).all(axis=1)
        & df[list(keys)].notna().all(axis=1).to_numpy()
    )
    dropped = int((~ok).sum())
    if dropped:
        logger.info(
            "%s: dropped %d of %d rows with a missing or infinite value", what, dropped, len(df)
        )
    df = df.loc[ok]
    if len(keys) == 2 and df.duplicated(subset=list(keys)).any():
        dup = df.loc[df.duplicated(subset=list(keys), keep=False), list(keys)].head(3)
        raise EstimationError(
            f"{what}: duplicate {tuple(keys)} rows, e.g. {dup.to_dict('records')}"
        )
    return df


def _names(d: FrontierData, x: list[str], z: list[str], w: list[str]) -> list[str]:
    L = d.layout()
    names = [""] * d.n_params
    names[L["beta"]] = ["(Intercept)", *x]
    if d.uhet:
        names[L["mu"]] = ["mu"] * (L["mu"].stop - L["mu"].start)
        names[L["delta_u"]] = ["Zu_(Intercept)", *[f"Zu_{c}" for c in w]]
        names[L["lnsig2v"]] = ["Zv_(Intercept)"]
        return names
    names[L["delta"]] = [f"Z_{c}" for c in z]
    names[L["sigmaSq"]] = ["sigmaSq"]
    names[L["gamma"]] = ["gamma"]
    names[L["mu"]] = ["mu"] * (L["mu"].stop - L["mu"].start)
    names[L["eta"]] = ["eta"] * (L["eta"].stop - L["eta"].start)
    return names


def sfa(
    data: pd.DataFrame,
    formula: str,
    *,
    distribution: SFADistribution = "half-normal",
    inefficiency: Sequence[str] | None = None,
    z_intercept: bool = True,
    uhet: Sequence[str] | None = None,
    entity: str | None = None,
    time: str | None = None,
    time_varying: bool = False,
    cost: bool = False,
    start: Sequence[float] | None = None,
) -> FrontierResult:
    """Fit a stochastic frontier by maximum likelihood.

    .. math::
        y_{it} = x_{it}'\\beta + v_{it} - s\\,u_{it},\\quad v \\sim N(0,\\sigma_v^2),\\
        u \\ge 0,\\quad s = 1 \\text{ (production)}, -1 \\text{ (cost)}

    Parameters
    ----------
    data : frame with the variables (logs are taken by the caller).
    formula : ``"y ~ x1 + x2"`` (``a:b`` products allowed); the intercept is always included.
    distribution : ``"half-normal"`` or ``"truncated-normal"`` (free mean ``mu``) of u; ignored
        with ``inefficiency`` (BC95's u is :math:`N^+(z'\\delta, \\sigma_u^2)`).
    inefficiency : columns z of the Battese–Coelli (1995) efficiency effects.
    z_intercept : include ``Z_(Intercept)`` in :math:`z'\\delta` (R ``frontier``: ``| z`` vs ``| z - 1``).
    uhet : columns w of :math:`\\ln\\sigma_{u,i}^2 = \\delta_0 + w_i'\\delta` (cross-section or pooled).
    entity, time : panel keys; with ``entity`` and neither ``inefficiency`` nor ``uhet`` the model
        is Battese–Coelli (1992) with one :math:`u_i` per entity.
    time_varying : BC92 with :math:`u_{it} = \\exp(-\\eta(t-T))u_i` (needs ``entity`` and ``time``).
    cost : a cost frontier (inefficiency raises y).
    start : starting values in the reported parametrisation (order of :attr:`FrontierResult.terms`).

    Returns
    -------
    FrontierResult

    Raises
    ------
    ConfigError for contradictory options, MissingColumnError for absent columns,
    EstimationError for duplicated panel keys, collinear regressors or a singular information.
    """
    check_option(distribution, SFADistribution, "distribution")
    y, x, absorbed = parse_formula(formula)
    if absorbed:
        raise ConfigError(
            f"sfa formula {formula!r}: no '|' part; pass inefficiency=, entity= and time="
        )
    z = as_list(inefficiency) if inefficiency is not None else None
    w = as_list(uhet) if uhet is not None else None
    if z is not None and w is not None:
        raise ConfigError("sfa: inefficiency= (BC95) and uhet= cannot be combined")
    if time_varying and (entity is None or time is None):
        raise ConfigError("sfa: time_varying=True needs entity= and time= (Battese–Coelli 1992)")
    if time_varying and (z is not None or w is not None):
        raise ConfigError("sfa: time_varying=True is the BC92 model; not with inefficiency/uhet")
    if z is not None and not z and not z_intercept:
        raise ConfigError("sfa: inefficiency=[] with z_intercept=False leaves no efficiency effect")
    if z is not None and distribution == "truncated-normal":
        logger.warning("sfa: distribution is ignored with inefficiency= (BC95: u ~ N+(z'd, s_u^2))")
    keys = [c for c in (entity, time) if c is not None]
    data = add_interactions(data, x)
    df = _sample(data, [y, *x, *(z or []), *(w or [])], keys, what="sfa")
    n = len(df)
    yv = df[y].to_numpy()
    X = np.column_stack([np.ones(n), df[x].to_numpy()]) if x else np.ones((n, 1))
    ecf_panel = entity is not None and z is None and w is None
    if ecf_panel:
        unit, tau = panel_units(df[entity].to_numpy(), df[time].to_numpy() if time else None)
    else:
        unit, tau = np.arange(n), np.zeros(n)
    Z = None
    if z is not None:
        zcols = [df[c].to_numpy() for c in z]
        Z = np.column_stack(([np.ones(n)] if z_intercept else []) + zcols)
    W = np.column_stack([np.ones(n), *[df[c].to_numpy() for c in w]]) if w is not None else None
    d = FrontierData(
        y=yv,
        X=X,
        unit=unit,
        tau=tau,
        Z=Z,
        W=W,
        truncated=distribution == "truncated-normal" and z is None,
        time_varying=time_varying,
        cost=cost,
    )
    z_names = (["(Intercept)"] if z_intercept else []) + list(z or [])
    names = _names(d, x, z_names if z is not None else [], list(w or []))
    if start is not None and len(start) != d.n_params:
        raise ConfigError(f"sfa: start has {len(start)} values for {d.n_params} parameters {names}")
    fit = fit_frontier(d, start=None if start is None else np.asarray(start, dtype=float))
    if not fit.converged:
        logger.warning("sfa: the optimiser stopped with |gradient| = %.3g", fit.grad_norm)
    te = pd.Series(fit.efficiency(), index=df.index, name="efficiency")
    # frontier's summary: a time-invariant BC92 efficiency is one number per entity
    per_entity = ecf_panel and not time_varying
    mean_te = float(te.groupby(unit).first().mean()) if per_entity else float(te.mean())
    return FrontierResult(
        terms=names,
        coef=fit.theta,
        vcov=fit.vcov,
        loglik=fit.loglik,
        loglik_ols=fit.ols.loglik,
        lr_test=LRTest(*fit.lr_test()),
        efficiency=te,
        mean_efficiency=mean_te,
        model="EEF" if z is not None else "ECF",
        distribution="truncated-normal" if (z is not None or d.truncated) else "half-normal",
        nobs=n,
        dep_var=y,
        n_entities=int(d.n_units) if ecf_panel else None,
        n_periods=int(df[time].nunique()) if (ecf_panel and time) else None,
        cost=cost,
        converged=fit.converged,
        fit=fit,
    )


# ---- the pipeline stage ------------------------------------------------------------------------

#: Keys of a ``models.sfa`` section (and of each entry of its ``columns``).
SFA_KEYS = {
    "output",
    "inputs",
    "log",
    "form",
    "time_trend",
    "distribution",
    "inefficiency",
    "z_intercept",
    "uhet",
    "panel",
    "time_varying",
    "cost",
    "columns",
    "name",
}


def _column_specs(section: Mapping) -> list[tuple[str, dict]]:
    unknown = set(section) - SFA_KEYS
    if unknown:
        raise ConfigError(f"models.sfa: unknown keys {sorted(unknown)}")
    base = {k: v for k, v in section.items() if k != "columns"}
    cols = section.get("columns") or [{}]
    out = []
    for k, col in enumerate(cols, start=1):
        bad = set(col) - (SFA_KEYS - {"columns"})
        if bad:
            raise ConfigError(f"models.sfa.columns[{k - 1}]: unknown keys {sorted(bad)}")
        merged = {**base, **col}
        out.append((str(merged.get("name") or f"({k})"), merged))
    return out


def estimate_sfa(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Frontier table: one column per entry of ``models.sfa.columns`` (default: one).

    ``spec`` is the ``models:`` section with the schema's defaults
    (:func:`imtfp.models.registry.model_spec`); its ``sfa`` mapping holds ``output`` and
    ``inputs`` (panel columns, logged when ``log`` is true), ``form`` (``cobb_douglas`` or
    ``translog``, :func:`imtfp.tfp.sfa.translog`), ``time_trend``, ``distribution``,
    ``inefficiency``, ``z_intercept``, ``uhet``, ``panel`` (BC92 on ``models.entity`` /
    ``models.time``), ``time_varying``, ``cost``; each entry of ``columns`` overrides these and
    may set ``name`` (default ``(k)``).

    Rows per column (table ``sfa``): the frontier coefficients and ``sigmaSq``, ``gamma``,
    ``mu``, ``eta``, ``Z_*`` / ``Zu_*`` as estimated, then the statistic rows
    ``mean_efficiency``, ``log_likelihood``, ``lr_statistic`` (p = mixed χ² p-value) and
    ``lr_df``; ``nobs`` and ``dep_var`` on every row, ``cov = "oim"``. ``seed`` is unused (no
    randomness).
    """
    from imtfp.tfp.sfa import translog  # models may use measurement helpers

    section = spec["sfa"]
    if not section.get("output") or not section.get("inputs"):
        raise ConfigError("models.sfa needs 'output' and 'inputs'")
    entity, time = spec["entity"], spec["time"]
    frames = []
    for name, col in _column_specs(section):
        use_panel = bool(col["panel"])
        terms = translog(
            panel,
            col["output"],
            as_list(col["inputs"]),
            time=time if col["time_trend"] else None,
            form=col["form"],
            log=bool(col["log"]),
        )
        extra = unique([*as_list(col["inefficiency"]), *as_list(col["uhet"])])
        keys = [entity, time]
        frame = pd.concat([panel[keys + [c for c in extra if c not in terms]], terms], axis=1)
        dep, rhs = terms.columns[0], list(terms.columns[1:])
        z = col["inefficiency"]
        fit = sfa(
            frame,
            f"{dep} ~ {' + '.join(rhs)}",
            distribution=col["distribution"],
            inefficiency=as_list(z) if z is not None else None,
            z_intercept=bool(col["z_intercept"]),
            uhet=as_list(col["uhet"]) if col["uhet"] is not None else None,
            entity=entity if use_panel else None,
            time=time if use_panel else None,
            time_varying=bool(col["time_varying"]),
            cost=bool(col["cost"]),
        )
        frames.append(fit.tidy(table="sfa", column=name))
    out = pd.concat(frames, ignore_index=True)
    out["table"] = "sfa"
    return out
