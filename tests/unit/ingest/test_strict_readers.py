"""Issue 16: malformed inputs raise IngestError naming file and line, or are read with every cell counted."""

import datetime as dt
from pathlib import Path

import pytest
import yaml

from imtfp.errors import IngestError
from imtfp.ingest.manifest import load_manifest, read_entry, read_tidy, read_wide
from imtfp.ingest.nbs import TEXT_KINDS, parse_number, read_nbs_file

pytestmark = pytest.mark.unit

HEAD = ["数据库：分省年度数据", "指标：地区生产总值(亿元)", "时间：最近20年", "地区,2021年,2020年"]
FOOT = ["注：测试。", "数据来源：国家统计局"]


def _legacy(
    tmp_path: Path, body: list[str], *, head=HEAD, foot=FOOT, name="f.csv", eol="\r\n"
) -> Path:
    path = tmp_path / name
    path.write_bytes(eol.join([*head, *body, *foot]).encode("gb18030") + eol.encode())
    return path


def _balanced(r) -> bool:
    return r.nonempty_cells == len(r.observations) + len(r.rejects) + int(r.excluded["cells"].sum())


@pytest.mark.parametrize("gap", ["", ",,", "\u3000\u3000", " , ,\u3000"])
def test_blank_lines_inside_the_table_do_not_end_it(tmp_path, gap):
    path = _legacy(tmp_path, ["北京市,1,2", gap, "天津市,3,4", "河北省,5,6"])
    r = read_nbs_file(path)
    assert sorted(r.observations["province"].unique()) == ["11", "12", "13"]
    assert len(r.observations) == 6 and _balanced(r)


def test_a_province_row_after_a_note_inside_the_table_is_read(tmp_path):
    # issue 23: the note ends at the next row that parses as data (it was an error before)
    path = _legacy(tmp_path, ["北京市,1,2", "注：中途的说明", "天津市,3,4"])
    r = read_nbs_file(path)
    assert r.observations["province"].tolist() == ["11", "11", "12", "12"] and _balanced(r)
    assert r.meta["notes"] == "注：中途的说明\n注：测试。"


