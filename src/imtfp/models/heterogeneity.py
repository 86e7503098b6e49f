"""Heterogeneity and moderation: split samples, centred interactions, equality tests.

* Split samples: the baseline model fitted separately by region (east,
  central, west, northeast: the panel's ``region`` column) and by named
  periods ``{name: [start, end]}`` (inclusive years). A subgroup with fewer
  than ``models.min_clusters`` clusters is never estimated — its clustered
  (and wild) inference would rest on a handful of clusters — whatever
  ``models.few_clusters`` says: the config merges it into a named group
  (``heterogeneity.merge: {northeast: central}``; the merged group keeps the
  target's name and its rows say ``merged_from``), or the stage refuses.
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
  covariance. Its p-value comes from the restricted wild cluster bootstrap
  (WCR, Webb weights): one restriction by
  :func:`imtfp.core.wild.wild_cluster_bootstrap`, several by the joint
  version :func:`wild_wald_p` (same weights, same restricted DGP, the Wald
  statistic recomputed with each draw's clustered covariance); F(q, G−1) is
  kept as ``p_analytic``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.core.fe import demean, group_codes
from imtfp.core.vcov import DEFAULT_LIMITS, InferenceLimits, check_clusters, group_sums
from imtfp.core.wild import WildWeights, bootstrap_weights, wild_cluster_bootstrap
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


def merge_groups(values: pd.Series, merge: Mapping[str, str] | None) -> tuple[pd.Series, dict]:
    """``values`` with each key of ``merge`` replaced by its target; {target: [merged keys]}.

    Keys and targets must be values of the column and a key may not also be a target (no
    chains), else :class:`ConfigError` naming them.
    """
    merge = {str(k): str(v) for k, v in (merge or {}).items()}
    if not merge:
        return values, {}
    present = set(values.dropna().astype(str))
    unknown = sorted((set(merge) | set(merge.values())) - present)
    if unknown:
        raise ConfigError(
            f"heterogeneity.merge names groups the data do not have: {unknown}; groups: {sorted(present)}"
        )
    chained = sorted(set(merge) & set(merge.values()))
    if chained:
        raise ConfigError(
            f"heterogeneity.merge: {chained} are merged and merged into; merge each once"
        )
    out = values.where(values.isna(), values.astype(str).replace(merge))
    into: dict[str, list[str]] = {}
    for key, target in merge.items():
        into.setdefault(target, []).append(key)
    return out, into


def _refuse_small_groups(
    groups: Sequence[tuple[str, pd.DataFrame]],
    cols: Sequence[str],
    cluster: str,
    what: str,
    limits: InferenceLimits | None,
) -> dict[str, int]:
    """Clusters of every group's complete cases; refuse any group below ``models.min_clusters``."""
    minimum = (limits or DEFAULT_LIMITS).min_clusters
    counts, small = {}, []
    for name, sub in groups:
        used = sub.dropna(subset=[c for c in cols if c in sub])
        counts[name] = int(used[cluster].nunique()) if cluster in used else 0
        if counts[name] < minimum:
            small.append(f"{name} ({counts[name]} clusters)")
    if small:
        raise EstimationError(
            f"{what}: {', '.join(small)} below models.min_clusters = {minimum}; a subgroup on so few "
            "clusters is not estimated — merge it into another in heterogeneity.merge "
            "(e.g. {northeast: central})"
        )
    return counts


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
    merge: Mapping[str, str] | None = None,
    limits: InferenceLimits | None = None,
) -> ResultSet:
    """The model fitted on each group of ``by`` and on each named period.

    A :class:`~imtfp.results.ResultSet` of :class:`~imtfp.models.panel.PanelFit` named
    ``"<by>=<value>"`` (e.g. ``region=east``) or ``"period=<name>"``; ``merge``
    (:func:`merge_groups`) folds groups of ``by`` into others first, and the set's
    ``merged_from`` maps each member to the groups folded into it (comma-separated; empty
    otherwise). Every group has at least
    ``models.min_clusters`` clusters or :class:`EstimationError` names those
    that do not, before anything is fitted; groups in which the model cannot
    be estimated (absorbed regressors) raise it naming the group.
    """
    subsets: list[tuple[str, pd.DataFrame]] = []
    merged_from: dict[str, str] = {}
    if by is not None:
        if by not in data.columns:
            raise MissingColumnError("heterogeneity", [by], available=list(data.columns))
        from imtfp import provinces  # regions in the NBS order, not alphabetical

        values, into = merge_groups(data[by], merge)
        for value in provinces.sort_regions(values.dropna().unique()):  # 东部、中部、西部、东北
            subsets.append((f"{by}={value}", data[values == value]))
            merged_from[f"{by}={value}"] = ",".join(into.get(str(value), []))
    for name, (start, end) in _check_periods(periods or {}).items():
        subsets.append((f"period={name}", data[(data[time] >= start) & (data[time] <= end)]))
    if not subsets:
        raise ConfigError("split_samples needs `by` or `periods`")
    cl = cluster or entity
    _refuse_small_groups(subsets, [y, *as_list(x), *controls], cl, "heterogeneity", limits)
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
    out = ResultSet(fits)
    out.merged_from = {c: merged_from.get(c, "") for c in fits}
    return out


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
    group); ``F`` (``df_num``, ``df_den``) is the joint Wald statistic, ``p`` its
    wild cluster bootstrap p-value (``p_analytic`` from F(q, G − 1), which ``p``
    equals when ``bootstrap`` is 0), ``differences`` maps each non-base group to
    its :math:`\\hat\\theta_g`, ``merged`` the groups folded into others.
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
    p_analytic: float = np.nan
    bootstrap: int = 0
    weights: str = ""
    merged: Mapping[str, list[str]] = field(default_factory=dict)
    group_clusters: Mapping[str, int] = field(default_factory=dict)

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
        how = f"wild bootstrap ({self.weights}, B={self.bootstrap})" if self.bootstrap else "F"
        lines.append(
            ("Wald F", f"{self.F:.4g} on ({self.df_num}, {den}) df, p = {self.p:.3g} ({how})")
        )
        return lines


