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
from imtfp.errors import ConfigError, IngestError, MissingColumnError
from imtfp.options import MissingPolicy, OnBadCell, check_option
from imtfp.splice import splice_panel
from imtfp.vintages import check_vintages


def pivot(observations: pd.DataFrame) -> pd.DataFrame:
    """Wide table of all observations: province, year, one column per indicator (DuckDB PIVOT).

    The warehouse holds one value per province, year and indicator; observations with more than
    one are an :class:`~imtfp.errors.IngestError` naming the first cells (never ``first()`` of
    them silently).
    """
    need = ["province", "year", "indicator", "value"]
    if missing := [c for c in need if c not in observations.columns]:
        raise MissingColumnError("observations", missing, available=observations.columns)
    dup = observations.duplicated(["province", "year", "indicator"], keep=False)
    if dup.any():
        cells = observations.loc[dup, ["province", "year", "indicator"]].drop_duplicates().head(3)
        raise IngestError(
            "the observations hold more than one value for "
            + "; ".join(" ".join(map(str, r)) for r in cells.itertuples(index=False))
        )
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


#: Columns of :data:`DERIVED_REJECT_COLUMNS`: one row per derived cell set missing (on_bad_cell:
#: reject) because its value was not finite.
DERIVED_REJECT_COLUMNS = ["province", "year", "indicator", "value", "reason"]
NOT_FINITE = (
    "derived value is not finite (division by zero, log of 0 or a negative number, overflow)"
)


def derive(
    panel: pd.DataFrame,
    derived: Mapping[str, str],
    *,
    indicators=(),
    on_bad_cell: OnBadCell = "error",
) -> pd.DataFrame:
    """Add derived variables, each an expression over earlier columns (in declaration order).

    Expressions follow :mod:`imtfp.expressions` (arithmetic, numbers, indicator codes, ``ln``,
    ``exp``, ``sqrt``, ``abs``, ``coalesce``, ``greatest``/``least``, ``lag``/``lead`` by
    province …). A name may not shadow a function, an SQL keyword, a key column, or a column
    the panel already has (an indicator in ``indicators`` or any other): ConfigError naming both.
    A non-finite result from observed inputs (``x/0``, ``ln(0)``, overflow) is refused
    (``on_bad_cell="error"``: ConfigError naming the key and rows) or, with ``"reject"``, set
    missing; :func:`derive_with_rejects` also returns those cells.
    """
    return derive_with_rejects(panel, derived, indicators=indicators, on_bad_cell=on_bad_cell)[0]


def derive_with_rejects(
    panel: pd.DataFrame,
    derived: Mapping[str, str],
    *,
    indicators=(),
    on_bad_cell: OnBadCell = "error",
    within: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`derive`, and the derived cells rejected (:data:`DERIVED_REJECT_COLUMNS`).

    ``within``: the rows that will stay in the panel (the window). Faults outside it are left as
    they are (those rows are cut; a ``lag`` that carries one into the window faults there).
    """
    check_option(on_bad_cell, OnBadCell, "dataset.on_bad_cell")
    out, rejected = panel, []
    for name, expr in derived.items():
        key = f"panel.derived.{name}"
        expressions.check_name(name, key=key)
        if name in out.columns:
            what = "indicator" if name in set(indicators) else "panel column"
            raise ConfigError(
                f"config key '{key}': the derived variable {name!r} would replace the {what} "
                f"{name!r} (and everything computed from it); choose another name"
            )
        values, bad = _evaluate(out, name, expr, key, on_bad_cell, within)
        rejected.append(bad)
        out = out.assign(**{name: values})
    return out, _concat_rejects(rejected)


def replace_indicators(
    panel: pd.DataFrame,
    replace: Mapping[str, str],
    *,
    indicators,
    on_bad_cell: OnBadCell = "error",
    within: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``panel.replace``: indicators whose values are replaced on purpose by an expression (a named
    check's substitute series, ``employment: urban_employment``), before the derived variables.

    Each name must be one of ``indicators`` (ConfigError naming the key otherwise); values follow
    :func:`derive` (non-finite results refused or rejected). Returns the panel and the rejects.
    """
    out, rejected = panel, []
    for name, expr in replace.items():
        key = f"panel.replace.{name}"
        if name not in set(indicators):
            raise ConfigError(
                f"config key '{key}': {name!r} is not an indicator of the panel (a new variable "
                "belongs in panel.derived)"
            )
        values, bad = _evaluate(out, name, expr, key, on_bad_cell, within)
        rejected.append(bad)
        out = out.assign(**{name: values})
    return out, _concat_rejects(rejected)


def _evaluate(panel, name, expr, key, on_bad_cell, within) -> tuple[np.ndarray, pd.DataFrame]:
    """One expression's values, its faults in the window set missing, and their reject rows."""
    values, faults = expressions.evaluate_with_faults(expr, panel, key=key)
    if within is not None:
        faults &= within
    if not faults.any():
        return values, pd.DataFrame(columns=DERIVED_REJECT_COLUMNS)
    rejected = _not_finite(panel, name, values, faults, key, on_bad_cell)
    return np.where(faults, np.nan, values), rejected


def _concat_rejects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=DERIVED_REJECT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _not_finite(panel, name, values, faults, key, on_bad_cell) -> pd.DataFrame:
    """The faulty cells of one derived variable: an error naming rows, or the reject rows."""
    rows = panel.loc[faults, ["province", "year"]].assign(
        indicator=name, value=[repr(float(v)) for v in values[faults]], reason=NOT_FINITE
    )
    if on_bad_cell == "error":
        listed = ", ".join(f"{p} {y} ({v})" for p, y, v in
                           rows[["province", "year", "value"]].head(5).itertuples(index=False))  # fmt: skip
        raise ConfigError(
            f"config key '{key}': {len(rows)} derived values are not finite (division by zero, "
            f"log of 0 or a negative number, overflow): {listed}; fix the data or the "
            "expression, or set dataset.on_bad_cell: reject to set them missing and list them"
        )
    return rows[DERIVED_REJECT_COLUMNS].reset_index(drop=True)


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


def build_panel(
    observations: pd.DataFrame, spec: Mapping, *, on_bad_cell: OnBadCell = "error"
) -> dict[str, pd.DataFrame]:
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

    on_bad_cell : the dataset's ``on_bad_cell``: a derived value that is not finite (``x/0``,
        ``ln(0)``) is a ConfigError (``error``) or a missing cell listed in ``rejected``.

    Returns
    -------
    ``panel`` (province, year, region, indicators…, derived…) for the window,
    ``imputed`` (one row per filled cell), ``series`` (all observed years,
    unfilled: the long histories that the perpetual inventory needs) and ``rejected``
    (derived cells set missing, :data:`DERIVED_REJECT_COLUMNS`).
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
    window = panel["year"].between(first, last).to_numpy()
    panel, replaced = replace_indicators(
        panel, spec.get("replace", {}), indicators=indicators, on_bad_cell=on_bad_cell,
        within=window,
    )  # fmt: skip
    panel, rejected = derive_with_rejects(
        panel, spec.get("derived", {}), indicators=indicators, on_bad_cell=on_bad_cell,
        within=window,
    )  # fmt: skip
    rejected = _concat_rejects([replaced, rejected])
    panel = panel[window].reset_index(drop=True)
    imputed = imputed[imputed["year"].between(first, last)].reset_index(drop=True)
    panel.insert(2, "region", panel["province"].map(provinces.region))
    series = series[~series["province"].isin(drop)].reset_index(drop=True)
    return {"panel": panel, "imputed": imputed, "series": series, "rejected": rejected}
