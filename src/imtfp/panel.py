"""From warehouse observations to the analysis panel (province × year), in DuckDB SQL.

Steps: pivot the long observations (one column per indicator code), lay the
full province × year grid of the analysis window, fill gaps by the declared
missing-value policy (each filled cell recorded in ``imputed``), then compute
the derived variables declared in config: arithmetic expressions parsed into an allow-listed AST
and evaluated in numpy (:mod:`imtfp.expressions`); no text of the config reaches SQL.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp import expressions, provinces
from imtfp.database import connect
from imtfp.errors import ConfigError
from imtfp.options import MissingPolicy, check_option
from imtfp.splice import splice_panel
from imtfp.vintages import check_vintages


def pivot(observations: pd.DataFrame) -> pd.DataFrame:
    """Wide table of all observations: province, year, one column per indicator (DuckDB PIVOT)."""
    with connect() as con:
        con.register("obs", observations[["province", "year", "indicator", "value"]])
        wide = con.execute(
            "PIVOT obs ON indicator USING first(value) GROUP BY province, year ORDER BY province, year"
        ).df()
    cols = ["province", "year"] + sorted(c for c in wide.columns if c not in ("province", "year"))
    return wide[cols].astype({"province": "str", "year": "int64"})


def _grid(wide: pd.DataFrame, years: tuple[int, int], drop: list[str]) -> pd.DataFrame:
    codes = [c for c in provinces.codes() if c not in drop]
    grid = pd.MultiIndex.from_product(
        [codes, range(years[0], years[1] + 1)], names=["province", "year"]
    )
    return wide.set_index(["province", "year"]).reindex(grid).reset_index()


def fill_missing(
    panel: pd.DataFrame, columns: list[str], policy: MissingPolicy
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill gaps within each province; return the filled panel and one row per filled cell.

    ``interpolate``: linear in year between observed neighbours, and the
    nearest observed value beyond the first/last observation (recorded as
    ``carry``). ``carry``: last observation carried forward, then the first
    carried backward. ``none``: nothing filled. A series with no observation
    at all for a province stays missing.
    """
    check_option(policy, MissingPolicy, "panel.missing")
    panel = panel.sort_values(["province", "year"]).reset_index(drop=True)
    records = []
    if policy == "none":
        return panel, pd.DataFrame(columns=["province", "year", "indicator", "method", "value"])
    for col in columns:
        before = panel[col]
        grouped = panel.groupby("province", sort=False)[col]
        if policy == "interpolate":
            inner = grouped.transform(lambda s: s.interpolate(method="linear", limit_area="inside"))
            filled = inner.groupby(panel["province"], sort=False).transform(
                lambda s: s.ffill().bfill()
            )
            method = np.where(inner.notna() & before.isna(), "interpolate", "carry")
        else:
            filled = grouped.transform(lambda s: s.ffill().bfill())
            method = np.full(len(panel), "carry")
        new = before.isna() & filled.notna()
        for i in np.flatnonzero(new.to_numpy()):
            records.append(
                (
                    panel.at[i, "province"],
                    int(panel.at[i, "year"]),
                    col,
                    method[i],
                    float(filled.iat[i]),
                )
            )
        panel[col] = filled
    imputed = pd.DataFrame(records, columns=["province", "year", "indicator", "method", "value"])
    return panel, imputed.sort_values(["indicator", "province", "year"]).reset_index(drop=True)


def derive(panel: pd.DataFrame, derived: Mapping[str, str]) -> pd.DataFrame:
    """Add derived variables, each an expression over earlier columns (in declaration order).

    Expressions follow :mod:`imtfp.expressions` (arithmetic, numbers, indicator codes, ``ln``,
    ``exp``, ``sqrt``, ``abs``, ``coalesce``, ``greatest``/``least``, ``lag``/``lead`` by
    province …). A name may not shadow a function, an SQL keyword or a key column.
    """
    out = panel
    for name, expr in derived.items():
        key = f"panel.derived.{name}"
        expressions.check_name(name, key=key)
        col = expressions.evaluate(expr, out, key=key)
        out = out.assign(**{name: col})
    return out


#: Largest share of an indicator's cells in the window that may be filled beyond its observed span
#: (config ``panel.max_extrapolated_share``); above it the run fails naming the indicators.
DEFAULT_MAX_EXTRAPOLATED_SHARE = 0.2


def keep_indicators(series: pd.DataFrame, names) -> pd.DataFrame:
    """Only the warehouse series ``panel.indicators`` names (``None``: every series).

    A study window where many series are not published (e.g. 2008–2017 before the digital core
    starts in 2016) would otherwise carry each of them back over the whole window, fill the
    imputed-cells list with series no model uses and trip ``panel.max_extrapolated_share``.
    """
    if names is None:
        return series
    absent = [n for n in names if n not in series.columns]
    if absent:
        raise ConfigError(
            f"config key 'panel.indicators': {absent} are not series of the warehouse "
            "(catalog codes the dataset's manifest maps)"
        )
    return series[["province", "year", *dict.fromkeys(names)]]


