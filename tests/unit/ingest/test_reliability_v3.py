"""Issue 23 (reliability v3): the last silent losses of the readers, each pinned by a test.

1. numeric rows after a mid-table 注/说明/资料来源 line are never filed as note text;
2. every worksheet of a workbook is read, or (``sheet``) the others are counted as excluded;
3. the columns reader: Excel NA strings, integer years, ``inf`` years, corrupt workbooks,
   duplicate province-year rows (columns and wide readers);
9. a header-less ``.xls`` export reads when the caller names the indicator and its unit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from imtfp.errors import IngestError
from imtfp.ingest.columns import read_columns
from imtfp.ingest.manifest import Manifest, read_entry, read_tidy, read_wide
from imtfp.ingest.nbs import TEXT_KINDS, read_nbs_file

pytestmark = pytest.mark.unit

HEAD = ["数据库：分省年度数据", "指标：地区生产总值(亿元)", "时间：最近20年", "地区,2021年,2020年"]
FOOT = ["注：测试。", "数据来源：国家统计局"]


def _legacy(tmp_path: Path, body: list[str], *, head=HEAD, foot=FOOT, name="f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join([*head, *body, *foot]).encode("gb18030") + b"\r\n")
    return path


def _balanced(r) -> bool:
    return r.nonempty_cells == len(r.observations) + len(r.rejects) + int(r.excluded["cells"].sum())


def _text_lines(r) -> set[int]:
    return set(r.excluded.loc[r.excluded["kind"].isin(TEXT_KINDS), "source_line"])


# ---- 1. mid-table notes -------------------------------------------------------------------------


@pytest.mark.parametrize("note", ["注：中途的说明", "说明：口径调整", "资料来源：年鉴"])
def test_province_rows_after_a_mid_table_note_are_read(tmp_path, note):
    path = _legacy(tmp_path, ["北京市,1,2", note, "\u3000\u3000续", "天津市,3,4"])
    r = read_nbs_file(path)
    assert r.observations[["province", "source_line"]].values.tolist() == [
        ["11", 5], ["11", 5], ["12", 8], ["12", 8]
    ]  # fmt: skip
    assert _text_lines(r) == {1, 2, 3, 4, 6, 7, 9, 10} and _balanced(r)


def test_a_traditional_province_name_after_a_note_is_read_as_that_province(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2", "注：中途的说明", "內蒙古自治区,3,4"])
    r = read_nbs_file(path)
    assert sorted(set(r.observations["province"])) == ["11", "15"] and _balanced(r)


@pytest.mark.parametrize("label", ["苏州", "大连", "新疆生产建设兵团"])
def test_numeric_rows_of_unknown_labels_after_a_note_are_refused_not_notes(tmp_path, label):
    path = _legacy(tmp_path, ["北京市,1,2", "注：中途的说明", f"{label},3,4"])
    with pytest.raises(IngestError, match=f"unknown province name '{label}'") as info:
        read_nbs_file(path)
    assert info.value.line == 7
    r = read_nbs_file(path, on_bad_cell="reject")
    assert r.rejects[["source_line", "raw_value"]].values.tolist() == [[7, "3"], [7, "4"]]
    assert 7 not in _text_lines(r) and _balanced(r)


def test_numbers_inside_a_note_line_are_bad_cells(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2"], foot=["注：2019年起,12.5,", "数据来源：国家统计局"])
    with pytest.raises(IngestError, match="number in a note line") as info:
        read_nbs_file(path)
    assert info.value.line == 6
    r = read_nbs_file(path, on_bad_cell="reject")
    assert r.rejects[["source_line", "raw_value"]].values.tolist() == [[6, "12.5"]]
    assert _balanced(r)


def test_by_region_rows_after_a_mid_table_note_are_read(tmp_path):
    head = ["数据库：分省年度数据", "时间：最近2年", "指标,2021年,2020年"]
    body = ["地区生产总值(亿元),1,2", "注：中途", "人口(万人),3,4", "专利(件),5,6"]
    path = _legacy(tmp_path, body, head=head, name="x_按地区_北京.csv")
    r = read_nbs_file(path)
    assert sorted(r.observations["indicator"].unique()) == ["专利", "人口", "地区生产总值"]
    assert len(r.observations) == 6 and _balanced(r)


def test_a_row_after_the_last_note_still_needs_a_footer_after_it(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2", "注：中途", "天津市,3,4"], foot=[])
    with pytest.raises(IngestError, match="without the 数据来源 footer"):
        read_nbs_file(path)


# ---- 2. every worksheet -------------------------------------------------------------------------

SHEET = [
    ["数据库：分省年度数据"],
    ["指标：地区生产总值(亿元)"],
    ["时间：最近20年"],
    ["地区", "2021年", "2020年"],
]


def _book(tmp_path: Path, sheets: dict[str, list[list]], name="b.xlsx") -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def _nbs_sheet(*body):
    return [*SHEET, *body, ["数据来源：国家统计局"]]


def test_every_sheet_of_a_workbook_is_read(tmp_path):
    path = _book(tmp_path, {"A": _nbs_sheet(["北京市", 1, 2]), "B": _nbs_sheet(["天津市", 3, 4])})
    r = read_nbs_file(path)
    assert r.observations[["province", "value"]].values.tolist() == [
        ["11", 1.0], ["11", 2.0], ["12", 3.0], ["12", 4.0]
    ]  # fmt: skip
    # lineage names the sheet: file#sheet
    assert sorted(set(r.observations["source_file"])) == [f"{path}#A", f"{path}#B"]
    assert _balanced(r)


def test_a_named_sheet_is_read_and_the_others_counted_as_excluded(tmp_path):
    path = _book(
        tmp_path,
        {"A": _nbs_sheet(["北京市", 1, 2]), "notes": [["说明"], ["x", 5, 6]], "empty": []},
    )
    r = read_nbs_file(path, sheet="A")
    assert r.observations["province"].tolist() == ["11", "11"]
    other = r.excluded[r.excluded["kind"] == "other_sheet"]
    assert other[["label", "cells"]].values.tolist() == [["notes", 4]]
    assert _balanced(r)


def test_a_sheet_that_is_not_an_export_is_an_error_naming_it(tmp_path):
    path = _book(tmp_path, {"A": _nbs_sheet(["北京市", 1, 2]), "notes": [["说明"], ["x", 5, 6]]})
    with pytest.raises(IngestError, match="sheet 'notes'.*`sheet`") as info:
        read_nbs_file(path)
    assert str(path) in info.value.file


def test_an_unknown_sheet_name_is_an_error(tmp_path):
    path = _book(tmp_path, {"A": _nbs_sheet(["北京市", 1, 2])})
    with pytest.raises(IngestError, match="no sheet 'B'"):
        read_nbs_file(path, sheet="B")


def test_every_sheet_of_an_xls_is_read(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    for title, body in (("A", ["北京市", 1, 2]), ("B", ["天津市", 3, 4])):
        ws = wb.add_sheet(title)
        for i, row in enumerate(_nbs_sheet(body)):
            for j, v in enumerate(row):
                ws.write(i, j, v)
    path = tmp_path / "b.xls"
    wb.save(str(path))
    r = read_nbs_file(path)
    assert sorted(r.observations["province"].unique()) == ["11", "12"] and _balanced(r)


def test_manifest_sheet_key_reaches_the_nbs_reader(tmp_path):
    _book(tmp_path, {"A": _nbs_sheet(["北京市", 1, 2]), "B": _nbs_sheet(["天津市", 3, 4])})
    entry = {"path": "b.xlsx", "reader": "nbs", "indicator": "gdp", "sheet": "B", "vintage": "v"}
    r = read_entry(Manifest("t", tmp_path, [entry]), entry)
    assert r.observations["province"].tolist() == ["12", "12"]
    other = r.excluded[r.excluded["kind"] == "other_sheet"]
    assert other["cells"].tolist() == [10] and other["source_file"].tolist() == ["b.xlsx"]


def test_columns_reader_reads_every_sheet_or_counts_the_others(tmp_path):
    long = [["province", "year", "gdp"], ["北京", 2020, 1.5]]
    path = _book(tmp_path, {"A": long, "B": [["province", "year", "gdp"], ["天津", 2020, 2.5]]})
    spec = dict(columns={"gdp": "gdp"}, units={"gdp": "亿元"})
    r = read_columns(path, **spec)
    assert r.observations[["province", "value"]].values.tolist() == [["11", 1.5], ["12", 2.5]]
    r = read_columns(path, sheet="B", **spec)
    assert r.observations["province"].tolist() == ["12"]
    assert r.excluded.loc[r.excluded["kind"] == "other_sheet", "cells"].tolist() == [6]
    assert _balanced(r)


# ---- 3. the columns reader ----------------------------------------------------------------------

NA_STRINGS = ["NA", "N/A", "#N/A", "null", "None", "nan", "NaN", "", "n/a", "-nan"]


def test_columns_reader_counts_excel_na_strings_as_bad_cells(tmp_path):
    rows = [["province", "year", "gdp"]] + [
        ["北京", 2000 + i, text] for i, text in enumerate(NA_STRINGS)
    ]
    path = _book(tmp_path, {"S": rows})
    spec = dict(columns={"gdp": "gdp"}, units={"gdp": "亿元"})
    with pytest.raises(IngestError, match="non-numeric|NaN"):
        read_columns(path, **spec)
    r = read_columns(path, on_bad_cell="reject", **spec)
    assert sorted(r.rejects["raw_value"]) == sorted(t for t in NA_STRINGS if t)
    # every non-empty text cell is a reject; the header's 3 cells are text
    assert r.nonempty_cells == 3 + len(NA_STRINGS) - 1 and _balanced(r)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(
    "year", ["2019.5", "inf", "-inf", "1e308", "2019年5", "99999999999999999999"]
)
def test_columns_reader_takes_only_whole_years(tmp_path, suffix, year):
    df = pd.DataFrame({"province": ["北京", "天津"], "year": ["2019", year], "gdp": ["1", "2"]})
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        value = year if year == "2019年5" else float(year)  # Excel stores numbers as floats
        _book(tmp_path, {"S": [list(df.columns), ["北京", 2019, 1], ["天津", value, 2]]}, path.name)
    spec = dict(columns={"gdp": "gdp"}, units={"gdp": "亿元"})
    with pytest.raises(IngestError, match="is not a year") as info:
        read_columns(path, **spec)
    assert info.value.line == 3 and str(path) in info.value.file
    r = read_columns(path, on_bad_cell="reject", **spec)
    assert r.observations["year"].tolist() == [2019] and len(r.rejects) == 1


def test_columns_reader_reads_a_float_year_of_excel(tmp_path):
    path = _book(tmp_path, {"S": [["province", "year", "gdp"], ["北京", 2019.0, 1]]})
    r = read_columns(path, columns={"gdp": "gdp"}, units={"gdp": "亿元"})
    assert r.observations["year"].tolist() == [2019]


@pytest.mark.parametrize("name", ["t.xlsx", "t.xls", "t.dta"])
def test_corrupt_workbooks_are_ingest_errors_naming_the_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 this is not a zip archive" * 10)
    with pytest.raises(IngestError) as info:
        read_columns(path, columns={"gdp": "gdp"}, units={"gdp": "亿元"})
    assert info.value.file == str(path)


def test_columns_reader_refuses_duplicate_province_year_rows_naming_both_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "province,year,gdp\n北京,2019,1\n天津,2019,2\n北京市,2019,3\n", encoding="utf-8"
    )
    spec = dict(columns={"gdp": "gdp"}, units={"gdp": "亿元"})
    with pytest.raises(
        IngestError, match="duplicate row for 北京市 2019 \\(first at line 2\\)"
    ) as info:
        read_columns(path, **spec)
    assert info.value.line == 4
    r = read_columns(path, on_bad_cell="reject", **spec)
    assert r.rejects[["source_line", "reason"]].values.tolist() == [[4, "duplicate row of line 2"]]
    assert _balanced(r)


def test_years_layout_refuses_a_duplicate_province_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("地区,2020年\n北京市,1\n北京,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match="first at line 2") as info:
        read_columns(path, layout="years", indicator="x", unit="亿元")
    assert info.value.line == 3


def test_wide_reader_refuses_duplicate_province_year_rows_naming_both_lines(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("地区,年份,GDP\n北京,2019,1\n北京市,2019,2\n", encoding="utf-8")
    kw = dict(
        columns={"GDP": "gdp"}, units={"GDP": "亿元"}, province_column="地区", year_column="年份"
    )
    with pytest.raises(IngestError, match="first at line 2") as info:
        read_wide(path, **kw)
    assert info.value.line == 3
    r = read_wide(path, on_bad_cell="reject", **kw)
    assert r.rejects["reason"].tolist() == ["duplicate row of line 2"] and _balanced(r)


def test_tidy_reader_refuses_a_duplicate_cell(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "province,year,indicator,value,unit\n北京,2019,gdp,1,亿元\n北京,2019,gdp,1,亿元\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match="first at line 2"):
        read_tidy(path)


def test_columns_reader_raises_only_ingest_errors_on_odd_inputs(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("province,year,gdp,gdp\n北京,2019,1,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match="more than once"):
        read_columns(path, columns={"gdp": "gdp"}, units={"gdp": "亿元"})
    with pytest.raises(IngestError, match="skip_rows"):
        read_columns(path, columns={"gdp": "gdp"}, units={"gdp": "亿元"}, skip_rows=-1)


def test_columns_reader_excel_cells_follow_the_nbs_cell_rules(tmp_path):
    rows = [["province", "year", "gdp"], ["北京", 2019, True], ["北京", 2020, dt.datetime(2020, 1, 1)],
            ["北京", 2021, "#DIV/0!"], ["北京", 2022, "1,5"], ["北京", 2023, 7]]  # fmt: skip
    path = _book(tmp_path, {"S": rows})
    r = read_columns(path, columns={"gdp": "gdp"}, units={"gdp": "亿元"}, on_bad_cell="reject")
    assert r.observations["value"].tolist() == [7.0]
    assert sorted(r.rejects["reason"]) == ["Excel error cell #DIV/0!", "boolean cell, not a number",
                                           "date/time cell, not a number", "non-numeric cell"]  # fmt: skip


# ---- 9. header-less .xls ------------------------------------------------------------------------


def _headerless_xls(tmp_path: Path, *, footer: bool) -> Path:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("分省年度数据")
    rows = [["地区", "2019年", "2018年"], ["北京市", "", 101.1], ["天津市", 100.2, 101.6]]
    rows += [["数据来源：国家统计局"]] if footer else []
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.write(i, j, v)
    path = tmp_path / "rpi.xls"
    wb.save(str(path))
    return path


@pytest.mark.parametrize("footer", [True, False])
def test_headerless_xls_reads_when_indicator_and_unit_are_named(tmp_path, footer):
    path = _headerless_xls(tmp_path, footer=footer)
    r = read_nbs_file(path, indicator="商品零售价格指数", unit="上年=100")
    assert r.observations[["province", "year", "value"]].values.tolist() == [
        ["11", 2018, 101.1], ["12", 2019, 100.2], ["12", 2018, 101.6]
    ]  # fmt: skip
    assert set(r.observations["unit"]) == {"上年=100"} and _balanced(r)


def test_headerless_export_without_a_named_indicator_is_still_refused(tmp_path):
    path = _headerless_xls(tmp_path, footer=True)
    with pytest.raises(IngestError, match="not an NBS export"):
        read_nbs_file(path)


def test_headerless_csv_still_needs_its_footer(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2"], head=["地区,2021年,2020年"], foot=[])
    with pytest.raises(IngestError, match="footer"):
        read_nbs_file(path, indicator="x", unit="亿元")
    path = _legacy(tmp_path, ["北京市,1,2"], head=["地区,2021年,2020年"])
    assert len(read_nbs_file(path, indicator="x", unit="亿元").observations) == 2
