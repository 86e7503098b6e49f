"""The corpus of broken inputs in tests/data/broken: each gives a documented error or reject."""

from pathlib import Path

import pytest
import yaml

from imtfp.errors import IngestError
from imtfp.ingest import read_nbs, read_nbs_file
from imtfp.ingest.manifest import load_manifest
from imtfp.warehouse import ingest

pytestmark = pytest.mark.unit
BROKEN = Path(__file__).resolve().parents[2] / "data" / "broken"


@pytest.mark.parametrize(
    "name, message, line",
    [
        ("truncated.csv", "row of 河北省 has 2 cells but the header has 3", 7),
        ("wrong_encoding.csv", "cannot decode", None),
        ("unknown_province.csv", "unknown province name '火星省'", 7),
        ("dash_cells.csv", "non-numeric cell", 7),
        ("duplicate_rows.csv", "duplicate row for province 北京市 \\(first at line 5\\)", 7),
        ("bad_year.csv", "column header '合计' is not a year", 4),
        ("not_nbs.csv", "not an NBS export", 1),
        ("portal_no_indicator.csv", "has no '指标：' line", None),
    ],
)
def test_error_names_file_and_line(name, message, line):
    with pytest.raises(IngestError, match=message) as info:
        read_nbs(BROKEN / name)
    err = info.value
    assert err.file.endswith(name) and name in str(err)
    if line is not None:
        assert err.line == line and f"line {line}" in str(err)


def test_dash_cells_rejected_when_config_allows():
    r = read_nbs_file(BROKEN / "dash_cells.csv", on_bad_cell="reject")
    assert len(r.observations) == 4
    assert r.rejects[["source_line", "year", "raw_value", "reason"]].values.tolist() == [
        [7, 2020, "—", "non-numeric cell"],
        [7, 2019, "…", "non-numeric cell"],
    ]
    assert r.nonempty_cells == len(r.observations) + len(r.rejects) + r.excluded["cells"].sum()
    assert set(r.excluded["kind"]) == {"header", "column_header", "note"}


def test_unknown_province_rejected_when_config_allows():
    r = read_nbs_file(BROKEN / "unknown_province.csv", on_bad_cell="reject")
    assert set(r.rejects["reason"]) == {"unknown province name '火星省'"}
    data = r.excluded[~r.excluded["kind"].isin(["header", "column_header", "note"])]
    assert len(r.observations) + len(r.rejects) + data["cells"].sum() == 6
    assert r.nonempty_cells == len(r.observations) + len(r.rejects) + r.excluded["cells"].sum()


def test_national_and_hk_macao_taiwan_are_counted_exclusions():
    r = read_nbs_file(BROKEN / "national_and_hk.csv")
    assert r.observations["province"].unique().tolist() == ["11"]
    data = r.excluded[~r.excluded["kind"].isin(["header", "column_header", "note"])]
    assert data[["label", "kind", "cells"]].values.tolist() == [
        ["全国", "national", 2], ["香港特别行政区", "hong_kong", 0], ["澳门特别行政区", "macao", 1], ["台湾省", "taiwan", 2]
    ]  # fmt: skip
    assert r.nonempty_cells == len(r.observations) + r.excluded["cells"].sum()


def _manifest(tmp_path, files, **extra):
    doc = {"dataset": "t", "files": files}
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_manifest(path, root=BROKEN, **extra)


def test_unknown_unit_is_an_error(tmp_path):
    m = _manifest(
        tmp_path,
        [{"path": "unknown_unit.csv", "reader": "nbs", "indicator": "gdp", "vintage": "x"}],
    )
    with pytest.raises(IngestError, match="unknown unit '亿美元' for indicator 'gdp'"):
        ingest(m)


