"""etable: imtfp, statsmodels and linearmodels results in the pipeline's journal table."""

from __future__ import annotations

import io
import shutil
import subprocess

import docx
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from linearmodels import PanelOLS

from imtfp.errors import InputTypeError, ReportError
from imtfp.models.formula import feiv, feols
from imtfp.report import etable, etable_table, format_table
from imtfp.report.options import ReportOptions
from imtfp.report.purity import foreign_text
from imtfp.report.table import fmt_number

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    G, T = 20, 10
    prov = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(2011, 2011 + T), G)
    x, gov = rng.normal(size=G * T), rng.normal(size=G * T)
    y = 0.4 * x + 0.1 * gov + rng.normal(size=G)[prov] + rng.normal(size=G * T)
    return pd.DataFrame(
        {"province": [f"p{p}" for p in prov], "year": year, "im_index": x, "gov": gov, "tfp": y}
    )


@pytest.fixture(scope="module")
def fits(data):
    return [
        feols("tfp ~ im_index | province + year", data),
        feols("tfp ~ im_index + gov | province + year", data, controls=["gov"]),
    ]


def test_markdown_has_stars_se_fe_controls_n_and_clusters(fits):
    md = etable(fits, language="zh", format="md")
    lines = md.splitlines()
    assert lines[0] == "**回归结果**"
    assert "| 变量 | (1) | (2) |" in lines
    est = fits[1].tidy().set_index("term").loc["im_index"]
    coef_line = next(line for line in lines if line.startswith("| 智能制造指数"))
    assert fmt_number(est["estimate"], 3) in coef_line and "***" in coef_line
    assert f"({fmt_number(est['se'], 3)})" in md
    assert (
        "| 省份固定效应 | 是 | 是 |" in md and "| 控制变量：政府干预 | 否 | 是 |" in md
    )  # controls named
    assert "| 观测值 | 200 | 200 |" in md and "| 聚类数 | 20 | 20 |" in md
    assert "gov" not in md.split("注：")[0]  # no raw code: the control is named by its label


def test_same_rows_as_the_pipeline_formatter(fits):
    tidy = pd.concat([f.tidy(column=c) for f, c in zip(fits, ["(1)", "(2)"], strict=True)])
    ours = etable_table(fits, language="en")
    pipeline = format_table(
        tidy.assign(n_clusters=20), name="baseline", options=ReportOptions(language="en")
    )
    assert "Clusters" in [r.label for r in ours.rows]
    assert ours.rows == pipeline.rows and ours.notes == pipeline.notes


def test_statsmodels_and_linearmodels_results(data):
    ols = smf.ols("tfp ~ im_index + gov", data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["province"])[0]}
    )
    panel = data.set_index(["province", "year"])
    po = PanelOLS(
        panel["tfp"], panel[["im_index", "gov"]], entity_effects=True, time_effects=True
    ).fit(cov_type="clustered", cluster_entity=True)
    table = etable_table({"OLS": ols, "PanelOLS": po}, language="en", control_terms="show")
    grid = {row[0]: row[1:] for row in table.body_grid()}
    assert grid["IM index"][0].startswith(fmt_number(ols.params["im_index"], 3))
    assert grid["IM index"][1].startswith(fmt_number(po.params["im_index"], 3))
    assert grid["Province FE"] == ["", "Yes"] or grid.get("Province fixed effects") == ["", "Yes"]
    assert grid["Observations"] == ["200", "200"]
    # statsmodels keeps the cluster groups; linearmodels' results do not say how many clusters
    assert grid["Clusters"] == ["20", ""]
    assert table.header_grid()[0][1:] == ["OLS", "PanelOLS"]


def test_writes_the_pipeline_formats(fits, tmp_path):
    written = etable(fits, format=("tex", "docx", "md", "csv"), path=tmp_path / "mine")
    assert sorted(p.name for p in written) == ["mine.csv", "mine.docx", "mine.md", "mine.tex"]
    assert r"\toprule" in (tmp_path / "mine.tex").read_text(encoding="utf-8")
    single = etable(fits, path=tmp_path / "one.docx")
    assert [p.name for p in single] == ["one.docx"]
    section = docx.Document(str(tmp_path / "one.docx")).sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)


def test_bad_input_is_named():
    with pytest.raises(InputTypeError, match="cannot read a int"):
        etable([3])
    with pytest.raises(ReportError, match="no models"):
        etable([])


@pytest.mark.skipif(
    shutil.which("xelatex") is None, reason="xelatex not installed (TeX Live with ctex needed)"
)
def test_etable_tex_compiles(fits, tmp_path):
    body = etable(fits, language="zh", format="tex")
    doc = (
        "\\documentclass{ctexart}\n\\usepackage{booktabs,threeparttable,siunitx}\n\\begin{document}\n"
        + body
        + "\\end{document}\n"
    )
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=240, check=False)  # fmt: skip
    assert run.returncode == 0, (tmp_path / "t.log").read_text(encoding="utf-8", errors="replace")[
        -3000:
    ]


