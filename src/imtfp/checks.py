"""Plausibility checks of the analysis panel: a stage between panel and measures.

Each check is declared in config (``checks: {name: {kind, severity, ...}}``) and evaluated on the
panel (province × year, one column per indicator). A check lists the province-years that break it;
its status is ``pass`` when it lists none that count, else its declared ``severity`` (``warn`` or
``fail``). :func:`run_checks` returns one row per check and indicator; :func:`raise_on_failure`
stops a run on any ``fail``, naming indicator, provinces and years.

Kinds (parameters in brackets):

``deflator`` [nominal, index, bounds]
    implied GDP deflator growth ``100·(Y_t/Y_{t−1}) / (I_t/100) − 100`` (%) within ``bounds``, where
    ``Y`` is nominal GRP and ``I`` the real index (previous year = 100) of the same vintage.
``shock`` [indicator, year, min_share]
    a common shock shows: in at least ``min_share`` of provinces ``indicator`` (a growth index) dips
    in ``year`` (below the years before and after, e.g. 2020); provinces without the dip are listed.
``sum`` [parts, total, bounds]
    ``100·Σ parts / total`` (%) within ``bounds``: sector value added adds up to GRP.
``breaks`` [thresholds]
    year-on-year change ``|x_t/x_{t−1} − 1|·100`` above the indicator's threshold (%): counting
    breaks, unit slips and source changes.
``leadlag`` [series, against, series_as, against_as, lags, margin]
    alignment in time: the pooled within-province correlation ``r_k = corr(s_t, a_{t+k})`` is
    largest at ``k = 0``; a series shifted by a year peaks at ``k = ±1`` instead.
``range`` [indicators, bounds]
    every value of each indicator within ``bounds`` (e.g. shares in [0, 100]).
``capital_break`` [investment, capital, output, labour, alpha, delta, threshold, max_points, growth_years,
relative]
    a province's TFP growth must not be driven by a break in its investment statistics: each year
    real investment changes by more than ``threshold`` points beyond the year's median change across
    provinces (``relative: false``: its own change beyond ``threshold`` %) is bridged (earlier years rescaled so that
    growth across the seam is the mean growth of the ``growth_years`` next to it, as
    :func:`imtfp.splice.splice_breaks`), the capital stock re-accumulated with ``delta`` from
    the same initial stock, and the province is listed when its mean Solow TFP growth over the
    years with output changes by more than ``max_points`` percentage points a year. Run on the
    industrial chain's frame (:func:`imtfp.tfp.industry.industry_checks`), not on the panel.

Every kind takes ``years`` ([first, last]: the years the check applies to, e.g. the baseline's window
when a named check runs another) and ``accept``: a list of ``{province, year, indicator (optional), reason}`` naming
documented defects (e.g. a counting break the source explains). Such cells are reported in the
``accepted`` column with their reason and do not set the status; for ``shock`` and ``leadlag``,
whose status is a statistic over all provinces, they are only moved to that column.

The checks are hand-written vectorised pandas rather than pandera or pointblank schemas: all but
``range`` are grouped, lagged or correlational panel statistics with a graded status and named
province-year cells, which those libraries express only as opaque custom callables (see
``docs/checks.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from imtfp import provinces
from imtfp.errors import ConfigError, ImtfpError
from imtfp.options import check_option

Severity = Literal["warn", "fail"]
Status = Literal["pass", "warn", "fail"]
Kind = Literal["deflator", "shock", "sum", "breaks", "leadlag", "range", "capital_break"]
Transform = Literal["level", "index", "growth"]

COLUMNS = [
    "check", "kind", "indicator", "status", "severity", "n_cells", "n_tested", "detail", "cells",
    "accepted", "provinces", "years",
]  # fmt: skip
_SHOWN = 12  # cells spelled out in a detail / error message; the lists hold all of them


class PlausibilityError(ImtfpError, ValueError):
    """A plausibility check declared ``fail`` found cells; the message names them."""


def _columns(panel: pd.DataFrame, name: str, cols: Sequence[str]) -> None:
    if missing := [c for c in cols if c not in panel.columns]:
        raise ConfigError(
            f"checks.{name}: {missing} not in the panel (columns: {sorted(panel.columns)})"
        )


def _lagged(panel: pd.DataFrame, col: str) -> pd.Series:
    """The value of ``col`` in the same province one year earlier (NaN where that year is absent)."""
    prev = panel[["province", "year", col]].assign(year=panel["year"] + 1)
    merged = panel[["province", "year"]].merge(prev, on=["province", "year"], how="left")
    return pd.Series(merged[col].to_numpy(dtype=float), index=panel.index)


def _growth(panel: pd.DataFrame, col: str) -> pd.Series:
    """``100·(x_t/x_{t−1} − 1)``; NaN where the previous value is missing or not positive."""
    prev = _lagged(panel, col)
    return 100 * (panel[col].astype(float) / prev.where(prev > 0) - 1)


def _transform(panel: pd.DataFrame, col: str, how: Transform) -> pd.Series:
    if how == "growth":
        return _growth(panel, col)
    values = panel[col].astype(float)
    return values - 100 if how == "index" else values


def _fmt(x: float) -> str:
    return f"{x:.4g}".replace("-", "−")


def _acceptance(name: str, indicator: str, accept: Sequence[Mapping]) -> dict[tuple, str]:
    """``{(province code, year or None): reason}`` of the cells a check accepts for ``indicator``."""
    out = {}
    for entry in accept:
        if entry.get("indicator") not in (None, indicator):
            continue
        try:
            code = provinces.to_code(entry["province"])
        except ValueError as err:
            raise ConfigError(f"checks.{name}.accept: {err}") from None
        year = entry.get("year")
        out[(code, None if year is None else int(year))] = str(entry["reason"])
    return out


def _row(
    name: str,
    kind: str,
    indicator: str,
    spec: Mapping,
    cells: pd.DataFrame,
    n_tested: int,
    detail: str,
    *,
    counts: bool = True,
) -> dict:
    """One result row; ``cells`` has province (code), year and a ``note`` per listed cell.

    Cells the check's ``accept`` list names (documented breaks, with a reason) are moved to the
    ``accepted`` column: they are reported but do not set the status.
    """
    cells = cells.sort_values(["province", "year"], na_position="first")
    accept = _acceptance(name, indicator, spec.get("accept", []))
    keys = [(p, None if pd.isna(y) else int(y)) for p, y in zip(cells["province"], cells["year"])]
    taken = np.array([k in accept for k in keys], dtype=bool)
    accepted = "; ".join(
        f"{provinces.name(p)}{'' if y is None else f' {y}'}: {accept[(p, y)]}"
        for (p, y), t in zip(keys, taken)
        if t
    )
    cells = cells[~taken]
    severity = spec["severity"]
    names = [provinces.name(p) for p in cells["province"]]
    years = [None if pd.isna(y) else int(y) for y in cells["year"]]
    text = [
        f"{n}{'' if y is None else f' {y}'}{f' ({note})' if note else ''}"
        for n, y, note in zip(names, years, cells["note"])
    ]
    shown = "; ".join(text[:_SHOWN]) + (
        f"; … and {len(text) - _SHOWN} more" if len(text) > _SHOWN else ""
    )
    status = severity if counts and len(cells) else "pass"
    return {
        "check": name, "kind": kind, "indicator": indicator, "status": status, "severity": severity,
        "n_cells": len(cells), "n_tested": int(n_tested), "detail": detail, "cells": shown,
        "accepted": accepted, "provinces": names, "years": years,
    }  # fmt: skip


def _outside(
    panel: pd.DataFrame, values: pd.Series, bounds: Sequence[float], unit: str
) -> pd.DataFrame:
    lo, hi = bounds
    bad = values.notna() & ~values.between(lo, hi)
    out = panel.loc[bad, ["province", "year"]]
    return out.assign(note=[f"{_fmt(v)}{unit}" for v in values[bad]])


def check_deflator(panel: pd.DataFrame, name: str, spec: Mapping) -> list[dict]:
    """Implied deflator growth ``100·(Y_t/Y_{t−1})/(I_t/100) − 100`` (%) within ``bounds``."""
    nominal, index, bounds = (
        spec.get("nominal", "gdp"),
        spec.get("index", "gdp_index"),
        spec["bounds"],
    )
    _columns(panel, name, [nominal, index])
    ratio = panel[nominal].astype(float) / _lagged(panel, nominal)
    deflator = 100 * ratio / (panel[index].astype(float) / 100) - 100
    cells = _outside(panel, deflator, bounds, " %")
    detail = (
        f"implied deflator growth 100·({nominal}_t/{nominal}_t−1)/({index}_t/100) − 100 outside "
        f"[{_fmt(bounds[0])}, {_fmt(bounds[1])}] % in {len(cells)} of {deflator.notna().sum()} "
        f"province-years; median by year: "
        + ", ".join(
            f"{y}: {_fmt(v)}" for y, v in deflator.groupby(panel["year"]).median().dropna().items()
        )
    )
    return [_row(name, "deflator", index, spec, cells, deflator.notna().sum(), detail)]


def check_shock(panel: pd.DataFrame, name: str, spec: Mapping) -> list[dict]:
    """At least ``min_share`` of provinces show a dip in ``year``: ``x_year < x_{year±1}``.

    A dip is a value below both neighbouring years (below the previous one where the next is not
    observed). A growth index shifted by a year dips a year late and fails this.
    """
    col, year, min_share = spec["indicator"], int(spec["year"]), float(spec.get("min_share", 0.8))
    _columns(panel, name, [col])
    wide = panel.pivot(index="province", columns="year", values=col)
    if year not in wide.columns or year - 1 not in wide.columns:
        # a sample that does not span the shock year (a named check's window) cannot show it: report
        # the check as not tested rather than stopping the run
        none = pd.DataFrame({"province": [], "year": [], "note": []})
        detail = f"not tested: the panel's years do not include {year - 1} and {year}"
        return [_row(name, "shock", col, spec, none, 0, detail, counts=False)]
    at, before = wide[year], wide[year - 1]
    after = wide[year + 1] if year + 1 in wide.columns else pd.Series(np.inf, index=wide.index)
    tested = at.notna() & before.notna()
    dip = tested & (at < before) & (at < after.fillna(np.inf))
    none = wide.index[tested & ~dip]
    share = float(dip.sum() / tested.sum()) if tested.any() else 0.0
    notes = [
        f"{year - 1}–{year + 1}: "
        + " → ".join(_fmt(wide.at[p, y]) for y in (year - 1, year, year + 1) if y in wide)
        for p in none
    ]
    cells = pd.DataFrame({"province": none, "year": year, "note": notes})
    detail = (
        f"{int(dip.sum())} of {int(tested.sum())} provinces ({100 * share:.0f} %) have {col} in {year} "
        f"below {year - 1} and {year + 1} (at least {100 * min_share:.0f} % expected); listed: provinces "
        "without the dip"
    )
    row = _row(name, "shock", col, spec, cells, tested.sum(), detail, counts=share < min_share)
    return [row]


def check_sum(panel: pd.DataFrame, name: str, spec: Mapping) -> list[dict]:
    """``100·Σ parts / total`` (%) within ``bounds``."""
    parts, total, bounds = list(spec["parts"]), spec.get("total", "gdp"), spec["bounds"]
    _columns(panel, name, [*parts, total])
    ratio = (
        100
        * panel[parts].astype(float).sum(axis=1, min_count=len(parts))
        / panel[total].astype(float)
    )
    cells = _outside(panel, ratio, bounds, " %")
    detail = (
        f"100·({' + '.join(parts)})/{total} outside [{_fmt(bounds[0])}, {_fmt(bounds[1])}] % in "
        f"{len(cells)} of {ratio.notna().sum()} province-years"
    )
    return [_row(name, "sum", total, spec, cells, ratio.notna().sum(), detail)]


def check_breaks(panel: pd.DataFrame, name: str, spec: Mapping) -> list[dict]:
    """Year-on-year change ``|x_t/x_{t−1} − 1|·100`` above each indicator's threshold (%)."""
    thresholds = dict(spec["thresholds"])
    _columns(panel, name, list(thresholds))
    rows = []
    for col, threshold in thresholds.items():
        change = _growth(panel, col)
        cells = _outside(panel, change, (-threshold, threshold), " %")
        per_year = cells.groupby("year").size()
        detail = (
            f"|{col}_t/{col}_t−1 − 1| > {_fmt(threshold)} % in {len(cells)} of {change.notna().sum()} "
            "year pairs"
            + (
                f"; by year: {', '.join(f'{y}: {n}' for y, n in per_year.items())}"
                if len(cells)
                else ""
            )
        )
        rows.append(_row(name, "breaks", col, spec, cells, change.notna().sum(), detail))
    return rows


