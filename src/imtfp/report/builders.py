"""Specialised tables, each a thin layer over :func:`~imtfp.report.table.format_table`.

Model tables take the stored tidy results (:mod:`imtfp.tidy`), keep the rows
of their ``table`` key and format them: :func:`model_table` for a model with no
layout of its own, the ``<model>_table`` functions for the others (the builder of
each model is its entry's ``table`` in :data:`imtfp.models.registry.MODELS`);
their extra rows need no code here — a term that the label catalog marks as a
statistic (``sobel_z``, ``first_stage_F``, ``threshold_1`` …) prints as a
statistic row. Data tables
(descriptive statistics, correlations, index weights) are computed into the
same tidy layout first; the coupling table adds the coordination level of
each mean beneath it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from imtfp.errors import ReportError
from imtfp.models.registry import ESTIMATE_MODELS, MODELS
from imtfp.options import check_option
from imtfp.report.labels import Labels
from imtfp.report.options import ReportOptions
from imtfp.report.table import (
    FEW_CLUSTERS,
    Cell,
    HeaderCell,
    Provenance,
    Row,
    Table,
    assemble_table,
    fmt_number,
    format_table,
    num_cell,
    standard_notes,
)

CorrMethod = Literal["pearson", "spearman"]
MEDIATION_TERMS = (
    "c_total",
    "total",
    "a",
    "a_wild_p",
    "a_wild_ci",
    "b",
    "c_prime",
    "indirect",
    "indirect_ci",
    "boot_ci",
    "indirect_bc",
    "boot_ci_bc",
    "sobel_z",
    "aroian_z",
    "goodman_z",
    "sobel_p",
    "proportion_mediated",
    "proportion",
)
MULTIVERSE_TERMS = (
    "n_specs",
    "baseline_estimate",
    "share_same_sign",
    "share_significant",
    "share_significant_same_sign",
    "share_significant_wild",
    "median",
    "q25",
    "q75",
    "min",
    "max",
    "truth",
    "truth_in_estimate_range",
    "share_ci_cover_truth",
)
_ID_COLUMNS = {"province", "year", "code", "region", "province_code", "name"}


def select_table(results: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of stored results that belong to table ``key``.

    A frame whose ``table`` column is absent or holds one value (or only NA) is
    taken whole; otherwise rows with ``table == key``. Raises ReportError naming
    the tables present when there are none.
    """
    if "table" not in results or results["table"].dropna().nunique() <= 1:
        return results
    picked = results[results["table"] == key]
    if picked.empty:
        present = sorted(results["table"].dropna().unique().tolist())
        raise ReportError(f"no results for table {key!r}; tables present: {present}")
    return picked


def _common(options: ReportOptions | None, labels: Labels | None) -> tuple[ReportOptions, Labels]:
    options = options or ReportOptions()
    return options, labels or Labels(options.language)


# -- data tables ---------------------------------------------------------------


def _numeric_variables(panel: pd.DataFrame, variables: Sequence[str] | None) -> list[str]:
    if variables is not None:
        missing = [v for v in variables if v not in panel]
        if missing:
            raise ReportError(f"variables {missing} are not columns of the panel")
        return list(variables)
    return [
        c for c in panel.columns if c not in _ID_COLUMNS and pd.api.types.is_numeric_dtype(panel[c])
    ]


def descriptive_table(
    panel: pd.DataFrame,
    *,
    variables: Sequence[str] | None = None,
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    provenance: Provenance | None = None,
    simulated: bool = False,
    notes: Sequence[str] = (),
    within: Mapping[str, float] | None = None,
    units: Mapping[str, str] | None = None,
) -> Table:
    """N, mean, standard deviation (n − 1), min and max of each variable.

    sd = √(Σ(x − x̄)² / (n − 1)) over non-missing values; N counts them. ``within``:
    {variable: share of its variance left after the fixed effects}
    (:func:`imtfp.models.power.within_share`), printed as a last column for those variables.
    ``units``: {variable: unit text} in the table's language, printed after the label
    (``政府干预（%）``; :func:`imtfp.report.units.unit_text`).
    """
    options, labels = _common(options, labels)
    rows = _within_rows(within)
    if within:
        notes = (*notes, labels.note("within_share"))
    for v in _numeric_variables(panel, variables):
        x = pd.to_numeric(panel[v], errors="coerce").dropna().to_numpy(dtype=float)
        described = {
            "nobs": float(x.size),
            "mean": x.mean() if x.size else np.nan,
            "sd": x.std(ddof=1) if x.size > 1 else np.nan,
            "min": x.min() if x.size else np.nan,
            "max": x.max() if x.size else np.nan,
        }
        rows += [{"column": k, "term": v, "estimate": val} for k, val in described.items()]
    return format_table(
        pd.DataFrame(rows),
        name="descriptive",
        options=options,
        labels=labels,
        show=(),
        model_rows=(),
        classify_terms=False,
        decimals_by_column={"nobs": 0},
        term_labels=_with_units(labels, units),
        notes=notes,
        provenance=provenance,
        simulated=simulated,
    )


def _within_rows(within: Mapping[str, float] | None) -> list[dict]:
    """Descriptive-table cells of the within-share column (issue 21)."""
    return [
        {"column": "within_share", "term": v, "estimate": float(x)}
        for v, x in (within or {}).items()
    ]