def test_a_control_in_one_column_but_a_regressor_in_another_is_printed(data):
    as_control = feols("tfp ~ im_index + gov | province + year", data, controls=["gov"])
    interacted = feols("tfp ~ im_index*gov | province + year", data)
    grid = {
        row[0]: row[1:] for row in etable_table([as_control, interacted], language="en").body_grid()
    }
    # printed as a coefficient (the main effect of the interaction in (2), the control in (1)) …
    gov = grid["Government intervention"]
    assert gov[0].startswith(fmt_number(as_control.params["gov"], 3)) and gov[1] != ""
    # … and therefore never also as a "Controls: Yes" row
    assert not [k for k in grid if k.startswith("Control")]


def test_a_control_is_a_coefficient_or_a_yes_row_never_both(fits):
    shown = etable_table(fits, language="zh", control_terms="show")
    labels = [r.label for r in shown.rows]
    assert "政府干预" in labels  # the coefficient row
    assert not any(label.startswith("控制变量") for label in labels)
    hidden = etable_table(fits, language="zh")
    labels = [r.label for r in hidden.rows]
    assert "政府干预" not in labels and "控制变量：政府干预" in labels


@pytest.fixture(scope="module")
def iv_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    G, T = 25, 8
    prov = np.repeat(np.arange(G), T)
    z = rng.normal(size=G * T)
    u = rng.normal(size=G * T)
    x = z + 0.5 * u + rng.normal(size=G * T)
    gov = rng.normal(size=G * T)
    y = 0.4 * x + 0.1 * gov + u + rng.normal(size=G)[prov]
    return pd.DataFrame({"province": [f"p{p}" for p in prov], "year": np.tile(np.arange(T), G),
                         "im_index": x, "gov": gov, "tfp": y, "iv_post": z})  # fmt: skip


def test_ols_and_iv_side_by_side(iv_data):
    ols = feols("tfp ~ im_index + gov | province + year", iv_data, controls=["gov"])
    iv = feiv("tfp ~ gov | province + year | im_index ~ iv_post", iv_data)
    table = etable_table([ols, iv], language="en")
    assert table.header_grid()[0][1:] == ["(1)", "(2)"]  # one column per model
    grid = {row[0]: row[1:] for row in table.body_grid()}
    assert grid["IM index"][0].startswith(fmt_number(ols.params["im_index"], 3))
    assert grid["IM index"][1].startswith(fmt_number(iv.params["im_index"], 3))
    assert grid["First-stage F"][0] == "" and grid["First-stage F"][1] != ""
    # the dependent-variable row is filled, in every column
    dep = next(
        row for row in table.header_grid(repeat_spans=True) if row[0] == "Dependent variable"
    )
    assert dep[1:] == ["TFP", "TFP"]
    # the IV fit's control is named, not printed as a coefficient as well
    assert "Government intervention" not in grid and grid["Controls"] == ["Yes", "Yes"]
    assert grid["Clusters"] == ["25", "25"]


def test_ols_and_iv_in_chinese_word(iv_data):
    ols = feols("tfp ~ im_index + gov | province + year", iv_data, controls=["gov"])
    iv = feiv("tfp ~ gov | province + year | im_index ~ iv_post", iv_data)
    data = etable([ols, iv], language="zh", format="docx")
    grid = docx.Document(io.BytesIO(data)).tables[0]
    rows = [[c.text for c in row.cells] for row in grid.rows]
    assert rows[0] == ["变量", "(1)", "(2)"]
    assert rows[1] == ["被解释变量", "全要素生产率", "全要素生产率"]
    assert any(r[0] == "第一阶段 F 值" for r in rows)


def test_did_aggregate_prints_its_overall_att(iv_data):
    from imtfp.models.did._results import DidAggregate

    agg = DidAggregate(
        kind="dynamic", estimator="cs", index=np.array([-1, 0, 1]), coef=np.array([0.0, 0.3, 0.5]),
        vcov=np.diag([0.01, 0.01, 0.02]), overall_att=0.4, overall_se=0.1, crit=2.5,
        dep_var="tfp", nobs=200,
    )  # fmt: skip
    ols = feols("tfp ~ im_index | province + year", iv_data)
    grid = {row[0]: row[1:] for row in etable_table([ols, agg], language="en").body_grid()}
    assert grid["ATT"] == ["", "0.400***"] and "e0" not in grid
    assert grid["Inference"] == ["Clustered (province)", "Influence function"]
    assert foreign_text(etable([ols, agg], language="zh"), "zh") == []


def test_statistic_rows_are_typed_by_the_estimator_not_by_their_name(data):
    # a regressor named like a threshold test (pattern `F\d+` in the catalog) is a coefficient:
    # the fit types its rows as coefficients, so it gets stars and a standard error
    fit = feols("tfp ~ F2 | province + year", data.rename(columns={"im_index": "F2"}))
    assert not fit.tidy()["stat"].any()
    table = etable_table([fit], language="en")
    row = next(r for r in table.rows if r.kind == "coef")
    assert row.cells[0].text.startswith(fmt_number(float(fit.params["F2"]), 3))
    assert any(r.kind == "se" for r in table.rows)
    # the same name in an untyped (user's) frame is read as the catalog says: a statistic
    frame = pd.DataFrame({"column": ["(1)"], "term": ["F2"], "estimate": [3.2], "p": [0.04]})
    assert [r.kind for r in format_table(frame, name="baseline").rows if r.label] == ["stat"]
