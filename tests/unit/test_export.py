"""Export of the analysis panel: Stata .dta (names, labels) and Excel .xlsx (sheets, names)."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from imtfp import provinces
from imtfp.export import STATA_LABEL_MAX, stata_names, to_dta, to_xlsx, with_names

pytestmark = pytest.mark.unit


@pytest.fixture
def panel() -> pd.DataFrame:
    rows = []
    for code in ("44", "11", "23"):
        for year in (2020, 2021):
            rows.append({"province": code, "year": year, "region": provinces.region(code),
                         "im_index": 0.5, "tfp_solow": 1.0, "x:z": 2.0, "2nd_var": 1.0,
                         "a_very_long_variable_name_that_is_over_32_chars": 3.0,
                         "a_very_long_variable_name_that_is_over_32_other": 4.0,
                         "treated": pd.NA if year == 2020 else True})  # fmt: skip
    df = pd.DataFrame(rows)
    df["treated"] = df["treated"].astype("boolean")
    return df


def test_stata_names_are_safe_and_unique():
    names = stata_names(["x:z", "2nd", "_cons", "a" * 40, "a" * 41, "ok", "OK", "中文"])
    assert names["x:z"] == "x_x_z" and names["2nd"] == "_2nd" and names["_cons"] == "_cons_"
    assert all(len(n) <= 32 for n in names.values())
    assert len({n.lower() for n in names.values()}) == len(names)
    assert all(
        n.replace("_", "a").isascii() and n.replace("_", "a").isalnum() for n in names.values()
    )


def test_dta_reads_back_with_labels_and_names(panel, tmp_path):
    path = tmp_path / "panel.dta"
    names = to_dta(panel, path)
    back = pd.read_stata(path)
    with pd.io.stata.StataReader(path) as reader:
        labels = reader.variable_labels()
    assert list(back.columns[:4]) == ["province_id", "province", "province_name", "year"]
    assert back.loc[back["province"] == "44", "province_name"].iloc[0] == "广东"
    assert back["province_id"].tolist()[:2] == [provinces.codes().index("44") + 1] * 2
    assert set(back["region"]) == {"东部", "东北"}
    assert labels[names["im_index"]] == "智能制造指数"
    assert all(len(v) <= STATA_LABEL_MAX for v in labels.values())
    assert back[names["x:z"]].tolist() == [2.0] * 6
    assert back["treated"].isna().sum() == 3  # missing stays missing


def test_dta_and_xlsx_are_byte_reproducible(panel, tmp_path):
    to_dta(panel, tmp_path / "a.dta")
    to_dta(panel, tmp_path / "b.dta")
    assert (tmp_path / "a.dta").read_bytes() == (tmp_path / "b.dta").read_bytes()
    to_xlsx(panel, tmp_path / "a.xlsx")
    to_xlsx(panel, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    # not the clock: openpyxl's save() would stamp the time of writing (two runs a second apart
    # would differ)
    core = zipfile.ZipFile(tmp_path / "a.xlsx").read("docProps/core.xml").decode()
    assert "<dcterms:modified" in core and "2000-01-01T00:00:00Z</dcterms:modified>" in core


def test_xlsx_sheets_headers_and_province_names(panel, tmp_path):
    table = tmp_path / "baseline.csv"
    table.write_text(
        "# 表 1 基准回归\n变量,(1)\n智能制造指数,0.5***\n# 注：括号内为标准误。\n",
        encoding="utf-8-sig",
    )
    sheets = to_xlsx(panel, tmp_path / "p.xlsx", tables={"baseline": table})
    assert sheets == ["面板数据", "基准回归结果"]  # Chinese sheet names in a zh export (issue 22)
    wb = openpyxl.load_workbook(tmp_path / "p.xlsx")
    head = [c.value for c in wb["面板数据"][1]]
    assert head[:4] == ["省份代码（GB/T 2260）", "省份", "年份", "地区"]
    assert "智能制造指数" in head
    assert wb["面板数据"]["B2"].value == "广东"
    assert [c.value for c in wb["基准回归结果"][2]] == ["变量", "(1)"]
    assert wb["基准回归结果"]["A1"].value == "表 1 基准回归"


def test_english_names(panel):
    df = with_names(panel, language="en")
    assert df["province_name"].iloc[0] == "Guangdong" and df["region"].iloc[0] == "East"


def test_every_column_gets_a_label_without_a_variable_labels_entry(tmp_path):
    # issue 22: `make export` stopped at the first indicator the report catalog does not label
    # (broadband_ports); an export labels from the indicator catalog and never fails on a label.
    import pandas as pd

    from imtfp.export import label, to_dta
    from imtfp.report.stage import report_options

    panel = pd.DataFrame(
        {"province": ["44"], "year": [2020], "broadband_ports": [1.0], "ccd_C": [0.5], "zz": [1.0]}
    )
    _, strict = report_options({"report": {"languages": ["zh"]}})
    assert label("broadband_ports", "zh", strict) == "互联网宽带接入端口"
    assert label("broadband_ports", "en", None) == "Broadband access ports"
    assert label("ccd_C", "zh", strict) == "耦合度 C"
    assert label("zz", "zh", strict) == "zz"
    to_dta(panel, tmp_path / "p.dta", language="zh", labels=strict)
    with pd.io.stata.StataReader(tmp_path / "p.dta") as reader:
        labels = reader.variable_labels()
    assert labels["broadband_ports"] == "互联网宽带接入端口"
