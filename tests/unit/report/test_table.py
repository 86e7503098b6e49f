"""The one formatter: tidy frame → Table (layout rules, stars, statistics, notes, errors)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from imtfp.errors import ConfigError, ReportError
from imtfp.report import Provenance, ReportOptions, format_table
from imtfp.report.table import fmt_number, stars_for
from imtfp.tidy import tidy_frame

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("p", "stars"),
    # conventional economics stars: p < 0.1 *, p < 0.05 **, p < 0.01 *** (strict inequalities)
    [
        (0.1, ""),
        (0.0999, "*"),
        (0.05, "*"),
        (0.0499, "**"),
        (0.01, "**"),
        (0.0099, "***"),
        (math.nan, ""),
        (None, ""),
    ],
)
def test_stars_default_levels(p, stars):
    assert stars_for(p, (0.1, 0.05, 0.01)) == stars


def test_stars_custom_levels():
    assert stars_for(0.03, (0.05, 0.01, 0.001)) == "*"
    assert stars_for(0.0005, (0.05, 0.01, 0.001)) == "***"


def test_fmt_number_has_no_negative_zero():
    assert fmt_number(-0.0004, 3) == "0.000"
    assert fmt_number(-0.0005001, 3) == "-0.001"
    assert fmt_number(12.0, 0) == "12"


def _frame():
    return tidy_frame(
        [
            {
                "column": "beta",
                "term": "x",
                "estimate": 1.0,
                "se": 0.5,
                "p": 0.04,
                "nobs": 10,
                "entity_fe": True,
                "time_fe": False,
                "controls": "z",
                "cov": "clustered",
            },
            {
                "column": "beta",
                "term": "z",
                "estimate": 2.0,
                "se": 1.0,
                "p": 0.5,
                "nobs": 10,
                "entity_fe": True,
                "time_fe": False,
                "controls": "z",
                "cov": "clustered",
            },
            {
                "column": "alpha",
                "term": "x",
                "estimate": 3.0,
                "se": 1.5,
                "p": 0.2,
                "nobs": 12,
                "entity_fe": True,
                "time_fe": True,
                "controls": "",
                "cov": "driscoll_kraay",
            },
            {"column": "alpha", "term": "sobel_z", "estimate": 2.5, "p": 0.012},
        ]
    )


def test_layout_columns_in_order_of_appearance_and_rows():
    with pytest.warns(UserWarning):  # columns and terms x, z have no catalog label
        table = format_table(_frame(), name="baseline", options=ReportOptions(language="en"))
    assert [h.text for h in table.header[table.stub_row]] == ["beta", "alpha"]
    body = table.body_grid()
    assert body[0] == ["x", "1.000**", "3.000"]
    assert body[1] == ["", "(0.500)", "(1.500)"]
    # the statistic: value without stars, its p beneath in brackets, no se
    assert body[2] == ["Sobel z", "", "2.500"]
    assert body[3] == ["", "", "[0.012]"]
    labels = [r[0] for r in body]
    assert "z" not in labels  # control coefficients hidden by default
    # the columns' control sets differ: one row per control says which column has it
    assert labels[4:] == ["Observations", "Province FE", "Year FE", "Control: z", "Inference"]
    assert body[4][1:] == ["10", "12"]
    assert body[6][1:] == ["No", "Yes"]
    assert body[7][1:] == ["Yes", "No"]
    assert body[8][1:] == ["Clustered (province)", "Driscoll–Kraay"]
    assert any("inference by column" in n for n in table.notes)


def test_show_controls_and_term_selection():
    options = ReportOptions(language="en", control_terms="show")
    with pytest.warns(UserWarning):
        table = format_table(_frame(), name="baseline", options=options, model_rows=())
    assert [r.label for r in table.rows if r.kind == "coef"] == ["x", "z"]
    with pytest.warns(UserWarning):
        only = format_table(_frame(), name="baseline", options=options, terms=["z"], model_rows=())
    assert [r.label for r in only.rows] == ["z", ""]


def test_show_p_and_ci_lines():
    df = tidy_frame(
        [
            {
                "column": "(1)",
                "term": "im_index",
                "estimate": 0.2,
                "se": 0.1,
                "p": 0.05,
                "ci_low": 0.0,
                "ci_high": 0.4,
            }
        ]
    )
    table = format_table(df, name="inference", options=ReportOptions(), show=("se", "p", "ci"))
    assert [r.kind for r in table.rows] == ["coef", "se", "p", "ci"]
    assert table.body_grid()[3] == ["", "[0.000, 0.400]"]


def test_notes_simulated_and_provenance_last():
    prov = Provenance("NBS 分省年度数据", "2025", "deadbeef", {"scipy": "1.17.1", "numpy": "2.4.6"})
    df = tidy_frame([{"column": "(1)", "term": "im_index", "estimate": 0.2, "se": 0.1, "p": 0.5}])
    table = format_table(df, name="baseline", provenance=prov, simulated=True)
    assert table.notes[0].startswith("注：")
    assert "模拟数据" in table.notes[-2]
    assert (
        table.notes[-1] == "数据来源：NBS 分省年度数据（版本：2025）；配置哈希：deadbeef；"
        "软件版本：numpy 2.4.6，scipy 1.17.1。"
    )
    # no coefficient reaches a level, but the legend is printed whenever p-values are known
    assert any("分别表示在 10%、5%、1% 的水平上显著" in n for n in table.notes)


def test_separate_stats_puts_a_rule_before_model_rows():
    df = tidy_frame(
        [{"column": "(1)", "term": "im_index", "estimate": 0.2, "se": 0.1, "p": 0.5, "nobs": 20}]
    )
    table = format_table(df, name="baseline", options=ReportOptions(separate_stats=True))
    assert [r.rule_above for r in table.rows] == [False, False, True]


@pytest.mark.parametrize(
    ("frame", "kwargs", "error", "message"),
    [
        (pd.DataFrame({"column": [], "term": [], "estimate": []}), {}, ReportError, "empty"),
        (pd.DataFrame({"term": ["x"], "estimate": [1.0]}), {}, ReportError, "'column'"),
        (
            pd.DataFrame({"column": ["a", "a"], "term": ["x", "x"], "estimate": [1.0, 2.0]}),
            {},
            ReportError,
            "more than once",
        ),
        (
            pd.DataFrame({"column": ["a"], "term": ["x"], "estimate": [1.0]}),
            {"show": ("se", "t")},
            ConfigError,
            "choose one",
        ),
        (
            pd.DataFrame({"column": ["a"], "term": ["x"], "estimate": [1.0]}),
            {"show": ("sd",)},
            ConfigError,
            "'sd'",
        ),
    ],
)
def test_errors_name_the_problem(frame, kwargs, error, message):
    with pytest.raises(error, match=message):
        format_table(frame, name="baseline", **kwargs)
