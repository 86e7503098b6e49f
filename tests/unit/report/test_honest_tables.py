"""Regressions of issue 13: tables that warn, mediation read from the bootstrap, labels that never lie."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from imtfp.errors import ConfigError
from imtfp.models.mediation_analysis import product_tests
from imtfp.report import ReportOptions
from imtfp.report.builders import (
    baseline_table,
    iv_table,
    mediation_table,
    robustness_table,
    threshold_table,
)
from imtfp.report.labels import Labels
from imtfp.report.stage import check_label, config_hash, report_options, sample_note
from imtfp.report.table import format_table
from imtfp.tidy import tidy_frame

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
# an identifier: ASCII letters/digits joined by "_" (urban_rate, iv_post, im_index …)
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+")


def texts(table) -> list[str]:
    """Every string a reader sees: title, header, body, notes."""
    out = [table.title, table.stub, *table.notes]
    out += [c for row in table.header_grid() for c in row]
    out += [c for row in table.body_grid() for c in row]
    return out


def demo_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def model_rows(
    column: str,
    *,
    n_clusters: float = 31,
    wild_p: float = np.nan,
    p: float = 0.03,
    entity_fe: bool = True,
    time_fe: bool = True,
    cov: str = "clustered",
    n_periods: float = 12,
    controls: str = "gov,open,urban_rate",
) -> list[dict]:
    common = dict(
        table="baseline",
        column=column,
        nobs=372,
        r2_within=0.4,
        entity_fe=entity_fe,
        time_fe=time_fe,
        controls=controls,
        cov=cov,
        dep_var="tfp_solow",
        n_clusters=n_clusters,
        n_periods=n_periods,
    )
    return [
        {**common, "term": "im_index", "estimate": 0.5, "se": 0.2, "p": p, "wild_p": wild_p},
        {**common, "term": "urban_rate", "estimate": 0.01, "se": 0.004, "p": 0.02},
    ]


# -- inference -------------------------------------------------------------------------------


def test_every_model_table_prints_clusters_and_inference():
    tidy = pd.DataFrame(model_rows("(1)") + model_rows("(2)"))
    body = baseline_table(tidy, options=ReportOptions(language="en")).body_grid()
    labels = [r[0] for r in body]
    assert ["Clusters", "31", "31"] in body
    assert "Inference" in labels


def test_few_clusters_print_wild_p_beside_clustered_and_stars_follow_it():
    tidy = pd.DataFrame(model_rows("(1)") + model_rows("(2)", n_clusters=3, wild_p=0.31))
    table = baseline_table(tidy, options=ReportOptions(language="en"))
    body = table.body_grid()
    assert body[0] == ["IM index", "0.500**", "0.500"]  # (2): wild p = 0.31 → no stars
    p_row = next(r for r in body if r[0] == "p-value")
    wild_row = next(r for r in body if r[0] == "Wild cluster bootstrap p")
    assert p_row[2] == "[0.030]" and wild_row[2] == "{0.310}"
    assert p_row[1] == "" and wild_row[1] == ""  # 31 clusters: no wild p unless asked
    assert any("fewer than 10 clusters (smallest 3)" in n for n in table.notes)


def test_headline_wild_puts_the_wild_p_under_every_headline_coefficient():
    tidy = pd.DataFrame(model_rows("(1)", wild_p=0.04) + model_rows("(2)", wild_p=0.2))
    body = baseline_table(
        tidy, options=ReportOptions(language="zh", headline_wild=True)
    ).body_grid()
    wild_row = next(r for r in body if r[0] == "野聚类自助法 p 值")
    assert wild_row[1:] == ["{0.040}", "{0.200}"]


def test_driscoll_kraay_on_few_periods_is_flagged_in_the_table():
    tidy = pd.DataFrame(model_rows("(1)", cov="driscoll_kraay", n_periods=12))
    table = baseline_table(tidy, options=ReportOptions(language="en"))
    inference = next(r for r in table.body_grid() if r[0] == "Inference")
    assert inference[1].endswith("†")
    assert any("only 12 periods" in n for n in table.notes)
    # columns that are inference methods: the header carries the dagger
    methods = pd.DataFrame(
        model_rows("clustered") + model_rows("driscoll_kraay", cov="driscoll_kraay")
    )
    methods["table"] = "inference"
    from imtfp.report.builders import inference_table

    header = inference_table(methods, options=ReportOptions(language="en")).header_grid()
    assert "Driscoll–Kraay†" in header[0]


def test_r2_label_follows_the_model_and_controls_are_listed_per_column():
    tidy = pd.DataFrame(
        model_rows("(1)", entity_fe=False, time_fe=False, controls="urban_rate")
        + model_rows("(2)", controls="gov,urban_rate")
    )
    body = baseline_table(tidy, options=ReportOptions(language="zh")).body_grid()
    assert ["R²", "0.400", ""] in body
    assert ["组内 R²", "", "0.400"] in body
    assert ["控制变量：政府干预", "否", "是"] in body
    assert ["控制变量：城镇化率", "是", "是"] in body


# -- mediation ---------------------------------------------------------------------------------


def mediation_rows(ci: tuple[float, float], *, sobel_p: float, total_p: float, goodman=2.0):
    c = dict(
        table="mediation",
        column="innovation",
        nobs=372,
        entity_fe=True,
        time_fe=True,
        controls="gov",
        cov="clustered",
    )
    return tidy_frame(
        [
            {
                **c,
                "term": "c_total",
                "estimate": 0.3,
                "se": 0.2,
                "p": total_p,
                "dep_var": "tfp_solow",
            },
            {**c, "term": "a", "estimate": 0.5, "se": 0.1, "p": 0.001, "dep_var": "innov"},
            {**c, "term": "b", "estimate": 0.2, "se": 0.1, "p": 0.04, "dep_var": "tfp_solow"},
            {**c, "term": "c_prime", "estimate": 0.2, "se": 0.2, "p": 0.3, "dep_var": "tfp_solow"},
            {
                **c,
                "term": "indirect",
                "estimate": 0.1,
                "se": 0.04,
                "p": sobel_p,
                "ci_low": ci[0],
                "ci_high": ci[1],
                "dep_var": "tfp_solow",
            },
            {**c, "term": "sobel_z", "estimate": 2.5, "p": sobel_p},
            {**c, "term": "goodman_z", "estimate": goodman, "p": 0.01},
            {**c, "term": "proportion_mediated", "estimate": 0.94},
        ]
    )


@pytest.mark.parametrize(
    ("ci", "stars"), [((-0.01, 0.2), ""), ((0.02, 0.2), "**"), ((-0.3, -0.01), "**")]
)
def test_indirect_stars_agree_with_the_bootstrap_interval(ci, stars):
    table = mediation_table(
        mediation_rows(ci, sobel_p=0.012, total_p=0.01), options=ReportOptions(language="en")
    )
    row = next(r for r in table.body_grid() if r[0] == "Indirect effect a·b")
    assert row[1] == "0.100" + stars  # never the Sobel p's stars when the interval says otherwise
    assert any("bootstrap percentile interval" in n for n in table.notes)


def test_share_mediated_only_when_the_total_effect_is_significant():
    shown = mediation_table(
        mediation_rows((0.02, 0.2), sobel_p=0.01, total_p=0.01),
        options=ReportOptions(language="en"),
    ).body_grid()
    withheld = mediation_table(
        mediation_rows((0.02, 0.2), sobel_p=0.01, total_p=0.3), options=ReportOptions(language="en")
    )
    assert next(r for r in shown if r[0] == "Proportion mediated")[1] == "0.940"
    assert next(r for r in withheld.body_grid() if r[0] == "Proportion mediated")[1] == "—"
    assert any("not significant" in n for n in withheld.notes)


def test_goodman_is_withheld_when_its_variance_is_degenerate():
    # t_a² + t_b² ≤ 2: the Goodman variance is at most half the Sobel variance → not reported
    assert np.isnan(product_tests(0.1, 0.1, 0.05, 0.1)["goodman_z"])
    assert np.isfinite(product_tests(0.5, 0.1, 0.4, 0.1)["goodman_z"])
    table = mediation_table(
        mediation_rows((0.02, 0.2), sobel_p=0.01, total_p=0.01, goodman=np.nan),
        options=ReportOptions(language="en"),
    )
    assert next(r for r in table.body_grid() if r[0] == "Goodman z")[1] == "—"
    assert any("Goodman test is not reported" in n for n in table.notes)


# -- labels ------------------------------------------------------------------------------------


def test_a_chinese_table_contains_no_ascii_identifier():
    cfg = demo_config()
    options, labels = report_options(cfg)
    tidy = pd.DataFrame(model_rows("(1)", n_clusters=3, wild_p=0.2) + model_rows("(2)"))
    imputed = pd.DataFrame({"indicator": ["urban_rate", "innov"]})
    cfg["panel"]["drop_provinces"] = ["54"]
    table = baseline_table(
        tidy, options=options, labels=labels, notes=(sample_note(cfg, imputed, labels),)
    )
    bad = [t for t in texts(table) if IDENTIFIER.search(t)]
    assert not bad, bad
    # notes are Chinese apart from names of methods and authors (the provenance note excepted)
    names = {
        "Webb",
        "Sobel",
        "Aroian",
        "Goodman",
        "Bootstrap",
        "Driscoll",
        "Kraay",
        "Oster",
        "CRITIC",
    }
    words = {w for n in table.notes[:-1] for w in re.findall(r"[A-Za-z]{4,}", n)}
    assert words <= names, words


def test_a_missing_label_is_an_error_that_names_it_and_the_config_key():
    _, labels = report_options(demo_config())
    tidy = tidy_frame(
        [{"column": "(1)", "term": "mystery_var", "estimate": 1.0, "se": 0.1, "p": 0.5}]
    )
    with pytest.raises(ConfigError, match=r"'mystery_var'.*report: \{variable_labels"):
        format_table(tidy, name="baseline", labels=labels)


def test_variable_labels_in_the_config_label_a_new_variable():
    cfg = demo_config()
    cfg["report"]["variable_labels"] = {"mystery_var": {"zh": "神秘变量", "en": "Mystery"}}
    _, labels = report_options(cfg)
    assert labels.var("mystery_var") == "神秘变量"


def test_configs_differing_in_index_method_print_different_hashes():
    cfg = demo_config()
    critic = copy.deepcopy(cfg)
    critic["index"]["method"] = "critic"
    assert config_hash(cfg) != config_hash(critic)
    # and the table rule hashes the whole config of the run, not the report's sections only
    rule = (ROOT / "workflow/rules/report.smk").read_text(encoding="utf-8")
    assert "config_hash=config_hash(config)" in rule


def test_a_check_is_labelled_by_what_its_resolved_config_runs():
    cfg = demo_config()
    critic = copy.deepcopy(cfg)
    critic["index"]["method"] = "critic"
    zh = Labels("zh")
    assert (
        check_label("per_year_entropy", critic, {"index": {"scheme": "per_year"}}, zh)[0]
        == "指数方法：逐年CRITIC 法"
    )
    assert check_label("critic_weights", critic, {"index": {"method": "critic"}}, zh) == (
        "同基准设定",
        True,
    )
    label, _ = check_label(
        "winsorize_1pct", cfg, {"models": {"transforms": {"winsorize": {"level": 0.01}}}}, zh
    )
    assert label == "双侧缩尾 1%"
    results = tidy_frame(
        [
            {
                "table": "robustness",
                "column": name,
                "term": "im_index",
                "estimate": 0.3,
                "se": 0.1,
                "p": 0.01,
            }
            for name in ("baseline", "critic_weights")
        ]
    )
    table = robustness_table(
        results,
        checks={"critic_weights": ("同基准设定", True)},
        options=ReportOptions(language="zh"),
    )
    assert [h.text for h in table.header[table.stub_row]] == ["基准", "同基准设定"]
    assert any("与基准完全相同" in n for n in table.notes)


def test_iv_table_without_instrument_says_so():
    lag = tidy_frame(
        [
            {
                "table": "iv",
                "column": "lag1",
                "term": "L1.im_index",
                "estimate": 0.2,
                "se": 0.1,
                "p": 0.04,
                "nobs": 341,
                "entity_fe": True,
                "time_fe": True,
                "cov": "clustered",
            }
        ]
    )
    table = iv_table(lag, options=ReportOptions(language="zh"))
    assert table.title == "内生性处理：滞后解释变量"
    assert any("未配置工具变量" in n for n in table.notes)


def test_threshold_regimes_only_when_the_threshold_is_accepted():
    def rows(p):
        c = {
            "table": "threshold",
            "column": "threshold",
            "nobs": 372,
            "entity_fe": True,
            "time_fe": True,
        }
        return tidy_frame(
            [
                {
                    **c,
                    "term": "im_index:regime1 (-inf<edu_years<=9.1)",
                    "estimate": 0.2,
                    "se": 0.1,
                    "p": 0.05,
                },
                {
                    **c,
                    "term": "im_index:regime2 (9.1<edu_years<=inf)",
                    "estimate": 0.4,
                    "se": 0.1,
                    "p": 0.01,
                },
                {**c, "term": "threshold1", "estimate": 9.1, "ci_low": 8.9, "ci_high": 9.3},
                {**c, "term": "F1", "estimate": 3.0, "p": p},
            ]
        )

    rejected = threshold_table(rows(0.967), options=ReportOptions(language="en"))
    labels = [r[0] for r in rejected.body_grid()]
    assert not any("regime" in lab or "Threshold γ" in lab for lab in labels)
    assert any("0.967" in n for n in rejected.notes)
    accepted = [
        r[0] for r in threshold_table(rows(0.01), options=ReportOptions(language="en")).body_grid()
    ]
    assert any("regime 2" in lab for lab in accepted)


def test_figure_formats_are_what_the_figure_rule_writes():
    common = (ROOT / "workflow/rules/common.smk").read_text(encoding="utf-8")
    rule = (ROOT / "workflow/rules/report.smk").read_text(encoding="utf-8")
    script = (ROOT / "workflow/scripts/figure.py").read_text(encoding="utf-8")
    assert "figure_formats" in common and "FIGURE_EXTS" in rule
    assert "options.figure_formats" in script and '("png", "pdf")' not in script


def test_a_two_step_channel_says_so():
    rows = mediation_rows((0.02, 0.2), sobel_p=0.01, total_p=0.01)
    two = rows[rows["term"] == "a"].assign(column="upgrading")
    table = mediation_table(
        pd.concat([rows, two], ignore_index=True), options=ReportOptions(language="en")
    )
    assert any("Two-step approach (Jiang 2022)" in n for n in table.notes)