def test_row_without_a_label_is_an_error(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2", ",3,4", "天津市,3,4"])
    with pytest.raises(IngestError, match="row without a label") as info:
        read_nbs_file(path)
    assert info.value.line == 6


def test_table_without_footer_is_truncated(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2"], foot=[])
    with pytest.raises(IngestError, match="without the 数据来源 footer"):
        read_nbs_file(path)


def test_footer_notes_and_header_are_counted(tmp_path):
    path = _legacy(
        tmp_path,
        ["北京市,1,2"],
        foot=["注：1. 第一条", "\u3000\u30002. 续", "数据来源：国家统计局"],
    )
    r = read_nbs_file(path)
    kinds = r.excluded.groupby("kind")["cells"].sum().to_dict()
    assert kinds == {"header": 3, "column_header": 3, "note": 3}
    assert r.meta["notes"] == "注：1. 第一条\n2. 续"
    assert _balanced(r) and r.nonempty_cells == 2 + 9


@pytest.mark.parametrize(
    "raw, value",
    [("1234.5", 1234.5), ("-3", -3.0), ("+2.5", 2.5), ("1,234,567.8", 1234567.8), ("1.2e+05", 1.2e5),
     ("7E3", 7000.0), ("0", 0.0)],
)  # fmt: skip
def test_number_grammar_accepts(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    "raw", ["1,5", "1,2345", "123,", ",123", "1_000", "１２３", "١٢٣", "NaN", "nan", "inf", "-inf", "Infinity",
            "1e999", "1.", ".5", "1 000", "12,34,567", "0x10", "1.2.3", "—", "…", "", "1e", "--1"],
)  # fmt: skip
def test_number_grammar_rejects(raw):
    assert parse_number(raw) is None


def test_nan_and_inf_cells_are_bad_cells(tmp_path):
    path = _legacy(
        tmp_path,
        ["北京市,NaN,2,3", "天津市,inf,1,5"],
        head=HEAD[:3] + ["地区,2021年,2020年,2019年"],
    )
    with pytest.raises(IngestError, match="not a finite number"):
        read_nbs_file(path)
    r = read_nbs_file(path, on_bad_cell="reject")
    assert sorted(r.rejects["raw_value"]) == ["NaN", "inf"]
    assert r.observations["value"].tolist() == [2.0, 3.0, 1.0, 5.0]
    assert _balanced(r)


def test_thousands_separators_need_groups_of_three(tmp_path):
    path = _legacy(tmp_path, ['北京市,"1,234.5","1,5"'])
    r = read_nbs_file(path, on_bad_cell="reject")
    assert r.observations["value"].tolist() == [1234.5]
    assert r.rejects[["raw_value", "reason"]].values.tolist() == [["1,5", "non-numeric cell"]]


def test_duplicated_year_columns_are_an_error(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2"], head=HEAD[:3] + ["地区,2021年,2021年"])
    with pytest.raises(IngestError, match="year 2021 appears in two columns") as info:
        read_nbs_file(path)
    assert info.value.line == 4


def test_cr_only_line_ends_are_read(tmp_path):
    path = _legacy(tmp_path, ["北京市,1,2", "天津市,3,4"], eol="\r")
    r = read_nbs_file(path)
    assert len(r.observations) == 4 and r.observations["source_line"].tolist() == [5, 5, 6, 6]


def test_stray_cr_splits_a_row_and_is_an_error_with_the_line(tmp_path):
    path = _legacy(tmp_path, ["北京市,1\r,2", "天津市,3,4"])
    with pytest.raises(IngestError, match="row of 北京市 has 2 cells") as info:
        read_nbs_file(path)
    assert info.value.line == 5


def test_huge_cell_is_an_ingest_error(tmp_path):
    path = _legacy(tmp_path, ['北京市,"' + "9" * 200_000 + '",2'])
    with pytest.raises(IngestError, match="malformed CSV") as info:
        read_nbs_file(path)
    assert info.value.file == str(path)


def test_undecodable_and_empty_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\xfa\x00\x81")
    with pytest.raises(IngestError, match="cannot decode"):
        read_nbs_file(bad)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="not an NBS export"):
        read_nbs_file(empty)


def _xlsx(tmp_path, rows, merge=None):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    path = tmp_path / "f.xlsx"
    wb.save(path)
    return path


def test_xlsx_error_boolean_date_and_uncached_formula_cells_are_bad(tmp_path):
    rows = [["数据库：分省年度数据"], ["指标：地区生产总值(亿元)"], ["时间：最近20年"], ["地区", "2021年", "2020年"],
            ["北京市", "#N/A", True], ["天津市", dt.datetime(2020, 1, 1), "=1+1"], ["河北省", 5.5, 7],
            ["数据来源：国家统计局"]]  # fmt: skip
    path = _xlsx(tmp_path, rows)
    with pytest.raises(IngestError, match="Excel error cell #N/A") as info:
        read_nbs_file(path)
    assert info.value.line == 5
    r = read_nbs_file(path, on_bad_cell="reject")
    reasons = sorted(r.rejects["reason"])
    assert reasons == ["Excel error cell #N/A", "boolean cell, not a number", "date/time cell, not a number",
                       "formula without a cached value"]  # fmt: skip
    assert r.observations["value"].tolist() == [5.5, 7.0] and _balanced(r)


def test_xlsx_label_merged_over_two_rows(tmp_path):
    rows = [["数据库：分省年度数据"], ["指标：地区生产总值(亿元)"], ["时间：最近20年"], ["地区", "2021年", "2020年"],
            ["北京市", 1, None], [None, None, None], ["天津市", 3, 4], ["数据来源：国家统计局"]]  # fmt: skip
    r = read_nbs_file(_xlsx(tmp_path, rows, merge="A5:A6"))
    assert r.observations["province"].tolist() == ["11", "12", "12"] and _balanced(r)


def test_xls_error_boolean_and_date_cells_are_bad(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("s")
    rows = [["数据库：分省年度数据"], ["指标：地区生产总值(亿元)"], ["时间：最近20年"], ["地区", "2021年", "2020年", "2019年"],
            ["北京市", None, True, 3.5], ["天津市", 1.0, None, None], ["数据来源：国家统计局"]]  # fmt: skip
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None:
                ws.write(i, j, v)
    ws.row(4).set_cell_error(1, 0x2A)  # #N/A, stored as code 42
    ws.row(5).set_cell_error(2, 0x07)  # #DIV/0!, stored as code 7
    ws.write(5, 3, dt.datetime(2020, 5, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    path = tmp_path / "f.xls"
    wb.save(str(path))
    r = read_nbs_file(path, on_bad_cell="reject")
    assert sorted(r.rejects["reason"]) == ["Excel error cell #DIV/0!", "Excel error cell #N/A",
                                           "boolean cell, not a number", "date/time cell, not a number"]  # fmt: skip
    assert r.observations["value"].tolist() == [3.5, 1.0] and _balanced(r)


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b"\xff\xfe\x00\xd8bad", "cannot decode"), (b"province,year,value,value\n", "more than once"),
     (b"province,year,indicator,value,unit\n\xe5\x8c\x97\xe4\xba\xac,2020,gdp,1\n", "truncated"),
     (b'province,year,indicator,value,unit\n"unclosed,2020,gdp,1,x\n', "malformed|truncated")],
)  # fmt: skip
def test_tidy_reader_raises_only_ingest_errors(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message) as info:
        read_tidy(path)
    assert info.value.file == str(path)


def test_tidy_reader_rejects_nan_and_inf(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("province,year,indicator,value,unit\n北京,2020,gdp,NaN,亿元\n\n天津,2020,gdp,inf,亿元\n"
                    "河北,2020,gdp,1,亿元\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(IngestError, match="line 2: not a finite number"):
        read_tidy(path)
    r = read_tidy(path, on_bad_cell="reject")
    assert r.rejects["source_line"].tolist() == [2, 4] and r.observations[
        "source_line"
    ].tolist() == [5]


def test_wide_reader_raises_only_ingest_errors(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match="empty"):
        read_wide(path, columns={"GDP": "gdp"}, units={"GDP": "亿元"})
    path.write_text("province,year,GDP,GDP\n北京,2020,1,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match="more than once"):
        read_wide(path, columns={"GDP": "gdp"}, units={"GDP": "亿元"})


# ---- manifest ------------------------------------------------------------------------------------


def _manifest(tmp_path, files):
    path = tmp_path / "manifest.yaml"
    path.write_text(
        yaml.safe_dump({"dataset": "t", "files": files}, allow_unicode=True), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    "bad",
    [
        "/etc/passwd",
        "../outside.csv",
        "a/../../outside.csv",
        "~/x.csv",
        "C:/x.csv",
        "https://example.com/x.csv",
    ],
)
def test_manifest_paths_stay_inside_the_root(tmp_path, bad):
    with pytest.raises(IngestError, match="absolute|leaves the dataset root"):
        load_manifest(
            _manifest(
                tmp_path, [{"path": bad, "reader": "nbs", "indicator": "gdp", "vintage": "v"}]
            )
        )


def test_symlink_out_of_the_root_is_refused(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    outside = _legacy(tmp_path, ["北京市,1,2"], name="outside.csv")
    (root / "link.csv").symlink_to(outside)
    m = load_manifest(
        _manifest(root, [{"path": "link.csv", "reader": "nbs", "indicator": "gdp", "vintage": "v"}])
    )
    with pytest.raises(IngestError, match="outside the dataset root"):
        m.check_files()


def test_a_file_listed_twice_is_named_a_duplicate(tmp_path):
    e = {"path": "f.csv", "reader": "nbs", "indicator": "gdp", "vintage": "v"}
    with pytest.raises(
        IngestError, match=r"files\[1\] \(./f.csv\) is a duplicate: the same file is files\[0\]"
    ):
        load_manifest(_manifest(tmp_path, [e, {**e, "path": "./f.csv"}]))


def test_missing_raw_file_fails_when_checked(tmp_path):
    m = load_manifest(
        _manifest(
            tmp_path, [{"path": "nope.csv", "reader": "nbs", "indicator": "gdp", "vintage": "v"}]
        )
    )
    with pytest.raises(IngestError, match="nope.csv does not exist"):
        m.check_files()


def test_declared_unit_must_agree_with_the_files_own_unit(tmp_path):
    _legacy(
        tmp_path,
        ["北京市,1,2"],
        head=["数据库：分省年度数据", "指标：地区生产总值(万元)", "时间：x", "地区,2021年,2020年"],
    )
    m = load_manifest(_manifest(tmp_path, [{"path": "f.csv", "reader": "nbs", "indicator": "gdp", "unit": "亿元",
                                            "vintage": "v"}]))  # fmt: skip
    with pytest.raises(
        IngestError, match="declares unit '亿元' but the file's 指标 line states '万元'"
    ):
        read_entry(m, m.files[0])


def test_file_indicator_must_match_the_entry_or_an_alias(tmp_path):
    _legacy(
        tmp_path,
        ["北京市,1,2"],
        head=["数据库：分省年度数据", "指标：年末常住人口(万人)", "时间：x", "地区,2021年,2020年"],
    )
    entry = {"path": "f.csv", "reader": "nbs", "indicator": "gdp", "vintage": "v"}
    m = load_manifest(_manifest(tmp_path, [entry]))
    with pytest.raises(IngestError, match="the file's 指标 is '年末常住人口\\(万人\\)'.*'gdp'"):
        read_entry(m, m.files[0])
    entry = {
        "path": "f.csv",
        "reader": "nbs",
        "indicator": "population",
        "vintage": "v",
        "aliases": ["年末常住人口"],
    }
    m = load_manifest(_manifest(tmp_path, [entry]))
    assert read_entry(m, m.files[0]).observations["value"].tolist() == [1.0, 2.0]


def test_text_kinds_are_documented():
    assert set(TEXT_KINDS) == {"header", "column_header", "note"}
