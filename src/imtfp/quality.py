"""The data-quality report: a one-screen summary, then row accounting, checks, coverage, gaps, conflicts.

The summary on top answers what a reader asks first: how many files and cells were read, how many were
rejected, excluded or imputed, which plausibility checks warn or fail (and on which cells), and how
complete the data are. The detail follows; full cell lists (rejects, imputed cells) come last.
Provinces are named (北京, or Beijing in English), never coded (11), everywhere in the report.
Headings, the summary and column names follow the run's language (the first of ``report.languages``; the texts
are in :mod:`imtfp.messages`). The report says the data are simulated only when the demo wrote
them (:func:`imtfp.demo.wrote`), not because a copied manifest says ``simulated: true``.
"""

from __future__ import annotations

import re

import pandas as pd

from imtfp import messages, provinces
from imtfp.warehouse import Warehouse

_SUMMARY_CHECK_ROWS = 10  # rows of the warn/fail table in the summary; the detail lists them all
_SUMMARY_CELLS = 6  # cells named per check in the summary
_REASON_KIND = re.compile(r"\s+(?:of|by)\s+|[:(（]")


def _t(msg_id: str, lang: str | None, **args) -> str:
    return messages.text(f"quality.{msg_id}", lang=lang, **args)


def _md(df: pd.DataFrame, lang: str | None = None) -> str:
    """A Markdown table; column names in the report's language where the catalogue has them."""
    if df.empty:
        return f"\n{_t('none', lang)}\n"
    known = messages.catalogue()
    df = df.rename(columns=lambda c: _t(f"col.{c}", lang) if f"quality.col.{c}" in known else c)
    cells = df.astype(str).apply(
        lambda col: col.str.replace("|", "\\|", regex=False).str.replace("\n", " ")
    )
    head = "| " + " | ".join(map(str, cells.columns)) + " |"
    rule = "|" + "|".join("---" for _ in cells.columns) + "|"
    body = ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n" + "\n".join([head, rule, *body]) + "\n"