def _lag_correlations(
    panel: pd.DataFrame, s: pd.Series, a: pd.Series, lags: int
) -> dict[int, float]:
    """Pooled correlation of province-demeaned ``s_t`` and ``a_{t+k}`` for ``k = −lags..lags``."""
    frame = panel[["province", "year"]].assign(s=s.to_numpy(), a=a.to_numpy())
    out = {}
    for k in range(-lags, lags + 1):
        ahead = frame[["province", "year", "a"]].assign(year=frame["year"] - k)
        pair = frame[["province", "year", "s"]].merge(ahead, on=["province", "year"]).dropna()
        pair[["s", "a"]] = pair[["s", "a"]] - pair.groupby("province")[["s", "a"]].transform("mean")
        out[k] = float(pair["s"].corr(pair["a"])) if len(pair) > 2 else float("nan")
    return out


def check_leadlag(panel: pd.DataFrame, name: str, spec: Mapping) -> list[dict]:
    """``r_0 ≥ max_{k≠0} r_k − margin`` for ``r_k = corr(s_t, a_{t+k})`` pooled within provinces.

    A series that lags the truth by a year (``s_t`` = true value of ``t − 1``) peaks at ``k = −1``.
    Provinces whose own best lag is not 0 are listed (their year is blank).
    """
    series, against = spec["series"], spec["against"]
    how_s, how_a = spec.get("series_as", "index"), spec.get("against_as", "growth")
    for how, key in ((how_s, "series_as"), (how_a, "against_as")):
        check_option(how, Transform, f"checks.{name}.{key}")
    lags, margin = int(spec.get("lags", 1)), float(spec.get("margin", 0.0))
    _columns(panel, name, [series, against])
    s, a = _transform(panel, series, how_s), _transform(panel, against, how_a)
    r = _lag_correlations(panel, s, a, lags)
    best_other = max((k for k in r if k != 0), key=lambda k: r[k] if np.isfinite(r[k]) else -np.inf)
    shifted = not np.isfinite(r[0]) or r[best_other] > r[0] + margin
    own = []
    for code, idx in panel.groupby("province").groups.items():
        rp = _lag_correlations(panel.loc[idx], s.loc[idx], a.loc[idx], lags)
        finite = {k: v for k, v in rp.items() if np.isfinite(v)}
        if finite and max(finite, key=finite.get) != 0:
            k = max(finite, key=finite.get)
            own.append(
                (code, np.nan, f"best lag {k:+d}: r = {_fmt(finite[k])} vs {_fmt(rp[0])} at 0")
            )
    cells = pd.DataFrame(own, columns=["province", "year", "note"])
    n = int((s.notna() & a.notna()).sum())
    detail = (
        f"corr({series} [{how_s}]_t, {against} [{how_a}]_t+k), within provinces: "
        + ", ".join(f"k={k:+d}: {_fmt(v)}" for k, v in r.items())
        + (f"; peaks at k={best_other:+d}, not 0: {series} is shifted by {abs(best_other)} year(s)" if shifted
           else "; peaks at k=0 (aligned)")
        + f"; {len(own)} provinces peak elsewhere on their own"
    )  # fmt: skip
    return [_row(name, "leadlag", series, spec, cells, n, detail, counts=shifted)]


