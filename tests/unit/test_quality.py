"""The quality report: a summary first, counts that add up, provinces by name, the checks table."""

import re

import pandas as pd
import pytest

from imtfp.checks import run_checks
from imtfp.ingest.nbs import REJECT_COLUMNS
from imtfp.quality import observed_share, quality_report, summary_table
from imtfp.warehouse import Warehouse

pytestmark = pytest.mark.unit


def _warehouse() -> Warehouse:
    obs = pd.DataFrame({
        "province": ["11", "11", "42", "42", "42"], "year": [2019, 2020, 2019, 2020, 2021],
        "indicator": ["gdp", "gdp", "gdp", "gdp", "gdp"], "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        "unit": "亿元", "vintage": "v1", "raw_indicator": "地区生产总值", "raw_value": "1",
        "raw_unit": "亿元", "source_file": "a.csv", "source_line": [5, 5, 6, 6, 6],
    })  # fmt: skip
    rejects = pd.DataFrame([["a.csv", 7, "44", 2020, "gdp", "x", "not a number: 'x'"],
                            ["b.csv", 5, "42", 2019, "gdp", "3", "duplicate of a.csv line 6 (same value)"]],
                           columns=REJECT_COLUMNS)  # fmt: skip
    excluded = pd.DataFrame([["a.csv", 40, "全国", "national", 3]],
                            columns=["source_file", "source_line", "label", "kind", "cells"])  # fmt: skip
    accounting = pd.DataFrame([
        {"source_file": "a.csv", "vintage": "v1", "nonempty_cells": 9, "observations": 5, "rejects": 1,
         "excluded_cells": 3, "balanced": True},
        {"source_file": "b.csv", "vintage": "v1", "nonempty_cells": 1, "observations": 0, "rejects": 1,
         "excluded_cells": 0, "balanced": True},
    ])  # fmt: skip
    conflicts = pd.DataFrame([{"province": "42", "year": 2019, "indicator": "gdp", "kept_vintage": "v1",
                               "kept_value": 3.0, "dropped_vintage": "v1", "dropped_value": 3.0,
                               "dropped_file": "b.csv", "dropped_line": 5,
                               "reason": "duplicate of a.csv line 6 (same value)"}])  # fmt: skip
    return Warehouse(obs, rejects, excluded, accounting, conflicts, "toy", False)


def _checks() -> pd.DataFrame:
    panel = pd.DataFrame({"province": ["11", "11", "42", "42"], "year": [2019, 2020, 2019, 2020],
                          "share": [50.0, 101.0, 20.0, 30.0], "gdp": [1.0, 1.1, 1.0, 3.0]})  # fmt: skip
    return run_checks(panel, {
        "shares": {"kind": "range", "severity": "fail", "indicators": ["share"]},
        "breaks": {"kind": "breaks", "severity": "warn", "thresholds": {"gdp": 50}},
        "ok": {"kind": "range", "severity": "fail", "indicators": ["gdp"], "bounds": [0, 10]},
    })  # fmt: skip


def _imputed() -> pd.DataFrame:
    return pd.DataFrame({"province": ["11", "42"], "year": [2021, 2018], "indicator": ["gdp", "gdp"],
                         "method": ["carry", "carry"], "value": [2.0, 3.0]})  # fmt: skip


def test_summary_comes_first_and_fits_one_screen():
    text = quality_report(_warehouse(), _imputed(), _checks(), lang="en")
    summary = text[text.index("## Summary") : text.index("\n## ", text.index("## Summary") + 1)]
    assert text.index("## Summary") < text.index("## Row accounting") < text.index("## Appendix")
    assert len(summary.splitlines()) <= 40
    assert "| cells read (non-empty) | 10 = 5 observations + 2 rejected + 3 excluded |" in summary
    assert "1 pass, 1 warn, 1 fail" in summary
    assert "| shares | share | fail | 1 | 北京 2020 |" in summary  # the failing cell, named
    assert "| breaks | gdp | warn | 1 | 湖北 2020 |" in summary
    assert "imputed panel cells | 2 (carry 2)" in summary


@pytest.mark.parametrize(
    "lang, column, names",
    [
        ("en", "province", {"Beijing", "Hubei", "Guangdong"}),
        ("zh", "省份", {"北京", "湖北", "广东"}),
    ],
)
def test_provinces_are_named_not_coded(lang, column, names):
    text = quality_report(_warehouse(), _imputed(), _checks(), lang=lang)
    columns, seen = None, []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")] if line.startswith("|") else None
        if cells is None or set(line) <= set("|-"):
            columns = None if cells is None else columns
            continue
        if columns is None:
            columns = cells
        elif column in columns:
            seen.append(cells[columns.index(column)])
    assert names <= set(seen)  # imputed cells, rejects
    assert not [p for p in seen if re.fullmatch(r"\d+", p)], seen


def test_summary_counts_rejects_by_reason_and_duplicates_are_not_conflicts():
    table = summary_table(_warehouse(), _imputed(), _checks()).set_index("item")["value"]
    assert table["rejected, by reason"] in (
        "duplicate 1, not a number 1",
        "not a number 1, duplicate 1",
    )
    assert table["cells given by several files"] == "duplicate 1"
    text = quality_report(_warehouse())
    conflicts = text[text.index("## Vintage conflicts") : text.index("## Vintages by indicator")]
    assert "_none_" in conflicts


def test_observed_share():
    share = observed_share(_warehouse().observations).set_index("indicator")
    # 5 cells of 2 provinces x 3 years (2019-2021)
    assert share.loc["gdp", "share"] == pytest.approx(100 * 5 / 6)


def test_accepted_cells_are_counted_in_the_summary_and_listed_in_the_detail():
    checks = _checks()
    panel = pd.DataFrame({"province": ["42", "42"], "year": [2019, 2020], "gdp": [1.0, 3.0]})
    spec = {"kind": "breaks", "severity": "fail", "thresholds": {"gdp": 50},
            "accept": [{"province": "湖北", "year": 2020, "reason": "documented break"}]}  # fmt: skip
    checks = pd.concat([checks, run_checks(panel, {"known": spec})], ignore_index=True)
    text = quality_report(_warehouse(), _imputed(), checks)
    assert (
        "3 results: 2 pass" not in text
        and "4 results: 2 pass, 1 warn, 1 fail; 1 with documented" in text
    )
    assert "湖北 2020: documented break" in text[text.index("## Plausibility checks") :]


def test_the_report_in_chinese():
    text = quality_report(_warehouse(), _imputed(), _checks(), lang="zh")
    assert text.startswith("# 数据质量报告 — 数据集 `toy`")
    assert (
        text.index("## 摘要") < text.index("## 逐文件核算") < text.index("## 附录：全部拒收单元格")
    )
    assert "| 读取的单元格（非空） | 10 = 5 个观测值 + 2 个拒收 + 3 个排除 |" in text
    assert "| 检查 | 指标 | 状态 | 单元格数 | 单元格 |" in text


def test_simulated_only_when_the_demo_wrote_the_data():
    # issue 22: a user's EPS file was called "generated by imtfp.demo" (a copied `simulated: true`)
    wh = _warehouse()
    wh.simulated = True
    copied = quality_report(wh, lang="en", simulated=False)
    assert "SIMULATED" not in copied and "were not written by `imtfp.demo`" in copied
    assert "**SIMULATED DATA" in quality_report(wh, lang="en", simulated=True)
    assert "模拟" not in quality_report(_warehouse(), lang="zh")