def _with_units(labels: Labels, units: Mapping[str, str] | None) -> dict[str, str]:
    """Row labels with the unit: ``政府干预（%）`` / ``Government intervention (%)``."""
    if labels.language == "zh":
        return {v: f"{labels.var(v)}（{u}）" for v, u in (units or {}).items() if u}
    return {v: f"{labels.var(v)} ({u})" for v, u in (units or {}).items() if u}


def correlation_table(
    panel: pd.DataFrame,
    *,
    variables: Sequence[str] | None = None,
    method: CorrMethod = "pearson",
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    provenance: Provenance | None = None,
    simulated: bool = False,
) -> Table:
    """Lower-triangular correlation matrix with significance stars.

    r and its two-sided p from :func:`scipy.stats.pearsonr` (t = r√((n−2)/(1−r²)))
    or :func:`scipy.stats.spearmanr`, on the pairwise complete observations.
    Rows are numbered ``(k) label``, columns ``(k)``.
    """
    check_option(method, CorrMethod, "method")
    options, labels = _common(options, labels)
    names = _numeric_variables(panel, variables)
    from scipy import stats  # lazy: every table job imports this module, one table uses scipy.stats

    test = stats.pearsonr if method == "pearson" else stats.spearmanr
    rows = []
    for i, vi in enumerate(names):
        for j, vj in enumerate(names[: i + 1]):
            pair = panel[[vi, vj]].apply(pd.to_numeric, errors="coerce").dropna()
            if i == j:
                rows.append({"column": f"({j + 1})", "term": vi, "estimate": 1.0})
                continue
            if len(pair) < 3:
                r, p = np.nan, np.nan
            else:
                res = test(pair[vi].to_numpy(float), pair[vj].to_numpy(float))
                r, p = float(res.statistic), float(res.pvalue)
            rows.append({"column": f"({j + 1})", "term": vi, "estimate": r, "p": p})
    term_labels = {v: f"({k + 1}) {labels.var(v)}" for k, v in enumerate(names)}
    method_name = "Pearson" if method == "pearson" else "Spearman"
    return format_table(
        pd.DataFrame(rows),
        name="correlation",
        options=options,
        labels=labels,
        show=(),
        model_rows=(),
        classify_terms=False,
        term_labels=term_labels,
        notes=(labels.note("correlation", method=method_name),),
        provenance=provenance,
        simulated=simulated,
    )


def weights_table(
    weights: pd.DataFrame,
    *,
    decimals: int | None = None,
    indicators: Mapping[str, Mapping[str, str]] | None = None,
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    provenance: Provenance | None = None,
    simulated: bool = False,
) -> Table:
    """Indicator weights grouped by subsystem, one column per method (and scheme).

    ``weights`` has columns method, scheme, level, indicator, weight; ``level``
    is the subsystem (criterion layer) an indicator belongs to. Each subsystem
    row shows the sum of its indicators' weights. Default decimals:
    max(report.decimals, 4), since single weights are often below 0.01.
    ``indicators``: {indicator: {"unit", "direction", "source"}} in the table's
    language (:func:`imtfp.report.stage.indicator_facts`): printed as the columns
    单位 and 方向 before the weights and 数据来源 after them.
    """
    options, labels = _common(options, labels)
    required = {"method", "indicator", "weight", "level"}
    missing = sorted(required - set(weights.columns))
    if missing:
        raise ReportError(f"weights frame lacks columns {missing}")
    w = weights.copy()
    w["scheme"] = w["scheme"].fillna("") if "scheme" in w else ""
    several_schemes = w["scheme"].nunique() > 1
    w["column"] = w["method"].astype(str) + (
        "|" + w["scheme"].astype(str) if several_schemes else ""
    )
    col_labels = {}
    for c, m, s in w[["column", "method", "scheme"]].drop_duplicates().itertuples(index=False):
        base = labels.column(m)
        scheme = f"（{labels.column(s)}）" if labels.language == "zh" else f" ({labels.column(s)})"
        col_labels[c] = base + scheme if several_schemes and s else base
    tidy = w.rename(columns={"indicator": "term", "weight": "estimate"})[
        ["column", "term", "estimate"]
    ]
    groups = dict(zip(w["indicator"].astype(str), w["level"].astype(str), strict=True))
    dec = max(options.decimals, 4) if decimals is None else decimals
    table = format_table(
        tidy,
        name="weights",
        options=options,
        labels=labels,
        show=(),
        model_rows=(),
        classify_terms=False,
        row_groups=groups,
        group_totals=True,
        stub=labels.row("indicator"),
        column_labels=col_labels,
        decimals_by_column={c: dec for c in col_labels},
        notes=(labels.note("weights_subtotal"),),
        provenance=provenance,
        simulated=simulated,
    )
    if not indicators:
        return table
    facts = {labels.var(k): v for k, v in indicators.items()}

    def column(key: str) -> list[str]:
        return [
            "" if r.kind == "section" else facts.get(r.label, {}).get(key) or "—"
            for r in table.rows
        ]

    table = with_text_columns(table, labels.row("unit"), column("unit"), at=0)
    table = with_text_columns(table, labels.row("direction"), column("direction"), at=1)
    return with_text_columns(table, labels.row("source"), column("source"), at=table.ncols)