def check_range(panel: pd.DataFrame, name: str, spec: Mapping) -> list[dict]:
    """Every value of each indicator within ``bounds``."""
    bounds = spec.get("bounds", [0, 100])
    _columns(panel, name, list(spec["indicators"]))
    rows = []
    for col in spec["indicators"]:
        values = panel[col].astype(float)
        cells = _outside(panel, values, bounds, "")
        detail = f"{col} outside [{_fmt(bounds[0])}, {_fmt(bounds[1])}] in {len(cells)} of {values.notna().sum()} cells"
        rows.append(_row(name, "range", col, spec, cells, values.notna().sum(), detail))
    return rows


def _bridged_investment(invest: pd.Series, year: int, n: int) -> pd.Series | None:
    """Investment with the break at ``year`` bridged (after-side growth, else before-side); None
    when neither side has ``n`` years."""
    years = set(invest.index)
    if {year - 1, year, year + n} <= years:
        g = (invest[year + n] / invest[year]) ** (1 / n)
    elif {year - 1 - n, year - 1, year} <= years:
        g = (invest[year - 1] / invest[year - 1 - n]) ** (1 / n)
    else:
        return None
    f = invest[year] / (invest[year - 1] * g)
    return invest.where(invest.index >= year, invest * f)


def _mean_tfp_growth(capital: np.ndarray, g: pd.DataFrame) -> float:
    """Mean of Δln Y − α Δln K − (1 − α) Δln L over consecutive years that have output."""
    ln_a = (
        np.log(g["_y"].to_numpy(float))
        - g["_a"].to_numpy(float) * np.log(capital)
        - (1 - g["_a"].to_numpy(float)) * np.log(g["_l"].to_numpy(float))
    )
    d = np.diff(ln_a)
    ok = np.isfinite(d) & (np.diff(g["year"].to_numpy()) == 1)
    return float(d[ok].mean()) if ok.any() else float("nan")


