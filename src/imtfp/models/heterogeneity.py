"""Heterogeneity and moderation: split samples, centred interactions, equality tests.

* Split samples: the baseline model fitted separately by region (east,
  central, west, northeast: the panel's ``region`` column) and by named
  periods ``{name: [start, end]}`` (inclusive years).
* Moderation: :math:`y = \\beta x + \\delta \\tilde m + \\theta\\, x\\tilde m + \\gamma'Z + \\mu_i + \\lambda_t + e`
  with :math:`\\tilde m = m - \\bar m` (sample mean), so β is the effect of x
  at the mean of the moderator. Marginal effects
  :math:`\\partial y/\\partial x = \\beta + \\theta(m_q - \\bar m)` at moderator
  quantiles q, with :math:`\\operatorname{Var} = V_{\\beta\\beta} + (m_q-\\bar m)^2V_{\\theta\\theta} + 2(m_q-\\bar m)V_{\\beta\\theta}`.
* Equality of coefficients across groups (Chow-type, interaction based):
  the pooled model with :math:`x\\cdot D_g` for every group but the first
  (and, with ``interact_controls``, every control interacted too, so that
  all slopes differ by group as in a Chow test; fixed effects are common),
  and the Wald test :math:`H_0: \\theta_g = 0\\;\\forall g`,
  :math:`F = \\hat\\theta'\\hat V^{-1}\\hat\\theta/q` with the clustered
  covariance, referred to F(q, G−1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imtfp.core.vcov import InferenceLimits
from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.models._common import CovType, Effects, as_list, fit_arrays, unique
from imtfp.models.panel import PanelFit, fit_twfe, inference_row
from imtfp.results import Estimates, ResultSet
from imtfp.tidy import tidy_frame

DEFAULT_QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)


def _check_periods(periods: Mapping[str, Sequence[int]]) -> dict[str, tuple[int, int]]:
    out = {}
    for name, span in periods.items():
        if len(span) != 2 or int(span[0]) > int(span[1]):
            raise ConfigError(
                f"period {name!r} must be [start, end] with start <= end, got {span!r}"
            )
        out[str(name)] = (int(span[0]), int(span[1]))
    return out


def split_samples(
    data: pd.DataFrame,
    *,
    y: str,
    x: str | Sequence[str],
    controls: Sequence[str] = (),
    by: str | None = "region",
    periods: Mapping[str, Sequence[int]] | None = None,
    entity: str = "province",
    time: str = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    limits: InferenceLimits | None = None,
) -> ResultSet:
    """The model fitted on each group of ``by`` and on each named period.

    A :class:`~imtfp.results.ResultSet` of :class:`~imtfp.models.panel.PanelFit` named
    ``"<by>=<value>"`` (e.g. ``region=east``) or ``"period=<name>"``. Groups in which the model cannot be estimated (too
    few clusters, absorbed regressors) raise :class:`EstimationError`
    naming the group.
    """
    subsets: list[tuple[str, pd.DataFrame]] = []
    if by is not None:
        if by not in data.columns:
            raise MissingColumnError("heterogeneity", [by], available=list(data.columns))
        from imtfp import provinces  # regions in the NBS order, not alphabetical

        for value in provinces.sort_regions(data[by].dropna().unique()):  # 东部、中部、西部、东北
            subsets.append((f"{by}={value}", data[data[by] == value]))
    for name, (start, end) in _check_periods(periods or {}).items():
        subsets.append((f"period={name}", data[(data[time] >= start) & (data[time] <= end)]))
    if not subsets:
        raise ConfigError("split_samples needs `by` or `periods`")
    fits: dict[str, Estimates] = {}
    for column, sub in subsets:
        try:
            fit = fit_twfe(
                sub,
                y=y,
                x=x,
                controls=controls,
                entity=entity,
                time=time,
                effects=effects,
                cov=cov,
                cluster=cluster,
                what=f"heterogeneity {column}",
                limits=limits,
            )
        except EstimationError as err:
            raise EstimationError(f"heterogeneity group {column}: {err}") from err
        fits[column] = fit
    return ResultSet(fits)


def moderation(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    moderator: str,
    controls: Sequence[str] = (),
    entity: str = "province",
    time: str = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    limits: InferenceLimits | None = None,
) -> ModerationResult:
    """Centred interaction x × moderator and marginal effects of x at moderator quantiles.

    Returns a :class:`ModerationResult`; its terms (and tidy rows): the coefficients (``x``, ``<moderator>_c``, ``<x>_x_<moderator>_c``
    and the controls), then ``me_q10`` … (the marginal effect of ``x`` at
    each quantile of the moderator, estimation sample). The moderator is
    removed from the controls if listed there.
    """
    if moderator == x:
        raise ConfigError("the moderator must differ from x")
    ctrl = [c for c in as_list(controls) if c not in (x, moderator, y)]
    cols = unique([y, x, moderator] + ctrl)
    keys = [entity, time] + ([cluster] if cluster and cluster not in (entity, time) else [])
    missing = [c for c in cols + keys if c not in data.columns]
    if missing:
        raise MissingColumnError("moderation", missing, available=list(data.columns))
    df = data[unique(keys + cols)].dropna().copy()
    mc, inter = f"{moderator}_c", f"{x}_x_{moderator}_c"
    mbar = float(df[moderator].mean())
    df[mc] = df[moderator] - mbar
    df[inter] = df[x] * df[mc]
    fit = fit_twfe(
        df,
        y=y,
        x=[x, mc, inter],
        controls=ctrl,
        entity=entity,
        time=time,
        effects=effects,
        cov=cov,
        cluster=cluster,
        what=f"moderation by {moderator}",
        limits=limits,
    )
    shifts = {
        f"me_q{round(100 * q):02d}": float(np.quantile(df[moderator], q)) - mbar for q in quantiles
    }
    return ModerationResult(fit, x=x, interaction=inter, shifts=shifts)


@dataclass(eq=False)
class ModerationResult(Estimates):
    """A moderation model and the marginal effects of x at moderator quantiles.

    The protocol attributes cover the fit's coefficients followed by the marginal effects
    ``me_qNN`` = :math:`\\beta + \\theta(m_q - \\bar m)` (``shifts`` holds :math:`m_q - \\bar m`),
    with their covariance :math:`AVA'` (each marginal effect a linear combination of β and θ).
    """

    fit: PanelFit = field(repr=False)
    x: str
    interaction: str
    shifts: dict[str, float]

    def _effects(self) -> list[tuple[str, float, float]]:
        """(term, estimate, variance) of each marginal effect."""
        terms, beta, V = fit_arrays(self.fit)
        i, j = terms.index(self.x), terms.index(self.interaction)
        return [
            (name, beta[i] + mq * beta[j], V[i, i] + mq * mq * V[j, j] + 2 * mq * V[i, j])
            for name, mq in self.shifts.items()
        ]

    @property
    def terms(self) -> list[str]:  # type: ignore[override]
        return [*self.fit.terms, *self.shifts]

    @property
    def coef(self) -> np.ndarray:  # type: ignore[override]
        return np.concatenate([self.fit.params.to_numpy(), [e for _, e, _ in self._effects()]])

    @property
    def vcov(self) -> np.ndarray:  # type: ignore[override]
        terms, _, V = fit_arrays(self.fit)
        i, j = terms.index(self.x), terms.index(self.interaction)
        A = np.eye(len(terms))
        for mq in self.shifts.values():
            row = np.zeros(len(terms))
            row[i], row[j] = 1.0, mq
            A = np.vstack([A, row])
        out = A @ V @ A.T
        k = len(terms)
        for n, (_, _, var) in enumerate(self._effects()):
            out[k + n, k + n] = var  # the variance exactly as the tidy rows compute it
        return out

    @property
    def df_inf(self) -> int | None:  # type: ignore[override]
        return self.fit.df_inf

    @property
    def cov_type(self) -> str:  # type: ignore[override]
        return self.fit.cov_type

    @property
    def nobs(self) -> int | None:  # type: ignore[override]
        return self.fit.nobs

    @property
    def n_clusters(self) -> int | None:  # type: ignore[override]
        return self.fit.n_clusters

    @property
    def dep_var(self) -> str:  # type: ignore[override]
        return self.fit.dep_var

    def tidy(self, *, table: str = "", column: str = "", level: float = 0.95) -> pd.DataFrame:
        """The fit's rows, then one row per marginal effect ``me_qNN`` with the fit's facts."""
        out = self.fit.tidy(table=table, column=column, level=level)
        rows = []
        for name, est, var in self._effects():
            row = out.iloc[0].to_dict()
            row.update(
                term=name,
                **inference_row(float(est), float(np.sqrt(var)), self.fit.df_inf, level),
            )
            rows.append(row)
        return pd.concat([out, tidy_frame(rows)], ignore_index=True)


@dataclass
class EqualityTest(Estimates):
    """Wald/Chow test that the coefficient of x is equal across groups.

    The protocol attributes cover the tested differences
    :math:`\\theta_g` (``<x>_x_<group>=<g>``, each group against the base
    group); ``F`` (``df_num``, ``df_den``) and ``p`` are the joint Wald test,
    ``differences`` maps each non-base group to its :math:`\\hat\\theta_g`.
    """

    terms: list[str]
    coef: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    df_inf: int | None
    cov_type: str
    F: float
    df_num: int
    df_den: int | None
    p: float
    groups: list[str]
    dep_var: str = ""
    nobs: int = 0
    n_clusters: int | None = None

    @property
    def differences(self) -> dict[str, float]:
        return {g: float(t) for g, t in zip(self.groups[1:], self.coef, strict=True)}

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        lines[0] = (
            "Model",
            f"equality of slopes across {len(self.groups)} groups (base {self.groups[0]})",
        )
        den = "∞" if self.df_den is None else str(self.df_den)
        lines.append(("Wald F", f"{self.F:.4g} on ({self.df_num}, {den}) df, p = {self.p:.3g}"))
        return lines


def group_equality_test(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    group: str,
    controls: Sequence[str] = (),
    entity: str = "province",
    time: str = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    interact_controls: bool = True,
    limits: InferenceLimits | None = None,
) -> EqualityTest:
    """Wald/Chow test that the coefficient of ``x`` is equal across the groups of ``group``.

    Returns an :class:`EqualityTest`: ``F``, ``df_num``, ``df_den``, ``p``,
    ``groups`` and ``differences`` (each non-base group's estimated
    difference from the base, first sorted, group), with ``params``,
    ``bse``, ``pvalues`` and ``conf_int()`` of those differences.
    """
    if group not in data.columns:
        raise MissingColumnError("equality test", [group], available=list(data.columns))
    ctrl = [c for c in as_list(controls) if c not in (x, y)]
    df = data.dropna(subset=[group]).copy()
    levels = sorted(df[group].unique(), key=str)
    if len(levels) < 2:
        raise EstimationError(f"equality test: {group!r} has fewer than 2 groups")
    tested, extra = [], []
    for g in levels[1:]:
        dg = (df[group] == g).astype(float)
        name = f"{x}_x_{group}={g}"
        df[name] = df[x] * dg
        tested.append(name)
        if interact_controls:
            for c in ctrl:
                cname = f"{c}_x_{group}={g}"
                df[cname] = df[c] * dg
                extra.append(cname)
    fit = fit_twfe(
        df,
        y=y,
        x=[x] + tested,
        controls=ctrl + extra,
        entity=entity,
        time=time,
        effects=effects,
        cov=cov,
        cluster=cluster,
        what=f"equality test across {group}",
        limits=limits,
    )
    terms, beta, V_all = fit_arrays(fit)
    idx = [terms.index(t) for t in tested]
    theta = beta[idx]
    V = V_all[np.ix_(idx, idx)]
    q = len(idx)
    F = float(theta @ np.linalg.solve(V, theta)) / q
    den = fit.df_inf
    from scipy import stats  # lazy: every model job imports this module, this test alone uses it

    p = float(stats.f.sf(F, q, den)) if den is not None else float(stats.chi2.sf(F * q, q))
    return EqualityTest(
        terms=tested,
        coef=theta,
        vcov=V,
        df_inf=den,
        cov_type=fit.cov_type,
        F=F,
        df_num=q,
        df_den=den,
        p=p,
        groups=[str(v) for v in levels],
        dep_var=y,
        nobs=fit.nobs,
        n_clusters=fit.n_clusters,
    )
