"""No stars where a table's own note calls the inference unreliable (issue 25).

* Driscoll–Kraay on fewer periods than ``models.dk_min_periods``: the column is marked †, its note
  says the large-T approximation is unreliable, and it prints no stars;
* fewer than 10 clusters without a wild-bootstrap p: the note says cluster-robust inference is
  unreliable, and the column prints no stars (with a wild p the stars follow it);
* Oster's δ is about driving a coefficient to zero: printed (and interpreted) only when the
  baseline coefficient is significant, else "—" and a note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.report import ReportOptions, format_table
from imtfp.report.builders import falsification_table, inference_table, oster_for_table
from imtfp.report.stage import make_table
from imtfp.report.table import Provenance

pytestmark = pytest.mark.unit


def inference_rows(n_periods: float) -> pd.DataFrame:
    common = {"table": "inference", "term": "im_index", "estimate": 0.46, "nobs": 210,
              "entity_fe": True, "time_fe": True, "dep_var": "tfp", "n_clusters": 30,
              "n_periods": n_periods}  # fmt: skip
    return pd.DataFrame(
        [
            {**common, "column": "clustered", "cov": "clustered", "se": 0.2, "p": 0.03},
            {**common, "column": "driscoll_kraay", "cov": "driscoll_kraay", "se": 0.1, "p": 0.001},
        ]
    )


def cells(table, label: str) -> list[str]:
    return next(r for r in table.body_grid() if r[0] == label)[1:]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_driscoll_kraay_on_seven_periods_prints_no_stars(language):
    table = inference_table(inference_rows(7), options=ReportOptions(language=language))
    label = "智能制造指数" if language == "zh" else "IM index"
    assert cells(table, label) == ["0.460**", "0.460"]
    notes = " ".join(table.notes)
    assert "7" in notes and "†" in notes
    assert ("不标显著性星号" in notes) if language == "zh" else ("no significance stars" in notes)
    assert table.header[table.stub_row][1].text.endswith("†")
    assert "Driscoll–Kraay†" not in notes  # the note names the column without its dagger


def test_the_minimum_of_periods_is_the_configs():
    assert cells(inference_table(inference_rows(25)), "智能制造指数") == ["0.460**", "0.460***"]
    relaxed = inference_table(inference_rows(7), dk_min_periods=5)
    assert cells(relaxed, "智能制造指数") == ["0.460**", "0.460***"]
    assert not any("Driscoll" in n for n in relaxed.notes)


def test_make_table_reads_models_dk_min_periods():
    config = {"models": {"dk_min_periods": 5}, "panel": {"years": [2016, 2022]}}
    prov = Provenance("demo", "v", "hash", {})
    imputed = pd.DataFrame({"indicator": []})
    table = make_table("inference", {"results": inference_rows(7), "imputed": imputed}, config,
                       prov=prov, simulated=False)  # fmt: skip
    assert cells(table, "智能制造指数")[1] == "0.460***"
    config["models"]["dk_min_periods"] = 20
    table = make_table("inference", {"results": inference_rows(7), "imputed": imputed}, config,
                       prov=prov, simulated=False)  # fmt: skip
    assert cells(table, "智能制造指数")[1] == "0.460"


def few_cluster_rows(wild_p: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "column": "(1)",
                "term": "im_index",
                "estimate": 0.5,
                "se": 0.1,
                "p": 0.001,
                "n_clusters": 6,
                "wild_p": wild_p,
                "nobs": 60,
                "entity_fe": True,
                "time_fe": True,
                "cov": "clustered",
            }
        ]  # fmt: skip
    )


def test_few_clusters_without_a_wild_p_print_no_stars():
    table = format_table(few_cluster_rows(np.nan), name="baseline")
    assert cells(table, "智能制造指数") == ["0.500"]
    assert any("不标显著性星号" in n for n in table.notes)
    with_wild = format_table(few_cluster_rows(0.04), name="baseline")
    assert cells(with_wild, "智能制造指数") == ["0.500**"]  # the stars follow the wild p


def falsification_rows(p_baseline: float) -> pd.DataFrame:
    common = {"table": "falsification", "nobs": 210, "entity_fe": True, "time_fe": True,
              "cov": "clustered", "dep_var": "tfp", "n_clusters": 30}  # fmt: skip
    rows = [{**common, "column": "baseline", "term": "im_index", "estimate": 0.2, "se": 0.15,
             "p": p_baseline, "stat": False}]  # fmt: skip
    for term, value in (("oster_beta", 0.1), ("oster_delta", 1.8), ("oster_r2", 0.5),
                        ("oster_rmax", 0.65)):  # fmt: skip
        rows.append({"table": "falsification", "column": "oster", "term": term,
                     "estimate": value, "stat": True})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_oster_delta_only_for_a_significant_coefficient(language):
    options = ReportOptions(language=language)
    delta = (
        "Oster 选择比例（使系数为 0）"
        if language == "zh"
        else ("Oster delta (selection ratio for a zero coefficient)")
    )
    significant = falsification_table(falsification_rows(0.01), options=options)
    assert cells(significant, delta)[-1] == "1.800"
    interpretation = "选择比例大于 1" if language == "zh" else "delta > 1 means"
    assert interpretation in " ".join(significant.notes)

    insignificant = falsification_table(falsification_rows(0.22), options=options)
    assert cells(insignificant, delta)[-1] == "—"
    notes = " ".join(insignificant.notes)
    assert interpretation not in notes
    assert ("不能说明结果稳健" in notes) if language == "zh" else ("says nothing" in notes)
    # β* and R_max are still printed: only δ reads as robustness
    beta = (
        "Oster 偏差校正系数（选择比例 = 1）"
        if language == "zh"
        else ("Oster bias-adjusted coefficient (delta = 1)")
    )
    assert cells(insignificant, beta)[-1] == "0.100"


def test_oster_rule_follows_the_wild_p_with_few_clusters():
    rows = falsification_rows(0.001).assign(n_clusters=6.0, wild_p=0.3)
    out, withheld = oster_for_table(rows, stars=(0.1, 0.05, 0.01))
    assert withheld and out.loc[out["term"] == "oster_delta", "estimate"].isna().all()
    out, withheld = oster_for_table(rows.assign(wild_p=0.02), stars=(0.1, 0.05, 0.01))
    assert not withheld