def check_capital_break(frame: pd.DataFrame, name: str, spec: Mapping) -> list[dict]:
    """Provinces whose mean TFP growth moves by more than ``max_points`` when an investment break
    (|Δ real investment| > ``threshold`` %) is bridged and capital re-accumulated (module doc)."""
    cols = {k: spec.get(k, d) for k, d in (("investment", "real_invest"), ("capital", "capital_industry"),
            ("output", "va_real_industry"), ("labour", "labour_industry"), ("alpha", "alpha_industry"))}  # fmt: skip
    _columns(frame, name, list(cols.values()))
    delta, threshold = float(spec["delta"]), float(spec.get("threshold", 40))
    max_points, n = float(spec.get("max_points", 0.5)), int(spec.get("growth_years", 2))
    change = _growth(frame, cols["investment"])
    # a common shock (the 2009 stimulus) is absorbed by year effects; a statistical break is the
    # province's own: its change is measured against the year's median change across provinces
    relative = bool(spec.get("relative", True))
    if relative:
        change = change - change.groupby(frame["year"]).transform("median")
    unit = " points from the year's median" if relative else " %"
    hit = change.abs() > threshold
    found = frame.loc[hit, ["province", "year"]].assign(change=change[hit])
    listed, tested = [], 0
    for code, year, chg in found.itertuples(index=False):
        g = frame[frame["province"] == code].sort_values("year")
        invest = pd.Series(g[cols["investment"]].to_numpy(float), index=g["year"].to_numpy())
        bridged = _bridged_investment(invest, int(year), n)
        if bridged is None:
            continue
        tested += 1
        k = np.empty(len(g))
        k[0] = g[cols["capital"]].iloc[0]
        for t in range(1, len(g)):
            k[t] = (1 - delta) * k[t - 1] + bridged.iloc[t]
        window = g.assign(_y=g[cols["output"]], _l=g[cols["labour"]], _a=g[cols["alpha"]])
        has = window["_y"].notna().to_numpy()
        actual = _mean_tfp_growth(window[cols["capital"]].to_numpy(float)[has], window[has])
        without = _mean_tfp_growth(k[has], window[has])
        shift = 100 * (actual - without)
        if abs(shift) > max_points:
            note = (f"real investment {_fmt(chg)}{unit}; mean TFP growth {_fmt(100 * actual)} %/yr, "
                    f"{_fmt(100 * without)} %/yr with the break bridged")  # fmt: skip
            listed.append((code, int(year), note))
    cells = pd.DataFrame(listed, columns=["province", "year", "note"])
    detail = (
        f"{len(found)} year(s) with |Δ {cols['investment']}| beyond {_fmt(threshold)} %"
        + (" of the year's median" if relative else "")
        + f", {tested} testable; "
        f"{len(cells)} move a province's mean TFP growth by more than {_fmt(max_points)} points a year "
        f"when bridged (δ = {_fmt(delta)})"
    )
    return [_row(name, "capital_break", cols["investment"], spec, cells, tested, detail)]