def wild_wald_p(
    X: np.ndarray,
    y: np.ndarray,
    clusters: Sequence | np.ndarray,
    *,
    params: Sequence[int],
    absorb: Sequence[np.ndarray] = (),
    bootstrap: int = 9999,
    weights: WildWeights = "webb",
    seed: int,
    limits: InferenceLimits | None = None,
) -> float:
    """Restricted wild cluster bootstrap p of the joint :math:`H_0: \\beta_j = 0,\\ j \\in` ``params``.

    The DGP imposes the null (:math:`\\tilde y, \\tilde u` from the model without the tested
    columns), draws :math:`y^*_b = \\tilde y + \\tilde u \\odot v_{g(i)b}` with the weights of
    :func:`imtfp.core.wild.bootstrap_weights` (the same draws as
    :func:`~imtfp.core.wild.wild_cluster_bootstrap` for that seed), refits, and compares
    :math:`W^*_b = \\hat\\theta^{*\\prime}_b \\hat V^{*-1}_b \\hat\\theta^*_b` (clustered covariance
    of each draw) with the sample :math:`W`: :math:`p = \\Pr^*(W^* > W)`. As in ``core.wild`` all
    draws are linear in the weights: with :math:`\\xi = \\tilde X A R'` and
    :math:`Q = M_D(\\tilde u \\odot C) - \\tilde X A \\tilde X'(\\tilde u\\odot C)`,
    :math:`\\theta^*_b = T v_b`, :math:`T_{\\cdot g} = \\sum_{i\\in g}\\xi_i\\tilde u_i`, and the
    cluster scores are :math:`S v_b`, :math:`S_{g\\cdot h} = \\sum_{i\\in g}\\xi_i Q_{ih}`. With one
    restriction :math:`W = t^2` and the p-value is ``wild_cluster_bootstrap``'s symmetric one.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    codes = group_codes(clusters)
    G = int(codes.max()) + 1
    check_clusters(G, what="the wild cluster bootstrap", limits=limits)
    absorb = list(absorb)
    Xt = demean(X, absorb) if absorb else X
    yt = demean(y, absorb) if absorb else y
    A = np.linalg.inv(Xt.T @ Xt)
    params = list(params)
    xi = Xt @ A[:, params]  # (n, q)
    others = np.delete(Xt, params, axis=1)
    u_r = yt - others @ np.linalg.lstsq(others, yt, rcond=None)[0] if others.shape[1] else yt
    u = yt - Xt @ (A @ (Xt.T @ yt))
    theta = xi.T @ yt

    def meat(scores: np.ndarray) -> np.ndarray:
        return scores.T @ scores  # the small-sample factor cancels between W and W*

    V_hat = meat(group_sums(xi * u[:, None], codes, G))
    W = float(theta @ np.linalg.solve(V_hat, theta))
    onehot = np.zeros((len(codes), G))
    onehot[np.arange(len(codes)), codes] = 1.0
    uc = onehot * u_r[:, None]
    Q = (demean(uc, absorb) if absorb else uc) - Xt @ (A @ (Xt.T @ uc))
    T = group_sums(xi * u_r[:, None], codes, G).T  # (q, G)
    S = group_sums(xi[:, :, None] * Q[:, None, :], codes, G)  # (G, q, G)
    v = bootstrap_weights(G, bootstrap, weights, np.random.default_rng(seed))  # (G, B)
    th = T @ v  # (q, B)
    sc = np.einsum("gqh,hb->bgq", S, v)  # (B, G, q)
    Vb = np.einsum("bgq,bgr->bqr", sc, sc)
    Wb = np.einsum("qb,bq->b", th, np.linalg.solve(Vb, th.T[..., None])[..., 0])
    return float(np.mean(Wb > W))


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
    merge: Mapping[str, str] | None = None,
    bootstrap: int = 9999,
    weights: WildWeights = "webb",
    seed: int | None = None,
    limits: InferenceLimits | None = None,
) -> EqualityTest:
    """Wald/Chow test that the coefficient of ``x`` is equal across the groups of ``group``.

    Returns an :class:`EqualityTest`: ``F``, ``df_num``, ``df_den``, ``p`` (wild cluster
    bootstrap with ``bootstrap`` draws of ``weights`` and ``seed``; F(q, G − 1) when
    ``bootstrap`` is 0), ``p_analytic``, ``groups`` (after ``merge``, see :func:`merge_groups`)
    and ``differences`` (each non-base group's estimated difference from the base, first
    sorted, group), with ``params``, ``bse``, ``pvalues`` and ``conf_int()`` of those
    differences. Groups below ``models.min_clusters`` clusters are refused, as in
    :func:`split_samples`.
    """
    if group not in data.columns:
        raise MissingColumnError("equality test", [group], available=list(data.columns))
    if bootstrap and seed is None:
        raise ConfigError("the wild bootstrap of the equality test needs a seed")
    ctrl = [c for c in as_list(controls) if c not in (x, y)]
    df = data.dropna(subset=[group]).copy()
    df[group], into = merge_groups(df[group], merge)
    levels = sorted(df[group].unique(), key=str)
    if len(levels) < 2:
        raise EstimationError(f"equality test: {group!r} has fewer than 2 groups")
    counts = _refuse_small_groups([(f"{group}={g}", df[df[group] == g]) for g in levels],
                                  [y, x, *ctrl], cluster or entity, "equality test", limits)  # fmt: skip
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
    p_f = float(special.fdtrc(q, den, F)) if den is not None else float(special.chdtrc(q, F * q))
    p = p_f
    if bootstrap:
        s = fit.panel
        X = np.column_stack([s.column(r) for r in terms])
        if not fit.groups:
            X = np.column_stack([X, np.ones(len(X))])
        if q == 1:
            p = wild_cluster_bootstrap(X, s.column(y), s.cluster, param=idx[0], bootstrap=bootstrap,
                                       weights=weights, seed=seed, absorb=fit.groups,
                                       level=None, limits=limits).p_value  # fmt: skip
        else:
            p = wild_wald_p(X, s.column(y), s.cluster, params=idx, absorb=fit.groups,
                            bootstrap=bootstrap, weights=weights, seed=seed,
                            limits=limits)  # fmt: skip
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
        p_analytic=p_f,
        bootstrap=int(bootstrap),
        weights=str(weights) if bootstrap else "",
        merged=into,
        group_clusters=counts,
    )