def with_text_columns(table: Table, heading: str, texts: Sequence[str], *, at: int) -> Table:
    """``table`` with a column of text cells (one per body row) inserted before data column ``at``;
    ``heading`` goes on the header row of the column labels."""
    header = []
    for i, hrow in enumerate(table.header):
        cells = list(hrow)
        k, col = 0, 0
        while k < len(cells) and col < at:  # the header cell that starts at column ``at``
            col += cells[k].span
            k += 1
        cells.insert(k, HeaderCell(heading if i == table.stub_row else ""))
        header.append(tuple(cells))
    rows = tuple(
        Row(r.label, (*r.cells[:at], Cell(t), *r.cells[at:]), r.kind, r.rule_above)
        for r, t in zip(table.rows, texts, strict=True)
    )
    return replace(table, header=tuple(header), rows=rows)


def coupling_table(
    coupling: pd.DataFrame,
    *,
    years: Sequence[int] | None = None,
    value: str = "D",
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    provenance: Provenance | None = None,
    simulated: bool = False,
) -> Table:
    """Mean coupling coordination degree by region (rows) and year (columns).

    Each mean D̄ over the region's provinces is followed by the coordination
    level of D̄ (ten bands of width 0.1); the last row is the national mean.
    ``coupling`` has columns province, year, ``value`` (D), level, region.
    """
    options, labels = _common(options, labels)
    missing = sorted({"year", "region", value} - set(coupling.columns))
    if missing:
        raise ReportError(f"coupling frame lacks columns {missing}")
    df = coupling[["region", "year", value]].copy()
    if years is not None:
        df = df[df["year"].isin(list(years))]
    if df.empty:
        raise ReportError(f"coupling frame has no rows for years {list(years or [])}")
    means = df.groupby(["region", "year"], sort=False)[value].mean().unstack("year")
    national = df.groupby("year")[value].mean()
    year_cols = sorted(df["year"].unique().tolist())
    known = list(labels.catalog.get("regions", {}))
    regions = sorted(
        means.index, key=lambda r: (known.index(r) if r in known else len(known), str(r))
    )
    rows: list[Row] = []
    for name, series in [(r, means.loc[r]) for r in regions] + [("national", national)]:
        vals = [series.get(y, np.nan) for y in year_cols]
        rows.append(
            Row(labels.region(name), tuple(num_cell(v, options.decimals) for v in vals), "coef")
        )
        levels = tuple(Cell(labels.level_of(v)) if pd.notna(v) else Cell() for v in vals)
        rows.append(Row("", levels, "text"))
    columns = [str(y) for y in year_cols]
    return assemble_table(
        name="coupling",
        labels=labels,
        columns=columns,
        rows=rows,
        stub=labels.row("region"),
        notes=standard_notes(
            labels, body=[labels.note("coupling_level")], simulated=simulated, provenance=provenance
        ),
    )


# -- model tables ----------------------------------------------------------------


def model_table(results: pd.DataFrame, *, key: str, **kw) -> Table:
    """The rows of table ``key`` formatted as they are: one column per model column, statistic
    rows as the label catalog classes them (the builder of a registry model with no layout of
    its own). A column that small groups were folded into (tidy ``merged_from``, e.g. the
    heterogeneity's regions) says so: 中部（含东北） / Central (incl. Northeast). Keywords are
    those of :func:`~imtfp.report.table.format_table`."""
    df = select_table(results, key)
    if "merged_from" in df and df["merged_from"].fillna("").astype(str).str.len().any():
        labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
        kw["labels"] = labels
        merged = df.dropna(subset=["merged_from"]).groupby("column", sort=False)["merged_from"]
        kw["column_labels"] = {
            **{c: _merged_label(labels, c, str(m.iloc[0])) for c, m in merged if str(m.iloc[0])},
            **kw.get("column_labels", {}),
        }
    return format_table(df, name=key, **kw)


def _merged_label(labels: Labels, column: str, merged_from: str) -> str:
    """``中部（含东北）``: the column's label and the groups folded into it (``a,b``; the equality
    test's ``central<-northeast`` form is not a column label and is left alone)."""
    if "<-" in merged_from:
        return labels.column(column)
    names = [labels.column(g) for g in merged_from.split(",") if g]
    if labels.language == "zh":
        return f"{labels.column(column)}（含{'、'.join(names)}）"
    return f"{labels.column(column)} (incl. {', '.join(names)})"


def baseline_table(results: pd.DataFrame, **kw) -> Table:
    """Two-way FE baseline, controls added stepwise across columns.

    Keywords are those of :func:`~imtfp.report.table.format_table`.
    """
    return model_table(results, key="baseline", **kw)


def inference_table(results: pd.DataFrame, **kw) -> Table:
    """One model under each inference method side by side (columns = ``cov``):
    (se), [p] and [95% CI] beneath each estimate."""
    df = select_table(results, "inference").copy()
    # the wild bootstrap has its own column here: no braces beneath the others
    df["wild_p"] = np.nan
    kw.setdefault("show", ("se", "p", "ci"))
    kw.setdefault("drop_model_rows", ("inference",))
    if df["column"].astype(str).str.startswith("wild_bootstrap").any():
        labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
        kw["labels"] = labels
        kw["notes"] = (*kw.get("notes", ()), labels.note("wild_column"))
    return format_table(df, name="inference", **kw)