CHECKS: dict[str, Callable[[pd.DataFrame, str, Mapping], list[dict]]] = {
    "deflator": check_deflator,
    "shock": check_shock,
    "sum": check_sum,
    "breaks": check_breaks,
    "leadlag": check_leadlag,
    "range": check_range,
    "capital_break": check_capital_break,
}


def observed_only(panel: pd.DataFrame, imputed: pd.DataFrame) -> pd.DataFrame:
    """The panel with every imputed cell (``panel/imputed``: province, year, indicator) blanked.

    The checks judge the statistics as published: a value carried back or interpolated by the
    missing-value policy is listed in the quality report as imputed, not tested as if observed
    (a carried-back sector share would otherwise fail the sum check in every filled year).
    """
    out = panel.copy()
    for indicator, cells in imputed.groupby("indicator"):
        if indicator in out:
            hit = out.set_index(["province", "year"]).index.isin(
                pd.MultiIndex.from_frame(cells[["province", "year"]])
            )
            out.loc[hit, indicator] = np.nan
    return out


def run_checks(
    panel: pd.DataFrame, spec: Mapping[str, Mapping], *, imputed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Evaluate the declared plausibility checks on the panel.

    Parameters
    ----------
    panel : province (GB/T 2260 code), year and one column per indicator.
    spec : the config's ``checks`` section, ``{name: {kind, severity, parameters…}}`` (module doc).
    imputed : the panel stage's imputed cells; when given they are left out of every check
        (:func:`observed_only`).

    Returns
    -------
    One row per check and indicator, in declaration order: ``check``, ``kind``, ``indicator``,
    ``status`` (pass/warn/fail), ``severity``, ``n_cells`` (cells listed), ``n_tested`` (cells or
    pairs evaluated), ``detail``, ``cells`` (the first listed cells, with province names),
    ``accepted`` (cells the check's ``accept`` list names, with the reason), and the full lists
    ``provinces`` (names) and ``years`` (None where a cell is a whole province) of the listed cells.
    """
    rows: list[dict] = []
    if imputed is not None:
        panel = observed_only(panel, imputed)
    panel = panel.sort_values(["province", "year"]).reset_index(drop=True)
    for name, check in (spec or {}).items():
        check_option(check.get("kind"), Kind, f"checks.{name}.kind")
        check_option(check.get("severity"), Severity, f"checks.{name}.severity")
        years = check.get("years")
        part = panel[panel["year"].between(*years)].reset_index(drop=True) if years else panel
        rows += CHECKS[check["kind"]](part, name, check)
    return pd.DataFrame(rows, columns=COLUMNS).astype({"n_cells": "int64", "n_tested": "int64"})


def log_results(results: pd.DataFrame, log) -> None:
    """One line a check in a job's log: a warning unless it passed (the run summary collects them)."""
    for row in results.itertuples(index=False):
        (log.warning if row.status != "pass" else log.info)(
            "%s %s on %s: %d cells. %s %s",
            row.status, row.check, row.indicator, row.n_cells, row.detail, row.cells,
        )  # fmt: skip


def raise_on_failure(results: pd.DataFrame) -> None:
    """Raise :class:`PlausibilityError` naming check, indicator, provinces and years of every ``fail``."""
    failed = results[results["status"] == "fail"]
    if failed.empty:
        return
    lines = [
        f"- {r.check} ({r.kind}) on {r.indicator}: {r.n_cells} cells: {r.cells}. {r.detail}"
        for r in failed.itertuples(index=False)
    ]
    raise PlausibilityError(f"{len(failed)} plausibility check(s) failed:\n" + "\n".join(lines))
