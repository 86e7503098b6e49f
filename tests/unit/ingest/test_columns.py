"""The ``columns`` reader: portal tables cut short, census columns, xlsx/dta long tables, flagged rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from imtfp.errors import IngestError
from imtfp.ingest.columns import read_columns
from imtfp.ingest.manifest import Manifest, read_entry

pytestmark = pytest.mark.unit

PORTAL = "\ufeff数据库：分省年度数据\n时间：2011年-2012年\n地区,2012年,2011年\n北京市,19568.3,17653.3\n天津市,,9730.5\n全国,1,2\n注,,\n数,,\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_years_layout_reads_a_portal_table_whose_footer_was_cut(tmp_path):
    path = _write(tmp_path, "gdp.csv", PORTAL)
    r = read_columns(
        path, layout="years", indicator="地区生产总值", unit="亿元", skip_rows=2, expect_provinces=2
    )
    obs = r.observations.set_index(["province", "year"])["value"]
    assert obs.to_dict() == {("11", 2012): 19568.3, ("11", 2011): 17653.3, ("12", 2011): 9730.5}
    assert set(r.observations["source_line"]) == {4, 5}  # file lines of 北京市 and 天津市
    # 5 non-empty value cells = 3 observations + 2 national cells excluded; 注/数 rows hold no value;
    # the two skipped lines and the header's 3 cells are text. Row labels (地区 cells) are keys.
    assert r.nonempty_cells == 10 and r.meta["row_labels"] == 5
    data = r.excluded[~r.excluded["kind"].isin(["header", "column_header"])]
    assert data[["label", "kind", "cells"]].values.tolist() == [["全国", "national", 2]]
    assert r.excluded.groupby("kind")["cells"].sum().to_dict() == {
        "column_header": 3, "header": 2, "national": 2
    }  # fmt: skip


def test_years_layout_refuses_a_table_that_lost_provinces(tmp_path):
    path = _write(tmp_path, "gdp.csv", PORTAL)
    with pytest.raises(IngestError, match="2 provinces read, 31 expected"):
        read_columns(
            path, layout="years", indicator="x", unit="亿元", skip_rows=2, expect_provinces=31
        )


def test_a_label_row_with_values_is_an_error_not_a_footer(tmp_path):
    path = _write(tmp_path, "gdp.csv", PORTAL.replace("注,,", "注,1.0,"))
    with pytest.raises(IngestError, match="unknown province name '注'"):
        read_columns(path, layout="years", indicator="x", unit="亿元", skip_rows=2)
    r = read_columns(
        path, layout="years", indicator="x", unit="亿元", skip_rows=2, on_bad_cell="reject"
    )
    assert r.rejects[["province", "year", "raw_value"]].values.tolist() == [["注", 2012, "1.0"]]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("19568.3*", "non-numeric"), ("1_000", "non-numeric"), ("１２", "non-numeric"), ('"1,5"', "non-numeric"),
     ("NaN", "NaN/inf"), ("inf", "NaN/inf")],
)  # fmt: skip
def test_strict_numbers(tmp_path, cell, reason):
    # the same grammar as the NBS readers (imtfp.ingest.nbs.parse_number)
    path = _write(tmp_path, "gdp.csv", PORTAL.replace("19568.3", cell))
    with pytest.raises(IngestError, match=reason):
        read_columns(path, layout="years", indicator="x", unit="亿元", skip_rows=2)


def test_thousands_groups_are_read_as_numbers(tmp_path):
    path = _write(tmp_path, "gdp.csv", PORTAL.replace("19568.3", '"19,568.3"'))
    r = read_columns(path, layout="years", indicator="x", unit="亿元", skip_rows=2)
    assert 19568.3 in r.observations["value"].tolist()


def test_census_layout_one_year_per_column(tmp_path):
    path = _write(tmp_path, "edu.csv", "province,y2020,y2010\n全国,9.91,9.08\n北京,12.64,11.71\n")
    r = read_columns(
        path, layout="census", columns={"y2020": "edu_years_15", "y2010": "edu_years_15"},
        units={"y2020": "年", "y2010": "年"}, years={"y2020": 2020, "y2010": 2010},
    )  # fmt: skip
    assert sorted(r.observations[["year", "value"]].itertuples(index=False, name=None)) == [
        (2010, 11.71), (2020, 12.64)]  # fmt: skip
    # 4 value cells (2 national) + the header's 3 cells
    assert r.nonempty_cells == 7 and r.excluded["cells"].sum() == 5


def test_long_layout_from_stata_and_excel_with_flagged_rows(tmp_path):
    df = pd.DataFrame({
        "prov": ["北京市", "北京市", "上海市"], "yr": [2019, 2020, 2019], "robots": [14137.85, 2516.379, 9.5],
        "note": ["", "ERROR: repeats 2012", ""], "other": [1.0, 2.0, None],
    })  # fmt: skip
    spec = dict(
        columns={"robots": "robot_stock"}, units={"robots": "台"}, province_column="prov", year_column="yr",
        reject_flagged={"column": "note", "reason": "flagged by the source"},
    )  # fmt: skip
    df.to_excel(tmp_path / "t.xlsx", index=False)
    df.assign(note=df["note"].astype(str)).to_stata(
        tmp_path / "t.dta", write_index=False, version=118
    )
    for name in ("t.xlsx", "t.dta"):
        r = read_columns(tmp_path / name, **spec)
        assert r.observations[["province", "year", "value"]].values.tolist() == [
            ["11", 2019, 14137.85],
            ["31", 2019, 9.5],
        ]
        assert r.rejects["reason"].tolist() == ["flagged by the source: ERROR: repeats 2012"]
        # 3 robot cells + 1 flag text + 2 'other' cells (flag and 'other' are unmapped columns)
        # + the header's 5 cells
        assert r.nonempty_cells == 11
        assert len(r.observations) + len(r.rejects) + r.excluded["cells"].sum() == 11


def test_manifest_entry_maps_and_converts_units(tmp_path):
    _write(tmp_path, "pop.csv", PORTAL)
    entry = {"path": "pop.csv", "reader": "columns", "layout": "years", "skip_rows": 2, "indicator": "gdp",
             "name": "地区生产总值", "unit": "万元", "vintage": "v1"}  # fmt: skip
    r = read_entry(Manifest("t", tmp_path, [entry]), entry)
    assert set(r.observations["code"]) == {"gdp"} and set(r.observations["vintage"]) == {"v1"}
    # 万元 -> 亿元 (the catalog unit of gdp)
    assert r.observations.set_index(["province", "year"]).at[
        ("11", 2012), "value"
    ] == pytest.approx(1.95683)