def test_conflicting_vintages_error_unless_config_names_winner(tmp_path):
    files = [
        {"path": "gdp_vintage_a.csv", "reader": "nbs", "indicator": "gdp", "vintage": "2020"},
        {"path": "gdp_vintage_b.csv", "reader": "nbs", "indicator": "gdp", "vintage": "2024"},
    ]
    m = _manifest(tmp_path, files)
    with pytest.raises(
        IngestError, match=r"province 11, year 2019, indicator gdp: gdp_vintage_a.csv line 5"
    ):
        ingest(m)
    wh = ingest(m, vintage_priority={"gdp": ["2024", "2020"]})
    kept = wh.observations.set_index(["province", "year"])["value"]
    assert kept[("11", 2019)] == pytest.approx(35445.1e8 / 1e8)
    # identical cells are duplicates, the differing one superseded: every cell stays accounted for
    assert sorted(wh.rejects["reason"].str.split(" ").str[0]) == [
        "duplicate",
        "duplicate",
        "duplicate",
        "superseded",
    ]
    assert wh.accounting["balanced"].all()
    assert len(wh.conflicts) == 4


def test_wide_table_counts_unmapped_columns(tmp_path):
    (tmp_path / "w.csv").write_text(
        "地区,年份,GDP,备注数\n北京,2020,1.5,7\n天津市,2020,—,\n全国,2020,9,1\n", encoding="utf-8"
    )
    files = [{"path": "w.csv", "reader": "wide", "province_column": "地区", "year_column": "年份",
              "columns": {"GDP": "gdp"}, "units": {"GDP": "亿元"}, "vintage": "v"}]  # fmt: skip
    doc = tmp_path / "m.yaml"
    doc.write_text(
        yaml.safe_dump({"dataset": "w", "files": files}, allow_unicode=True), encoding="utf-8"
    )
    m = load_manifest(doc)
    with pytest.raises(IngestError, match="line 3: non-numeric cell"):
        ingest(m)
    wh = ingest(m, on_bad_cell="reject")
    acc = wh.accounting.iloc[0]
    assert (acc["nonempty_cells"], acc["observations"], acc["rejects"], acc["excluded_cells"]) == (
        9,
        1,
        1,
        7,
    )  # header: 4 cells; GDP: 1 kept, — rejected; 全国: 2 cells excluded; 备注数: 1 unmapped


def test_manifest_excludes_known_bad_cells_into_rejects(tmp_path):
    entry = {"path": "gdp_vintage_a.csv", "reader": "nbs", "indicator": "gdp", "vintage": "x",
             "exclude_cells": [{"province": "天津", "years": [2019], "indicator": "gdp", "reason": "unit error"}]}  # fmt: skip
    wh = ingest(_manifest(tmp_path, [entry]))
    assert len(wh.observations) == 3
    assert wh.rejects[["province", "year", "reason"]].values.tolist() == [
        ["12", 2019, "excluded by manifest: unit error"]
    ]
    assert wh.accounting["balanced"].all()
    entry["exclude_cells"][0]["province"] = "河北"
    with pytest.raises(IngestError, match="matches no cell"):
        ingest(_manifest(tmp_path, [entry]))


def test_native_xlsx_export_with_the_same_layout(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["数据库：分省年度数据"], ["指标：地区生产总值(亿元)"], ["时间：最近20年"], ["地区", "2020年", "2019年"],
                ["北京市", 36102.6, 35371.3], ["全国", 1015986.2, None], ["天津市", None, 14104.3],
                ["数据来源：国家统计局"]):  # fmt: skip
        ws.append(row)
    wb.save(tmp_path / "gdp.xlsx")
    df = read_nbs(tmp_path / "gdp.xlsx")
    assert df[["province", "year", "value", "source_line"]].values.tolist() == [
        ["11", 2020, 36102.6, 5], ["11", 2019, 35371.3, 5], ["12", 2019, 14104.3, 7]]  # fmt: skip
    assert df.attrs["excluded_cells"] == 1 and df.attrs["unit"] == "亿元"