def _drop_codes(names) -> list[str]:
    codes = []
    for i, name in enumerate(names):
        try:
            codes.append(provinces.to_code(str(name)))
        except ValueError:
            raise ConfigError(
                f"config key 'panel.drop_provinces[{i}]': {name!r} is not a province"
            ) from None
    return codes


def _window(years, series: pd.DataFrame) -> tuple[int, int]:
    """``panel.years`` as (first, last): ordered and overlapping the observed years."""
    first, last = int(years[0]), int(years[1])
    if first > last:
        raise ConfigError(f"config key 'panel.years': first year {first} is after last year {last}")
    if series.empty:
        raise ConfigError("the warehouse holds no observations: nothing to build a panel from")
    lo, hi = int(series["year"].min()), int(series["year"].max())
    if last < lo or first > hi:
        raise ConfigError(
            f"config key 'panel.years': [{first}, {last}] does not overlap the data (observed years {lo}–{hi})"
        )
    return first, last


def check_extrapolation(
    imputed: pd.DataFrame, *, cells: pd.Series, max_share: float, allowed=()
) -> None:
    """Fail when more than ``max_share`` of an indicator's filled window cells lie beyond its observed span.

    ``cells`` counts, per indicator, the non-missing cells of the window after filling. Cells of
    method ``carry`` (the nearest observation carried past the first or last one) are not data.
    Indicators listed in ``allowed`` (config ``panel.extrapolation_allowed``) are exempt.
    """
    if imputed.empty:
        return
    carried = imputed[(imputed["method"] == "carry") & ~imputed["indicator"].isin(list(allowed))]
    counts = carried.groupby("indicator").size()
    share = counts / cells.reindex(counts.index).clip(lower=1)
    over = share[share > max_share].sort_values(ascending=False)
    if len(over):
        listed = ", ".join(f"{ind} ({s:.0%})" for ind, s in over.items())
        raise ConfigError(
            f"config key 'panel.years' / 'panel.missing': more than {max_share:.0%} of the cells of "
            f"{listed} would be filled beyond the years they are observed in. Narrow panel.years, "
            "set panel.missing, raise panel.max_extrapolated_share, or list the indicators in "
            "panel.extrapolation_allowed"
        )


def build_panel(observations: pd.DataFrame, spec: Mapping) -> dict[str, pd.DataFrame]:
    """The analysis panel and its companions.

    Parameters
    ----------
    observations : warehouse ``observations`` (province, year, indicator, value, …).
    spec : the config's ``panel`` section: ``years`` [first, last], ``missing``
        policy, ``derived`` {name: expression}, ``drop_provinces`` [codes or names],
        ``indicators`` (the warehouse series to keep, :func:`keep_indicators`; default all),
        ``splice`` {series: [breaks]} (:func:`imtfp.splice.splice_panel`, before deriving),
        ``vintages``/``mixed_vintages`` (:func:`imtfp.vintages.check_vintages`),
        ``max_extrapolated_share`` and ``extrapolation_allowed`` (see :func:`check_extrapolation`),
        (``drop_years`` is not used here: measures are built on every year, and
        :func:`imtfp.analysis.analysis_frame` leaves those years out of the models' sample).

    Returns
    -------
    ``panel`` (province, year, region, indicators…, derived…) for the window,
    ``imputed`` (one row per filled cell) and ``series`` (all observed years,
    unfilled: the long histories that the perpetual inventory needs).
    """
    check_vintages(observations, spec)  # one vintage per indicator (panel.vintages)
    series = keep_indicators(pivot(observations), spec.get("indicators"))
    drop = _drop_codes(spec.get("drop_provinces", []))
    first, last = _window(spec["years"], series)
    # Fill over every observed year, then cut the window: a gap is bridged by the observations on
    # both sides of it even when they lie outside the window (e.g. employment between census years).
    span = (min(first, int(series["year"].min())), max(last, int(series["year"].max())))
    panel = _grid(series, span, drop)
    indicators = [c for c in panel.columns if c not in ("province", "year")]
    panel, imputed = fill_missing(panel, indicators, spec.get("missing", "none"))
    check_extrapolation(
        imputed[imputed["year"].between(first, last)],
        cells=panel[panel["year"].between(first, last)][indicators].notna().sum(),
        max_share=float(spec.get("max_extrapolated_share", DEFAULT_MAX_EXTRAPOLATED_SHARE)),
        allowed=spec.get("extrapolation_allowed", []),
    )
    # Declared statistical breaks of raw series bridged before any ratio is derived (imtfp.splice);
    # every changed cell is listed with the imputed ones (method "splice").
    panel, spliced = splice_panel(panel, spec.get("splice"))
    imputed = pd.concat([imputed, spliced], ignore_index=True) if len(spliced) else imputed
    # Derive before cutting the window, so lag/lead see the years just outside it.
    panel = derive(panel, spec.get("derived", {}))
    panel = panel[panel["year"].between(first, last)].reset_index(drop=True)
    imputed = imputed[imputed["year"].between(first, last)].reset_index(drop=True)
    panel.insert(2, "region", panel["province"].map(provinces.region))
    series = series[~series["province"].isin(drop)].reset_index(drop=True)
    return {"panel": panel, "imputed": imputed, "series": series}