def mediation_table(results: pd.DataFrame, **kw) -> Table:
    """One column (or column block ``channel:sub``) per channel.

    Rows: total effect c, a, b, c′, indirect a·b (Sobel se), its bootstrap
    CIs (percentile, derived from the ``indirect`` row's ci_low/ci_high when
    no CI row is given; bias-corrected ``indirect_bc``), Sobel/Aroian/Goodman
    z with p, proportion mediated, then any other term. Dependent variables
    differ by path, so no dependent-variable header.

    Honesty rules (:func:`mediation_for_table`): the stars of a·b follow its
    bootstrap percentile interval, not the Sobel p; the proportion mediated is
    printed only where the total effect c is significant at the interval's
    level; a Goodman z without a usable variance prints "—". Each rule that
    applies adds its note.
    """
    df, rules = mediation_for_table(select_table(results, "mediation"))
    df = _with_indirect_ci(df)
    present = list(dict.fromkeys(df["term"].astype(str)))
    kw.setdefault(
        "terms",
        [t for t in MEDIATION_TERMS if t in present]
        + [t for t in present if t not in MEDIATION_TERMS],
    )
    kw.setdefault("group_sep", ":")
    kw.setdefault("show_dep_var", False)
    labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
    kw["labels"] = labels
    extra = [labels.note("mediation_indirect")] if "indirect" in present else []
    extra += [labels.note(rule, level=f"{MEDIATION_ALPHA * 100:g}%") for rule in rules]
    paths = df.groupby("column")["term"].apply(lambda t: set(t.astype(str)))
    if any("a" in t and "b" not in t for t in paths):  # a two_step channel: X→M only
        extra.append(labels.note("mediation_two_step"))
    kw["notes"] = (*extra, *kw.get("notes", ()))
    return format_table(df, name="mediation", **kw)


#: Level of the bootstrap interval of a·b (95 %) and of the total-effect test behind the share.
MEDIATION_ALPHA = 0.05


