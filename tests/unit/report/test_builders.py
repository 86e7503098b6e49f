"""Specialised tables: numbers checked against independent computations (pandas, closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ReportError
from imtfp.report import (
    ReportOptions,
    correlation_table,
    coupling_table,
    descriptive_table,
    inference_table,
    iv_table,
    mediation_table,
    robustness_table,
    select_table,
    threshold_table,
    weights_table,
)
from imtfp.report.builders import MODEL_TABLES

pytestmark = pytest.mark.unit
EN = ReportOptions(language="en")


def _cells(table):
    return {r[0]: r[1:] for r in table.body_grid() if r[0]}


def test_descriptive_matches_pandas_describe(panel):
    table = descriptive_table(panel, variables=["im_index", "urban"], options=EN)
    assert [h.text for h in table.header[0]] == ["N", "Mean", "SD", "Min", "Max"]
    got = _cells(table)["Urbanisation"]
    ref = panel["urban"].describe()  # pandas: count, mean, std (ddof 1), min, max
    assert got == [str(int(ref["count"]))] + [
        f"{ref[k]:.3f}" for k in ("mean", "std", "min", "max")
    ]


def test_correlation_lower_triangle_r_and_stars_match_t_test(panel):
    table = correlation_table(panel, variables=["im_index", "tfp", "urban"], options=EN)
    grid = table.body_grid()
    assert grid[0] == ["(1) IM index", "1.000", "", ""]
    r = panel["urban"].corr(panel["tfp"])
    n = len(panel)
    # two-sided p of t = r√((n−2)/(1−r²)) with n−2 df, an independent route to scipy.stats.pearsonr
    from scipy.stats import t as student

    p = 2 * student.sf(abs(r) * math.sqrt((n - 2) / (1 - r * r)), n - 2)
    stars = "*" * sum(p < lvl for lvl in (0.1, 0.05, 0.01))
    assert grid[2][2] == f"{r:.3f}{stars}"
    assert grid[2][3] == "1.000"


def test_weights_grouped_with_subtotals(weights):
    table = weights_table(weights, options=EN)
    grid = table.body_grid()
    assert table.stub == "Indicator"
    assert [h.text for h in table.header[0]] == ["Entropy", "CRITIC"]
    assert grid[0] == ["Technology subsystem", "0.6000", "0.5000"]  # 0.4 + 0.2, 0.25 + 0.25
    assert grid[1][0] == "R&D expenditure"
    assert [r.kind for r in table.rows].count("section") == 3


def test_weights_several_schemes_make_separate_columns(weights):
    per_year = weights.assign(scheme="per_year")
    table = weights_table(
        __import__("pandas").concat([weights, per_year]), options=ReportOptions(language="zh")
    )
    assert [h.text for h in table.header[0]] == [
        "熵值法（全局）",
        "CRITIC 法（全局）",
        "熵值法（逐年）",
        "CRITIC 法（逐年）",
    ]


def test_coupling_means_and_levels(coupling):
    table = coupling_table(coupling, options=EN)
    grid = table.body_grid()
    east = coupling[coupling["region"] == "east"].groupby("year")["D"].mean()
    assert grid[0][0] == "East"
    assert grid[0][1:] == [f"{v:.3f}" for v in east]
    # the level row: band floor(10·D̄) of the ten coordination levels
    names = [
        "Extreme imbalance",
        "Serious imbalance",
        "Moderate imbalance",
        "Mild imbalance",
        "Verge of imbalance",
        "Barely coordinated",
        "Primary coordination",
        "Intermediate coordination",
        "Good coordination",
        "High-quality coordination",
    ]
    assert grid[1][1:] == [names[int(np.floor(v * 10))] for v in east]
    assert [r[0] for r in grid if r[0]] == ["East", "Central", "West", "Northeast", "National"]
    national = coupling.groupby("year")["D"].mean()
    assert grid[-2][1:] == [f"{v:.3f}" for v in national]


def test_select_table_errors_name_the_tables_present(results):
    with pytest.raises(ReportError, match="'baseline'"):
        select_table(results, "nonexistent")


def test_every_model_table_builds(results):
    for key, build in MODEL_TABLES.items():
        table = build(results, options=EN)
        assert table.name == key and table.rows


def test_inference_table_columns_are_methods_and_wild_column_has_no_se(results):
    table = inference_table(results, options=EN)
    assert [h.text for h in table.header[table.stub_row]] == [
        "Clustered (province)",
        "Driscoll–Kraay",
        "Two-way clustered",
        "Wild cluster bootstrap",
    ]
    grid = table.body_grid()
    assert grid[0] == ["IM index", "0.410**", "0.410***", "0.410**", "0.410*"]
    assert grid[1][4] == "" and grid[2][4] == "[0.062]" and grid[3][4] == "[-0.020, 0.850]"
    assert "Inference" not in [r[0] for r in grid]


def test_mediation_rows_in_path_order_and_statistics_without_stars(results):
    table = mediation_table(results, options=EN)
    labels = [r[0] for r in table.body_grid() if r[0]]
    assert labels == [
        "Total effect c",
        "Path a (X→M)",
        "Path b (M→Y)",
        "Direct effect c′",
        "Indirect effect a·b",
        "Bootstrap 95% CI (percentile)",
        "Sobel z",
        "Proportion mediated",
    ]
    cells = _cells(table)
    assert cells["Sobel z"] == ["2.400", "2.400"]
    assert cells["Bootstrap 95% CI (percentile)"] == ["[0.030, 0.220]"] * 2
    assert [h.text for h in table.header[0]] == [
        "Technological innovation",
        "Factor-allocation efficiency",
    ]


def test_mediation_column_blocks_from_group_separator(results):
    med = select_table(results, "mediation")
    med = med.assign(column=med["column"] + ":(1)")
    table = mediation_table(med, options=EN)
    assert [(h.text, h.span) for h in table.header[0]] == [
        ("Technological innovation", 1),
        ("Factor-allocation efficiency", 1),
    ]
    assert [h.text for h in table.header[1]] == ["(1)", "(1)"]


def test_iv_and_threshold_statistic_rows(results):
    iv = _cells(iv_table(results, options=EN))
    assert iv["First-stage F"] == ["23.400"]
    assert iv["Kleibergen–Paap rk LM"] == ["12.100"]
    th = threshold_table(results, options=EN)
    grid = th.body_grid()
    i = [r[0] for r in grid].index("Threshold γ1")
    assert grid[i][1] == "0.450" and grid[i + 1][1] == "[0.410, 0.490]"
    assert _cells(th)["F (single threshold)"] == ["18.200"]


def test_robustness_with_multiverse_summary_column(results):
    summary = pd.DataFrame(
        [
            {
                "n_specs": 144,
                "baseline_spec_id": 0,
                "baseline_estimate": 0.41,
                "share_same_sign": 0.9375,
                "share_significant": 0.8125,
                "median": 0.3861,
                "q25": 0.31,
                "q75": 0.47,
                "truth": np.nan,
                "most_influential_choice": "sample",
            }
        ]
    )
    table = robustness_table(results, summary=summary, options=EN)
    assert table.header[table.stub_row][-1].text == "Multiverse"
    cells = _cells(table)
    assert cells["Specifications"][-1] == "144"  # a count: no decimals
    assert cells["Share with baseline sign"][-1] == "0.938"
    assert cells["Median estimate"][-1] == "0.386"
    assert "Simulated truth" not in cells  # NaN statistics are left out
    with pytest.raises(ReportError, match="one row"):
        robustness_table(results, summary=pd.concat([summary, summary]))


def _labels(table) -> list[str]:
    return [r[0] for r in table.body_grid() if r[0]]


def test_frontier_table_rows_in_model_order_without_clusters_or_controls(results):
    table = MODEL_TABLES["sfa"](results, options=EN)
    assert _labels(table) == [
        "Constant", "ln Capital stock", "ln Labour", "Time trend",
        "Inefficiency: Constant", "Inefficiency: IM index",
        "σ² = σ²_u + σ²_v", "γ = σ²_u / σ²", "η (time-varying inefficiency)",
        "Mean technical efficiency", "Log likelihood", "One-sided LR test (γ = 0)",
        "LR test degrees of freedom", "Observations", "Inference",
    ]  # fmt: skip
    grid = {r[0]: r[1:] for r in table.body_grid() if r[0]}
    assert grid["γ = σ²_u / σ²"] == ["0.800***", "0.600***"]  # a parameter: stars
    assert grid["Mean technical efficiency"] == ["0.750", "0.750"]  # a statistic: none
    assert grid["LR test degrees of freedom"] == ["2", "3"]
    assert any("mixture of χ²" in n for n in table.notes)
    assert any("inefficiency equation" in n for n in table.notes)


def test_spatial_table_effects_of_the_regressor_and_controls_summarised(results):
    table = MODEL_TABLES["spatial"](results, options=EN)
    assert _labels(table) == [
        "Spatial lag ρ", "IM index", "W × IM index",
        "Direct effect: IM index", "Indirect effect (spillover): IM index", "Total effect: IM index",
        "Log likelihood", "Moran's I (non-spatial residuals)", "LM lag", "LM error",
        "Observations", "Province FE", "Year FE", "Controls", "Inference",
    ]  # fmt: skip
    assert any("Spatial Durbin model (SDM) with province and year" in n for n in table.notes)
    assert any("1000 parameter draws" in n for n in table.notes)
    shown = MODEL_TABLES["spatial"](
        results, options=ReportOptions(language="en", control_terms="show")
    )
    assert {"Urbanisation", "W × Urbanisation", "Direct effect: Urbanisation"} <= set(
        _labels(shown)
    )


def test_dynamic_table_degrees_of_freedom_and_the_few_groups_note(results):
    table = MODEL_TABLES["dynamic"](results, options=EN)
    labels = _labels(table)
    assert labels[:3] == ["L1.TFP", "IM index", "Constant"]  # year dummies: the year-FE row
    assert labels.index("Hansen test degrees of freedom") == labels.index("Hansen J") + 1
    grid = {r[0]: r[1:] for r in table.body_grid() if r[0]}
    assert grid["Instruments"] == ["12", "12"] and grid["Sargan test degrees of freedom"] == [
        "4",
        "4",
    ]
    assert "Clusters" not in grid
    assert any("only 6 provinces" in n and "at most 12" in n for n in table.notes)


def test_frontier_table_names_a_column_whose_optimiser_did_not_converge(results):
    sfa = results[results["table"] == "sfa"].copy()
    sfa["converged"] = sfa["column"] != "bc95"
    sfa["gradient_norm"] = np.where(sfa["converged"], 1e-6, 44.5)
    notes = MODEL_TABLES["sfa"](sfa, options=EN).notes
    assert any(
        n.startswith("BC95 inefficiency effects: the likelihood maximisation did not converge")
        and "44.5" in n
        for n in notes
    )
    converged = sfa.assign(converged=True)
    assert not any(
        "did not converge" in n for n in MODEL_TABLES["sfa"](converged, options=EN).notes
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_falsification_note_describes_only_the_tests_that_ran(results, language):
    from imtfp.report.builders import falsification_table
    from imtfp.report.labels import Labels

    labels = Labels(language)
    table = falsification_table(results, labels=labels)
    note = " ".join(table.notes)
    # leads, permutation and Oster ran; no placebo outcome, no trends column
    assert ("placebo" not in note.lower()) and ("安慰剂" not in note)
    assert ("trend" not in note.lower()) and ("趋势" not in note)
    assert "999" in note
    placebo = results[results["column"] == "baseline"].assign(column="placebo:urban")
    with_placebo = falsification_table(pd.concat([results, placebo]), labels=labels)
    text = " ".join(with_placebo.notes)
    assert ("placebo outcomes" in text) or ("安慰剂" in text)


@pytest.mark.parametrize(
    ("language", "expected"), [("zh", "中部（含东北）"), ("en", "Central (incl. Northeast)")]
)
def test_a_merged_subgroup_says_what_it_holds(results, language, expected):
    rows = results.assign(merged_from=np.where(results["column"] == "central", "northeast", ""))
    # the registry's builder of the heterogeneity table (the generic one)
    table = MODEL_TABLES["heterogeneity"](rows, options=ReportOptions(language=language))
    assert expected in [h.text for h in table.header[table.stub_row]]
