"""The data-quality report: a one-screen summary, then row accounting, checks, coverage, gaps, conflicts.

The summary on top answers what a reader asks first: how many files and cells were read, how many were
rejected, excluded or imputed, which plausibility checks warn or fail (and on which cells), and how
complete the data are. The detail follows; full cell lists (rejects, imputed cells) come last.
Provinces are named (北京), never coded (11), everywhere in the report.
"""

from __future__ import annotations

import re

import pandas as pd

from imtfp import provinces
from imtfp.warehouse import Warehouse

_SUMMARY_CHECK_ROWS = 10  # rows of the warn/fail table in the summary; the detail lists them all
_SUMMARY_CELLS = 6  # cells named per check in the summary
_REASON_KIND = re.compile(r"\s+(?:of|by)\s+|[:(（]")


def _md(df: pd.DataFrame) -> str:
    if df.empty:
        return "\n_none_\n"
    cells = df.astype(str).apply(
        lambda col: col.str.replace("|", "\\|", regex=False).str.replace("\n", " ")
    )
    head = "| " + " | ".join(map(str, cells.columns)) + " |"
    rule = "|" + "|".join("---" for _ in cells.columns) + "|"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n" + "\n".join([head, rule, *body]) + "\n"


def _named(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with its ``province`` codes replaced by short names (other labels kept as they are)."""
    if df.empty or "province" not in df.columns:
        return df
    return df.assign(
        province=[provinces.name(p) if isinstance(p, str) else p for p in df["province"]]
    )


def coverage(obs: pd.DataFrame) -> pd.DataFrame:
    """Number of provinces observed, indicator × year."""
    cov = obs.groupby(["indicator", "year"])["province"].nunique().unstack("year", fill_value=0)
    return cov.reset_index()


def observed_share(obs: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: its first and last year and the share (%) of province × year cells observed.

    share = 100 · n_observed / (n_provinces_any_indicator · (last − first + 1)).
    """
    n_prov = obs["province"].nunique()
    g = obs.groupby("indicator")
    out = pd.DataFrame({"first": g["year"].min(), "last": g["year"].max(), "cells": g.size()})
    out["share"] = 100 * out["cells"] / (n_prov * (out["last"] - out["first"] + 1))
    return out.reset_index().sort_values(["share", "indicator"]).reset_index(drop=True)


def gaps(obs: pd.DataFrame) -> pd.DataFrame:
    """Province-indicator series with missing years between their first and last observation."""
    rows = []
    for (ind, prov), grp in obs.groupby(["indicator", "province"]):
        years = set(grp["year"])
        missing = sorted(set(range(min(years), max(years) + 1)) - years)
        if missing:
            rows.append(
                {"indicator": ind, "province": prov, "missing_years": ", ".join(map(str, missing))}
            )
    return pd.DataFrame(rows, columns=["indicator", "province", "missing_years"])


def _reason_kind(reason: str) -> str:
    """``duplicate`` from ``duplicate of file line 5 (same value)``: the reason without its particulars."""
    return _REASON_KIND.split(str(reason), maxsplit=1)[0].strip() or str(reason)


def _counts(series: pd.Series, weights: pd.Series | None = None) -> str:
    counts = (
        (weights if weights is not None else pd.Series(1, index=series.index)).groupby(series).sum()
    )
    return (
        ", ".join(f"{k} {int(v)}" for k, v in counts.sort_values(ascending=False).items()) or "none"
    )


def _check_counts(checks: pd.DataFrame) -> str:
    n = checks["status"].value_counts()
    text = ", ".join(f"{int(n.get(s, 0))} {s}" for s in ("pass", "warn", "fail"))
    accepted = int((checks["accepted"] != "").sum()) if "accepted" in checks else 0
    return text + (f"; {accepted} with documented cells accepted" if accepted else "")


def summary_table(
    wh: Warehouse, imputed: pd.DataFrame | None = None, checks: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The summary's rows: item and value (files, cells, rejects, exclusions, imputations, coverage, checks)."""
    obs, acc = wh.observations, wh.accounting
    excluded = int(wh.excluded["cells"].sum()) if len(wh.excluded) else 0
    share = observed_share(obs) if len(obs) else pd.DataFrame(columns=["indicator", "share"])
    lowest = ", ".join(f"{r.indicator} {r.share:.0f} %" for r in share.head(3).itertuples())
    vint = obs.groupby("indicator")["vintage"].nunique()
    rows = [
        ("files", f"{len(acc)} (row accounting balances: {'yes' if acc['balanced'].all() else 'NO'})"),
        ("cells read (non-empty)", f"{int(acc['nonempty_cells'].sum())} = {len(obs)} observations + "
                                   f"{len(wh.rejects)} rejected + {excluded} excluded"),
        ("rejected, by reason", _counts(wh.rejects["reason"].map(_reason_kind)) if len(wh.rejects) else "none"),
        ("excluded, by kind", _counts(wh.excluded["kind"], wh.excluded["cells"]) if len(wh.excluded) else "none"),
        ("cells given by several files", _counts(wh.conflicts["reason"].map(_reason_kind))
                                         if len(wh.conflicts) else "none"),
        ("indicators with mixed vintages", ", ".join(vint[vint > 1].index) or "none"),
        ("coverage", f"{obs['province'].nunique()} provinces, {obs['year'].min()}–{obs['year'].max()}, "
                     f"{obs['indicator'].nunique()} indicators; province-years observed within each "
                     f"indicator's span: median {share['share'].median():.0f} %, lowest {lowest}"
         if len(obs) else "no observations"),
    ]  # fmt: skip
    if imputed is not None:
        by = imputed.groupby("indicator").size().sort_values(ascending=False)
        most = ", ".join(f"{k} {v}" for k, v in by.head(3).items())
        rows.append(("imputed panel cells", f"{len(imputed)} ({_counts(imputed['method'])}) in {len(by)} "
                                            f"indicators{'; most: ' + most if len(by) else ''}"))  # fmt: skip
    if checks is not None:
        rows.append(("plausibility checks", f"{len(checks)} results: {_check_counts(checks)}"
                                            if len(checks) else "none configured"))  # fmt: skip
    return pd.DataFrame(rows, columns=["item", "value"])


def _short_cells(provinces: list, years: list) -> str:
    """``山西 2021, 湖北 2020, … (+3)``: the first cells of a check, named."""
    text = [
        f"{p}{'' if y is None or pd.isna(y) else f' {int(y)}'}" for p, y in zip(provinces, years)
    ]
    more = len(text) - _SUMMARY_CELLS
    return ", ".join(text[:_SUMMARY_CELLS]) + (f", … (+{more})" if more > 0 else "")


def _flagged_checks(checks: pd.DataFrame) -> pd.DataFrame:
    """Checks that warn or fail, fails first: check, indicator, status, n_cells and the first cells."""
    bad = checks[checks["status"] != "pass"]
    bad = bad.assign(order=bad["status"].map({"fail": 0, "warn": 1})).sort_values(
        "order", kind="stable"
    )
    cells = [_short_cells(list(p), list(y)) for p, y in zip(bad["provinces"], bad["years"])]
    return bad[["check", "indicator", "status", "n_cells"]].assign(cells=cells)


def summary(
    wh: Warehouse, imputed: pd.DataFrame | None = None, checks: pd.DataFrame | None = None
) -> str:
    """The one-screen summary in Markdown: :func:`summary_table` and the checks that warn or fail."""
    parts = ["## Summary\n", _md(summary_table(wh, imputed, checks))]
    if checks is not None and len(checks):
        flagged = _flagged_checks(checks)
        if flagged.empty:
            return "".join([*parts, "\nAll plausibility checks pass.\n"])
        parts.append(
            "\n**Checks that warn or fail** (first cells; all of them under *Plausibility checks*)\n"
        )
        parts.append(_md(flagged.head(_SUMMARY_CHECK_ROWS)))
        if len(flagged) > _SUMMARY_CHECK_ROWS:
            parts.append(
                f"\n… and {len(flagged) - _SUMMARY_CHECK_ROWS} more: see *Plausibility checks* below.\n"
            )
    return "".join(parts)


def _value_conflicts(conflicts: pd.DataFrame) -> pd.DataFrame:
    """Cells several files give with different values (the conflicts table also lists equal duplicates)."""
    if conflicts.empty:
        return conflicts
    return conflicts[conflicts["reason"].map(_reason_kind) != "duplicate"].reset_index(drop=True)


def quality_report(
    wh: Warehouse, imputed: pd.DataFrame | None = None, checks: pd.DataFrame | None = None
) -> str:
    """Markdown report of the warehouse, the panel's imputed cells and the plausibility checks (when given)."""
    obs = wh.observations
    vint = (
        obs.groupby("indicator")["vintage"]
        .unique()
        .map(lambda v: ", ".join(sorted(v)))
        .reset_index()
    )
    vint["mixed"] = vint["vintage"].str.contains(",")
    rejects_by = (
        wh.rejects.assign(reason=wh.rejects["reason"].map(_reason_kind))
        .groupby(["source_file", "indicator", "reason"]).size().reset_index(name="cells")
        if len(wh.rejects) else wh.rejects
    )  # fmt: skip
    parts = [
        f"# Data quality report — dataset `{wh.dataset}`\n\n",
        "**SIMULATED DATA** — generated by `imtfp.demo`; not official statistics.\n\n"
        if wh.simulated
        else "",
        summary(wh, imputed, checks),
    ]
    if checks is not None:
        cols = [
            "check",
            "kind",
            "indicator",
            "status",
            "n_cells",
            "n_tested",
            "detail",
            "cells",
            "accepted",
        ]
        cols = [c for c in cols if c in checks.columns]
        parts += ["\n## Plausibility checks (quality/checks.parquet)\n", _md(checks[cols])]
    parts += [
        "\n## Row accounting (non-empty cells = observations + rejects + excluded cells)\n",
        _md(wh.accounting),
        "\n## Excluded rows (national totals, Hong Kong/Macao/Taiwan, unmapped indicators)\n",
        _md(wh.excluded),
        "\n## Rejects by file, indicator and reason (every reject is listed at the end)\n",
        _md(rejects_by),
        "\n## Vintage conflicts resolved (different values; equal duplicates are among the rejects)\n",
        _md(_named(_value_conflicts(wh.conflicts))),
        "\n## Vintages by indicator (mixed = more than one vintage in the kept series)\n",
        _md(vint),
        "\n## Coverage (provinces observed, indicator × year)\n",
        _md(coverage(obs)),
        "\n## Gaps inside observed series\n",
        _md(_named(gaps(obs))),
    ]
    if imputed is not None:
        by = (
            imputed.groupby(["indicator", "method"]).size().reset_index(name="cells")
            if len(imputed)
            else imputed
        )
        parts += ["\n## Imputed cells in the analysis panel, by indicator and method\n", _md(by)]
    parts += ["\n## Appendix: every reject\n", _md(_named(wh.rejects))]
    if imputed is not None:
        parts += ["\n## Appendix: every imputed cell\n", _md(_named(imputed))]
    return "".join(parts)
