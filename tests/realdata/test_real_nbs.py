"""Real NBS exports in ../shared/data/nbs load without manual editing.

Known cells (source: ../shared/data/README.md, i.e. the NBS data portal as downloaded):
Beijing GDP 2019 = 37767.0 and Guangdong GDP 2020 = 113708.9 (亿元, 2025 vintage, legacy file);
Beijing 技术市场成交额 2023 = 8536.94 (portal file _2). Exact equality: values are parsed, not computed.
"""

import re

import pytest

from imtfp.ingest import read_nbs

pytestmark = [pytest.mark.reference, pytest.mark.realdata]

PORTAL = {
    "分省年度数据_1.csv": ("地方财政科学技术支出", "亿元"),
    "分省年度数据_2.csv": ("技术市场成交额", "亿元"),
    "分省年度数据_3.csv": ("专利申请受理数", "件"),
    "分省年度数据_4.csv": ("地方财政一般公共预算支出", "亿元"),
    "分省年度数据_按地区_北京.csv": (None, None),
}


def _count_cells(path) -> int:
    """Independent count of non-empty data cells: lines between the header row and the footer."""
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")
    sep = "\t," if "\t," in text else ","
    n, inside = 0, False
    for line in text.splitlines():
        cells = [c.strip() for c in line.split(sep)]
        if cells[0] in ("地区", "指标"):
            inside = True
            continue
        if inside and (not cells[0] or cells[0].startswith(("注", "数据来源", "\u3000"))):
            break
        if inside:
            n += sum(1 for c in cells[1:] if c not in ("", ","))
    return n


def test_all_legacy_files(shared_data):
    files = sorted((shared_data / "nbs" / "legacy").glob("*.csv"))
    assert len(files) == 7
    for f in files:
        df = read_nbs(f)
        assert len(df) == _count_cells(f) > 0, f.name
        assert df["province"].str.fullmatch(r"\d{2}").all() and df["province"].nunique() == 31
        assert df.attrs["database"] == "分省年度数据" and df.attrs["source"] == "国家统计局"


def test_all_portal_files(shared_data):
    for name, (indicator, unit) in PORTAL.items():
        f = shared_data / "nbs" / "portal" / name
        df = read_nbs(f, indicator=indicator, unit=unit)
        assert len(df) == _count_cells(f) > 0, name


def test_known_cells_legacy_gdp(shared_data):
    df = read_nbs(shared_data / "nbs" / "legacy" / "分省年度数据.csv")
    cell = df.set_index(["province", "year"])["value"]
    assert cell[("11", 2019)] == 37767.0
    assert cell[("44", 2020)] == 113708.9
    assert (df["indicator"].unique().tolist(), df["unit"].unique().tolist()) == (
        ["地区生产总值"],
        ["亿元"],
    )
    assert df.attrs["notes"].startswith("注：按照我国国民经济核算数据修订制度和国际通行做法")
    assert "对1992年-2023年地区生产总值历史数据进行了系统修订" in df.attrs["notes"]


def test_known_cell_portal_tech_market(shared_data):
    df = read_nbs(
        shared_data / "nbs" / "portal" / "分省年度数据_2.csv",
        indicator="技术市场成交额",
        unit="亿元",
    )
    assert df.set_index(["province", "year"]).loc[("11", 2023), "value"] == 8536.94
    assert not (df["year"] == 2025).any()  # the empty current-year column yields no rows


def test_multiline_notes_are_joined(shared_data):
    df = read_nbs(shared_data / "nbs" / "legacy" / "分省年度数据 (3).csv")
    notes = df.attrs["notes"].split("\n")
    assert notes[0].startswith("注：1.全国就业人员") and notes[1] == "2.城镇单位数据不含私营单位。"
    assert notes[2] == "3.2012年行业采用新的分类标准，与前期不可比。"


def test_by_region_layout(shared_data):
    df = read_nbs(shared_data / "nbs" / "portal" / "分省年度数据_按地区_北京.csv")
    assert set(df["province"]) == {"11"} and df["indicator"].nunique() == 21
    row = df[(df["indicator"] == "地方财政科学技术支出") & (df["year"] == 2023)]
    assert row["value"].tolist() == [521.91] and row["unit"].tolist() == ["亿元"]


def test_native_xls_export(shared_data):
    df = read_nbs(shared_data / "capital" / "分省年度数据_RPI.xls")
    assert df.attrs["unit"] == "上年=100" and df.attrs["indicator"] == "商品零售价格指数"
    assert df.set_index(["province", "year"]).loc[("11", 2018), "value"] == 101.1
    assert re.fullmatch(r"\d{4}", str(df["year"].min()))


# Portal exports of the national accounts added for issue 11 (data README, "Added for the intelligent-manufacturing
# core"): Hubei GRP index 2020 = 94.6, 2021 = 112.9; Beijing 2020 = 101.4. Beijing GRP 2019 = 37767.0 (2025 vintage,
# the same cell as the legacy export).
CUT_SHORT = {
    "分省年度数据_地区生产总值.csv": ("地区生产总值", "亿元", ("11", 2019), 37767.0),
    "分省年度数据_年末常住人口.csv": ("年末常住人口", "万人", ("11", 2022), 2184.0),
    "分省年度数据_第二产业增加值.csv": ("第二产业增加值", "亿元", ("11", 2022), 6960.4),
}


def test_portal_gdp_index(shared_data):
    f = shared_data / "nbs" / "portal" / "分省年度数据_地区生产总值指数.csv"
    df = read_nbs(f, indicator="地区生产总值指数", unit="上年=100")
    cell = df.set_index(["province", "year"])["value"]
    assert (cell[("42", 2020)], cell[("42", 2021)], cell[("11", 2020)]) == (94.6, 112.9, 101.4)
    assert len(df) == _count_cells(f) == 31 * 12


def test_portal_files_cut_after_their_first_footer_line(shared_data):
    """The nbs reader stops on them (no 数据来源 footer); the columns reader reads the whole body."""
    from imtfp.errors import IngestError
    from imtfp.ingest.columns import read_columns

    for name, (indicator, unit, key, value) in CUT_SHORT.items():
        f = shared_data / "nbs" / "portal" / name
        with pytest.raises(IngestError, match="truncated"):
            read_nbs(f, indicator=indicator, unit=unit)
        r = read_columns(
            f, layout="years", indicator=indicator, unit=unit, skip_rows=2, expect_provinces=31
        )
        obs = r.observations
        # the skipped 数据库/时间 lines and the header row are counted as text (issue 23)
        text = int(
            r.excluded.loc[r.excluded["kind"].isin(["header", "column_header"]), "cells"].sum()
        )
        assert len(obs) == r.nonempty_cells - text == _count_cells(f) == 31 * 12, name
        assert obs.set_index(["province", "year"]).at[key, "value"] == value