def mediation_for_table(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Mediation rows made honest for printing, and the keys of the notes that explain it.

    * ``indirect``: ``p_star`` = a value just below α when its bootstrap percentile CI
      excludes 0 (so the stars say p_boot < α and nothing stronger), 1 when it contains 0;
      the Sobel p stays in the ``sobel_z`` row beside it;
    * ``proportion_mediated``: withheld (NA) unless the channel's total effect ``c_total``
      has p < α — a share of an insignificant total is not interpretable;
    * ``goodman_z``: NA estimates (variance not positive or degenerate) print "—".
    """
    out = df.copy()
    if "p_star" not in out:
        out["p_star"] = np.nan
    out["p_star"] = out["p_star"].astype("float64")
    term = out["term"].astype(str)
    rules: list[str] = []
    ind = term == "indirect"
    if ind.any() and {"ci_low", "ci_high"} <= set(out.columns):
        lo, hi = out.loc[ind, "ci_low"].astype(float), out.loc[ind, "ci_high"].astype(float)
        excludes = (lo > 0) | (hi < 0)
        implied = np.where(excludes, MEDIATION_ALPHA * (1 - 1e-9), 1.0)
        out.loc[ind, "p_star"] = np.where(lo.isna() | hi.isna(), np.nan, implied)
        rules.append("mediation_stars_boot")
    share = term.isin(["proportion_mediated", "proportion"])
    for column in out.loc[share, "column"].unique():
        total = out[(out["column"] == column) & term.isin(["c_total", "total"])]
        p = float(total["p"].iloc[0]) if len(total) and pd.notna(total["p"].iloc[0]) else np.nan
        if not p < MEDIATION_ALPHA:
            out.loc[share & (out["column"] == column), "estimate"] = np.nan
            if "mediation_share_withheld" not in rules:
                rules.append("mediation_share_withheld")
    goodman = term == "goodman_z"
    if goodman.any() and out.loc[goodman, "estimate"].isna().any():
        out.loc[goodman & out["estimate"].isna(), "p"] = np.nan
        rules.append("mediation_goodman_degenerate")
    return out, rules


def _with_indirect_ci(df: pd.DataFrame) -> pd.DataFrame:
    """Add an ``indirect_ci`` row per column from the CI of its ``indirect`` row (if any, and none given)."""
    if "ci_low" not in df or "ci_high" not in df:
        return df
    extra = []
    for column, rows in df.groupby("column", sort=False):
        terms = set(rows["term"].astype(str))
        ind = rows[rows["term"].astype(str) == "indirect"]
        if (
            ind.empty
            or terms & {"indirect_ci", "boot_ci"}
            or ind[["ci_low", "ci_high"]].isna().any(axis=None)
        ):
            continue
        extra.append(
            {
                "column": column,
                "term": "indirect_ci",
                "ci_low": ind["ci_low"].iloc[0],
                "ci_high": ind["ci_high"].iloc[0],
            }
        )
    if not extra:
        return df
    add = pd.DataFrame(extra)
    if "table" in df:
        add["table"] = "mediation"
    return pd.concat(
        [df, add.astype({c: df[c].dtype for c in add.columns if c in df})], ignore_index=True
    )


def heterogeneity_table(results: pd.DataFrame, **kw) -> Table:
    """Split samples (``region=east``, ``period=early``), moderation
    (``moderator=<var>``: centred interaction and marginal effects ``me_qNN``)
    and the equality test (``equality:<group>``), one column each; a region that
    small ones were merged into says so (:func:`model_table`)."""
    return model_table(results, key="heterogeneity", **kw)


def iv_table(results: pd.DataFrame, **kw) -> Table:
    """Lagged regressor (``lag1``), IV-2SLS (``2sls``), its first stages
    (``first_stage:<x>``, grouped under one header) and FE OLS (``ols``);
    first-stage F, Kleibergen–Paap and endogeneity-test rows are statistics.

    Without an IV column (no instrument configured) the table is titled as the
    lagged-regressor models it holds and a note says no instrument was used.
    """
    df = select_table(results, "iv")
    kw.setdefault("group_sep", ":")
    columns = df["column"].astype(str)
    if (columns.str.startswith("2sls") | columns.str.startswith("first_stage")).any():
        return format_table(df, name="iv", **kw)
    labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
    kw["labels"] = labels
    kw["notes"] = (labels.note("no_instrument"), *kw.get("notes", ()))
    table = format_table(df, name="iv", **kw)
    return table if "title" in kw else replace(table, title=labels.title("iv_lag"))


#: Level at which a threshold must be significant (bootstrap p of its F test) to be reported.
THRESHOLD_ALPHA = 0.05


def threshold_table(results: pd.DataFrame, **kw) -> Table:
    """Hansen (1999) threshold model: regime coefficients, thresholds ``threshold<k>``
    with their LR confidence interval, and ``F<k>`` with bootstrap p-values.

    The regime coefficients and threshold values are printed only when every
    estimated threshold is accepted (bootstrap p of each ``F<k>`` below
    :data:`THRESHOLD_ALPHA`); otherwise only the F tests remain, with a note
    (the slopes of a rejected threshold describe no real regime).
    """
    df = select_table(results, "threshold")
    term = df["term"].astype(str)
    is_test = term.str.fullmatch(r"F\d+")
    tests = df[is_test]
    if len(tests) and not (tests["p"].astype(float) < THRESHOLD_ALPHA).all():
        labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
        kw["labels"] = labels
        p = float(tests["p"].astype(float).max())
        df = df[is_test]
        note = labels.note(
            "threshold_rejected", p=fmt_number(p, 3), level=f"{THRESHOLD_ALPHA * 100:g}%"
        )
        kw["notes"] = (note, *kw.get("notes", ()))
    return format_table(df, name="threshold", **kw)


def robustness_table(
    results: pd.DataFrame,
    *,
    summary: pd.DataFrame | None = None,
    checks: Mapping[str, tuple[str, bool]] | None = None,
    **kw,
) -> Table:
    """Named robustness checks side by side (columns = checks).

    ``summary``: the one-row specification-curve summary of the multiverse
    (:func:`imtfp.models.multiverse.specification_curve_summary`); its
    statistics (number of specifications, shares with the baseline sign and
    significant, median and quartiles …) form an extra column ``multiverse``.
    ``checks``: ``{name: (label, same_as_baseline)}`` from the checks' resolved
    configs (:func:`imtfp.report.stage.check_label`): the column headers, and a
    note when a check ran exactly the baseline.
    """
    df = select_table(results, "robustness")
    if summary is not None:
        df = pd.concat([df, multiverse_rows(summary)], ignore_index=True)
    if checks:
        labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
        kw["labels"] = labels
        present = set(df["column"].astype(str))
        kw["column_labels"] = {
            **{n: lab for n, (lab, _) in checks.items() if n in present},
            **kw.get("column_labels", {}),
        }
        if any(flag and n in present for n, (_, flag) in checks.items()):
            kw["notes"] = (*kw.get("notes", ()), labels.note("check_same_note"))
    return format_table(df, name="robustness", **kw)


def falsification_table(results: pd.DataFrame, **kw) -> Table:
    """Falsification and sensitivity tests (:mod:`imtfp.models.falsification`), one column each:
    baseline, leads (``F<k>.<x>`` rows), randomisation inference (p from the permutations, the
    number of draws beneath), placebo outcomes (``placebo:<var>``, grouped), province trends and
    the Oster (2019) bounds (δ, β*, R_max). A note says how each test was run."""
    df = select_table(results, "falsification")
    labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
    kw["labels"] = labels
    kw.setdefault("group_sep", ":")

    def stat(term: str) -> float:
        found = df.loc[df["term"].astype(str) == term, "estimate"]
        return float(found.iloc[0]) if len(found) else float("nan")

    # one clause per test that ran, so the note never describes a test the table does not show
    df, withheld = oster_for_table(df, stars=(kw.get("options") or ReportOptions()).stars)
    columns = list(dict.fromkeys(df["column"].astype(str)))
    ratio = stat("oster_rmax") / stat("oster_r2")
    placebo = [c.split(":", 1)[1] for c in columns if c.startswith("placebo:")]

    def sentence(lab: Labels) -> str:
        zh = lab.language == "zh"
        clauses = [
            ("falsification_leads", any(c.startswith("lead") for c in columns), {}),
            ("falsification_permutation", "permutation" in columns,
             {"draws": f"{stat('ri_draws'):.0f}" if pd.notna(stat("ri_draws")) else "—"}),
            ("falsification_placebo", bool(placebo),
             {"names": ("、" if zh else ", ").join(lab.var(v) for v in placebo)}),
            ("falsification_trends", "trends" in columns, {}),
            ("falsification_oster", "oster" in columns,
             {"rmax": f"{ratio:.2g}" if pd.notna(ratio) else "—"}),
            ("falsification_oster_delta", "oster" in columns and not withheld, {}),
        ]  # fmt: skip
        parts = [lab.note(key, **fields) for key, ran, fields in clauses if ran]
        if not parts:
            return ""
        text = ("；" if zh else "; ").join(parts) + ("。" if zh else ".")
        return text if zh else text[0].upper() + text[1:]

    note = sentence(labels)
    extra = [note] if note else []
    if withheld:
        extra.append(labels.note("oster_withheld"))
    kw["notes"] = (*extra, *kw.get("notes", ()))
    return format_table(df, name="falsification", **kw)


def oster_for_table(df: pd.DataFrame, *, stars: Sequence[float]) -> tuple[pd.DataFrame, bool]:
    """The falsification rows with Oster's δ withheld (NA: printed "—") unless the baseline
    coefficient it is about is significant, and whether it was.

    δ is the selection on unobservables, relative to observables, that would take the
    coefficient to zero; read as robustness it presumes a coefficient distinguishable from zero.
    The baseline coefficient is the ``baseline`` column's coefficient row (not a statistic); it
    is significant when it would carry a star, i.e. p (the wild p if the column has few clusters
    and one) below the largest level of ``report.stars``.
    """
    term = df["term"].astype(str)
    delta = term == "oster_delta"
    base = df[(df["column"].astype(str) == "baseline") & ~_is_stat(df)]
    if not delta.any() or base.empty:
        return df, False
    r = base.iloc[0]
    few = pd.notna(r.get("n_clusters")) and float(r["n_clusters"]) < FEW_CLUSTERS
    p = r.get("wild_p") if few and pd.notna(r.get("wild_p")) else r.get("p")
    if pd.notna(p) and float(p) < max(stars):
        return df, False
    out = df.copy()
    out.loc[delta, ["estimate", "p"]] = np.nan
    return out, True


def _is_stat(df: pd.DataFrame) -> pd.Series:
    return df["stat"].fillna(False).astype(bool) if "stat" in df else pd.Series(False, df.index)


def multiverse_rows(summary: pd.DataFrame, *, column: str = "multiverse") -> pd.DataFrame:
    """Tidy statistic rows (table ``robustness``) from the one-row multiverse summary."""
    if len(summary) != 1:
        raise ReportError(f"multiverse summary must have one row, got {len(summary)}")
    row = summary.iloc[0]
    rows = [
        {"table": "robustness", "column": column, "term": k, "estimate": float(row[k])}
        for k in MULTIVERSE_TERMS
        if k in summary and pd.notna(row[k])
    ]
    return pd.DataFrame(rows)


def _labels_in(kw: dict) -> Labels:
    """The labels of a builder's keywords (set there, so format_table uses the same ones)."""
    labels = kw.get("labels") or Labels((kw.get("options") or ReportOptions()).language)
    kw["labels"] = labels
    return labels


def _not_clustered(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of a model whose standard errors are not clustered: no number of clusters (so no
    clusters row and no few-cluster note, which would describe an inference it did not use)."""
    return df.assign(n_clusters=np.nan) if "n_clusters" in df else df


#: Parameters of the composed error of a frontier, printed after the coefficients.
SFA_VARIANCE_TERMS = ("sigmaSq", "gamma", "mu", "eta")


def sfa_terms(df: pd.DataFrame) -> list[str]:
    """Row order of a frontier table: the frontier (in the order of the column with the most
    frontier terms, a translog's second-order terms beside its first-order ones), the
    inefficiency equation ``Z_*``, the variance parameters (``Zu_*``, ``Zv_*``, σ², γ, μ, η),
    then the statistics in the estimator's order."""
    stats = df["stat"].fillna(False).astype(bool) if "stat" in df else pd.Series(False, df.index)
    coef = df[~stats]
    special = lambda t: t.startswith(("Z_", "Zu_", "Zv_")) or t in SFA_VARIANCE_TERMS  # noqa: E731
    per_column = [
        [t for t in g["term"].astype(str) if not special(t)]
        for _, g in coef.groupby("column", sort=False)
    ]
    frontier = list(dict.fromkeys([*max(per_column, key=len, default=[]), *sum(per_column, [])]))
    present = list(dict.fromkeys(coef["term"].astype(str)))
    z = [t for t in present if t.startswith("Z_")]
    variance = [t for t in present if t.startswith(("Zu_", "Zv_"))]
    variance += [t for t in SFA_VARIANCE_TERMS if t in present]
    return [*frontier, *z, *variance, *dict.fromkeys(df.loc[stats, "term"].astype(str))]


def _not_converged_note(
    df: pd.DataFrame, labels: Labels, column_labels: Mapping[str, str] | None
) -> list[str]:
    """A note naming the columns whose likelihood maximisation stopped short of convergence
    (tidy ``converged`` false), with the largest gradient left: their numbers are no estimates
    one should read without that warning."""
    if "converged" not in df or df["converged"].isna().all():
        return []
    failed = df[df["converged"].eq(False)]
    if failed.empty:
        return []
    names = [
        (column_labels or {}).get(c) or labels.column(c)
        for c in dict.fromkeys(failed["column"].astype(str))
    ]
    grad = failed["gradient_norm"].astype(float).max() if "gradient_norm" in failed else np.nan
    sep = "、" if labels.language != "en" else ", "
    return [labels.note("sfa_not_converged", columns=sep.join(names), gradient=f"{grad:.3g}")]


def sfa_table(results: pd.DataFrame, **kw) -> Table:
    """Stochastic frontier (:func:`imtfp.models.frontier.estimate_sfa`), one column per
    specification: the frontier coefficients (translog terms by their catalog patterns), the
    inefficiency equation (``Z_*``), σ², γ, μ, η with their standard errors, then mean technical
    efficiency, the log likelihood and the one-sided LR test of no inefficiency (p beneath, its
    degrees of freedom) and N. Standard errors from the inverse observed information, not
    clustered. Notes say what γ, η, the inefficiency equation and ln σ²_u's equation mean and
    how the LR test is distributed, each when the table has it, and name any column whose
    optimiser did not converge."""
    df = _not_clustered(select_table(results, "sfa"))
    labels = _labels_in(kw)
    kw.setdefault("terms", sfa_terms(df))
    terms = set(df["term"].astype(str))
    extra = [labels.note("sfa_gamma")] if "gamma" in terms else []
    extra += [labels.note("sfa_eta")] if "eta" in terms else []
    extra += [labels.note("sfa_z")] if any(t.startswith("Z_") for t in terms) else []
    extra += [labels.note("sfa_uhet")] if any(t.startswith("Zu_") for t in terms) else []
    extra += [labels.note("sfa_lr")] if "lr_statistic" in terms else []
    extra += _not_converged_note(df, labels, kw.get("column_labels"))
    kw["notes"] = (*extra, *kw.get("notes", ()))
    kw.setdefault("drop_model_rows", ("n_clusters", "controls"))
    return format_table(df, name="sfa", **kw)


#: Spatial and dynamic parameters of a spatial panel model, printed first.
SPATIAL_TERMS = ("rho", "lambda", "y(t-1)", "W*y(t-1)")
#: Prefixes of the LeSage–Pace effect rows, short run then long run.
SPATIAL_EFFECTS = ("direct", "indirect", "total", "direct_long", "indirect_long", "total_long")


def spatial_terms(df: pd.DataFrame, *, hide: Sequence[str] = ()) -> list[str]:
    """Row order of a spatial table: ρ or λ (and the dynamic terms), each regressor then each
    ``W*`` lag, the effects of each regressor (direct, indirect, total; the long run after the
    short run), then the statistics but σ²; the terms of the variables in ``hide`` are left out."""
    stats = df["stat"].fillna(False).astype(bool) if "stat" in df else pd.Series(False, df.index)
    present = list(dict.fromkeys(df.loc[~stats, "term"].astype(str)))
    effect = tuple(f"{e}:" for e in SPATIAL_EFFECTS)
    regressors = [
        t
        for t in present
        if t not in SPATIAL_TERMS and not t.startswith(("W*", *effect)) and t not in hide
    ]
    ordered = [t for t in SPATIAL_TERMS if t in present]
    ordered += regressors + [f"W*{v}" for v in regressors if f"W*{v}" in present]
    ordered += [f"{e}:{v}" for e in SPATIAL_EFFECTS for v in regressors if f"{e}:{v}" in present]
    # σ² is left out: on the scale of a log outcome it prints as 0.000 at the table's decimals
    stat_terms = [t for t in dict.fromkeys(df.loc[stats, "term"].astype(str)) if t != "sigma2"]
    return ordered + stat_terms


def spatial_table(results: pd.DataFrame, **kw) -> Table:
    """Spatial panel model (:func:`imtfp.models.spatial.stages.estimate_spatial`), one column per
    weight matrix: ρ or λ, the regressors and their spatial lags ``W*x``, the LeSage–Pace direct,
    indirect (spillover) and total effects with simulated standard errors (short and long run
    for a dynamic model), then the log likelihood, Moran's I and the LM tests of the
    non-spatial model with their p beneath, N and the fixed effects. Controls and their lags and
    effects are summarised by the controls row unless ``report.control_terms`` is ``show``.
    Notes name the model, its fixed effects and estimator, how the effects' standard errors were
    simulated and, for economic-distance weights, the variable behind them."""
    df = _not_clustered(select_table(results, "spatial"))
    labels = _labels_in(kw)
    options = kw.get("options") or ReportOptions()
    hide = set()
    if options.control_terms == "hide":
        for value in df["controls"].dropna().astype(str):
            hide.update(c.strip() for c in value.split(",") if c.strip())
    kw.setdefault("terms", spatial_terms(df, hide=sorted(hide)))
    kw["notes"] = (*_spatial_notes(df, labels), *kw.get("notes", ()))
    kw.setdefault("drop_model_rows", ("n_clusters",))
    return format_table(df, name="spatial", **kw)


def _first(df: pd.DataFrame, column: str) -> object:
    values = df[column].dropna() if column in df else pd.Series(dtype=object)
    return values.iloc[0] if len(values) else None


def _spatial_notes(df: pd.DataFrame, labels: Labels) -> list[str]:
    """The sentences under a spatial table, each from what its rows and extra columns hold."""
    terms = set(df["term"].astype(str))
    notes = []
    model = _first(df, "spatial_model")
    if model is not None:
        entity, time = bool(_first(df, "entity_fe")), bool(_first(df, "time_fe"))
        fe = {(True, True): "twoways", (True, False): "individual", (False, True): "time"}
        notes.append(
            _note_each_language(
                labels,
                "spatial_model",
                model=lambda lab: lab.get("methods", str(model)),
                fe=lambda lab: lab.note(f"spatial_fe_{fe.get((entity, time), 'twoways')}"),
                estimator=lambda lab: lab.note(
                    "spatial_lee_yu" if bool(_first(df, "lee_yu")) else "spatial_no_lee_yu"
                ),
            )
        )
    draws = _first(df, "impact_draws")
    if any(t.startswith("direct:") for t in terms):
        notes.append(labels.note("spatial_effects", draws=f"{int(draws)}" if draws else "—"))
    if any(t.startswith("direct_long:") for t in terms):
        notes.append(labels.note("spatial_long_run"))
    if "moran_i" in terms or "lm_lag" in terms:
        notes.append(labels.note("spatial_tests"))
    column = _first(df, "economic_column")
    if column is not None and (df["column"].astype(str) == "economic").any():
        notes.append(
            _note_each_language(
                labels, "spatial_weights_economic", column=lambda lab: lab.var(column)
            )
        )
    return notes


def _note_each_language(labels: Labels, key: str, **fields: Callable[[Labels], str]) -> str:
    """Note ``key`` whose fields are words of the table's language(s): each field a function of
    the labels of one language (Chinese then English when the table prints both)."""
    langs = ("zh", "en") if labels.language == "both" else (labels.language,)
    texts = []
    for lang in langs:
        one = (
            labels
            if lang == labels.language
            else Labels(lang, labels.catalog, strict=labels.strict)
        )  # type: ignore[arg-type]
        texts.append(one.note(key, **{k: f(one) for k, f in fields.items()}))
    return " ".join(texts)


def dynamic_table(results: pd.DataFrame, **kw) -> Table:
    """Dynamic panel GMM (:func:`imtfp.models.dynamic.estimate_dynamic`), one column per method
    (difference, system): the lagged outcome, the regressor and the constant (controls and year
    dummies summarised by their rows), then AR(1) and AR(2) z with their p beneath, Hansen's J
    and Sargan's statistic with p and degrees of freedom (the tidy ``stat_df``), the number of
    instruments and of provinces, N. A note says how the instruments are built and that with
    so few provinces the table is a robustness check (the instrument count must stay below the
    number of provinces; the Hansen test is weak with many instruments)."""
    df = select_table(results, "dynamic")
    df = df[~df["term"].astype(str).str.fullmatch(r"year_\d+")]  # the year-FE row says them
    df = _with_df_rows(df)
    labels = _labels_in(kw)

    def largest(term: str) -> str:
        v = df.loc[df["term"].astype(str) == term, "estimate"].astype(float)
        return f"{v.max():.0f}" if len(v) else "—"

    notes = [labels.note("dynamic_method")]
    notes.append(
        labels.note(
            "dynamic_groups", groups=largest("n_groups"), instruments=largest("n_instruments")
        )
    )
    kw["notes"] = (*notes, *kw.get("notes", ()))
    kw.setdefault("drop_model_rows", ("n_clusters",))  # the provinces' row says it
    return format_table(df, name="dynamic", **kw)


def _with_df_rows(df: pd.DataFrame) -> pd.DataFrame:
    """A ``<term>_df`` statistic row (its degrees of freedom) after each row with a ``stat_df``."""
    if "stat_df" not in df or df["stat_df"].isna().all():
        return df
    rows = df.reset_index(drop=True)
    has = rows["stat_df"].notna()
    extra = rows[has].assign(
        term=rows.loc[has, "term"].astype(str) + "_df",
        estimate=rows.loc[has, "stat_df"].astype(float),
        p=np.nan,
        stat=True,
    )
    order = np.r_[2 * np.arange(len(rows)), 2 * np.flatnonzero(has) + 1]
    out = pd.concat([rows, extra], ignore_index=True)
    return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


#: The builder of every table built from stored results: each model of the registry's (its
#: entry's ``table``), and the named robustness checks.
MODEL_TABLES: Mapping[str, Callable[..., Table]] = {
    **{name: MODELS[name].table_builder() for name in ESTIMATE_MODELS},
    "robustness": robustness_table,
}