def _named(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """The frame with its ``province`` codes replaced by short names (other labels kept as they are)."""
    if df.empty or "province" not in df.columns:
        return df
    language = "en" if (messages._normal(lang) or messages.language()) == "en" else "zh"
    return df.assign(
        province=[
            provinces.name(p, language=language) if isinstance(p, str) else p
            for p in df["province"]
        ]
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


def _check_counts(checks: pd.DataFrame, lang: str | None = None) -> str:
    n = checks["status"].value_counts()
    text = ", ".join(f"{int(n.get(s, 0))} {s}" for s in ("pass", "warn", "fail"))
    accepted = int((checks["accepted"] != "").sum()) if "accepted" in checks else 0
    return text + (_t("accepted", lang, n=accepted) if accepted else "")


def summary_table(
    wh: Warehouse,
    imputed: pd.DataFrame | None = None,
    checks: pd.DataFrame | None = None,
    *,
    lang: str | None = None,
) -> pd.DataFrame:
    """The summary's rows: item and value (files, cells, rejects, exclusions, imputations, coverage, checks)."""
    obs, acc = wh.observations, wh.accounting
    excluded = int(wh.excluded["cells"].sum()) if len(wh.excluded) else 0
    share = observed_share(obs) if len(obs) else pd.DataFrame(columns=["indicator", "share"])
    lowest = ", ".join(f"{r.indicator} {r.share:.0f} %" for r in share.head(3).itertuples())
    vint = obs.groupby("indicator")["vintage"].nunique()
    none = _t("none_word", lang)
    balanced = _t("yes" if acc["balanced"].all() else "no", lang)
    rows = [
        ("files", _t("v.files", lang, n=len(acc), balanced=balanced)),
        ("cells", _t("v.cells", lang, n=int(acc["nonempty_cells"].sum()), obs=len(obs),
                     rejects=len(wh.rejects), excluded=excluded)),
        ("rejected", _counts(wh.rejects["reason"].map(_reason_kind)) if len(wh.rejects) else none),
        ("excluded", _counts(wh.excluded["kind"], wh.excluded["cells"]) if len(wh.excluded) else none),
        ("several_files", _counts(wh.conflicts["reason"].map(_reason_kind))
                          if len(wh.conflicts) else none),
        ("mixed_vintages", ", ".join(vint[vint > 1].index) or none),
        ("coverage", _t("v.coverage", lang, provinces=obs["province"].nunique(),
                        first=obs["year"].min(), last=obs["year"].max(),
                        indicators=obs["indicator"].nunique(),
                        median=f"{share['share'].median():.0f}", lowest=lowest)
         if len(obs) else _t("v.no_observations", lang)),
    ]  # fmt: skip
    if imputed is not None:
        by = imputed.groupby("indicator").size().sort_values(ascending=False)
        most = ", ".join(f"{k} {v}" for k, v in by.head(3).items())
        rows.append(("imputed", _t("v.imputed", lang, n=len(imputed), methods=_counts(imputed["method"]),
                                   indicators=len(by), most=_t("v.most", lang, most=most) if len(by) else "")))  # fmt: skip
    if checks is not None:
        rows.append(("checks", _t("v.checks", lang, n=len(checks), counts=_check_counts(checks, lang))
                               if len(checks) else _t("v.no_checks", lang)))  # fmt: skip
    rows = [(_t(f"item.{key}", lang), value) for key, value in rows]
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
    wh: Warehouse,
    imputed: pd.DataFrame | None = None,
    checks: pd.DataFrame | None = None,
    *,
    lang: str | None = None,
) -> str:
    """The one-screen summary in Markdown: :func:`summary_table` and the checks that warn or fail."""
    parts = [
        f"## {_t('h.summary', lang)}\n",
        _md(summary_table(wh, imputed, checks, lang=lang), lang),
    ]
    if checks is not None and len(checks):
        flagged = _flagged_checks(checks)
        if flagged.empty:
            return "".join([*parts, f"\n{_t('all_pass', lang)}\n"])
        parts.append(f"\n**{_t('flagged', lang)}**\n")
        parts.append(_md(flagged.head(_SUMMARY_CHECK_ROWS), lang))
        if len(flagged) > _SUMMARY_CHECK_ROWS:
            parts.append(f"\n{_t('more_flagged', lang, n=len(flagged) - _SUMMARY_CHECK_ROWS)}\n")
    return "".join(parts)


def _value_conflicts(conflicts: pd.DataFrame) -> pd.DataFrame:
    """Cells several files give with different values (the conflicts table also lists equal duplicates)."""
    if conflicts.empty:
        return conflicts
    return conflicts[conflicts["reason"].map(_reason_kind) != "duplicate"].reset_index(drop=True)


def quality_report(
    wh: Warehouse,
    imputed: pd.DataFrame | None = None,
    checks: pd.DataFrame | None = None,
    *,
    lang: str | None = None,
    simulated: bool | None = None,
) -> str:
    """Markdown report of the warehouse, the panel's imputed cells and the plausibility checks (when given).

    ``lang``: ``zh`` or ``en`` (default the run's language). ``simulated``: whether the demo wrote
    the data (:func:`imtfp.demo.wrote`); default the warehouse's flag. A manifest that claims
    ``simulated: true`` for files the demo did not write gets a line saying so, not the banner.
    """
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
    simulated = wh.simulated if simulated is None else simulated
    banner = ""
    if simulated:
        banner = f"**{_t('simulated', lang)}**\n\n"
    elif wh.simulated:
        banner = f"{_t('simulated_not_demo', lang)}\n\n"
    parts = [
        f"# {_t('title', lang, dataset=wh.dataset)}\n\n",
        banner,
        summary(wh, imputed, checks, lang=lang),
    ]

    def section(key: str, frame: pd.DataFrame) -> None:
        parts.extend([f"\n## {_t(f'h.{key}', lang)}\n", _md(frame, lang)])

    if checks is not None:
        cols = ["check", "kind", "indicator", "status", "n_cells", "n_tested", "detail", "cells",
                "accepted"]  # fmt: skip
        section("checks", checks[[c for c in cols if c in checks.columns]])
    section("accounting", wh.accounting)
    section("excluded", wh.excluded)
    section("rejects", rejects_by)
    section("conflicts", _named(_value_conflicts(wh.conflicts), lang))
    section("vintages", vint)
    section("coverage", coverage(obs))
    section("gaps", _named(gaps(obs), lang))
    if imputed is not None:
        by = (
            imputed.groupby(["indicator", "method"]).size().reset_index(name="cells")
            if len(imputed)
            else imputed
        )
        section("imputed", by)
    section("all_rejects", _named(wh.rejects, lang))
    if imputed is not None:
        section("all_imputed", _named(imputed, lang))
    return "".join(parts)
