"""Row accounting: a cell cannot vanish between a raw file and the warehouse."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imtfp.demo import write_legacy_csv
from imtfp.ingest.manifest import Manifest
from imtfp.warehouse import ingest, load_warehouse, write_warehouse

pytestmark = pytest.mark.unit
NAMES = ["全国", "北京市", "天津市", "河北省", "香港特别行政区", "火星省"]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["", "1.5", "—", "2", "x"]), min_size=3, max_size=3),
        min_size=6,
        max_size=6,
    )
)
def test_every_nonempty_cell_is_accounted_for(tmp_path_factory, cells):
    folder = tmp_path_factory.mktemp("wh")
    rows = list(zip(NAMES, cells))
    write_legacy_csv(
        folder / "f.csv", "地区生产总值(亿元)", rows, [2022, 2021, 2020], ["数据来源说明"]
    )
    m = Manifest(
        "t", folder, [{"path": "f.csv", "reader": "nbs", "indicator": "gdp", "vintage": "v"}]
    )
    wh = ingest(m, on_bad_cell="reject")
    nonempty = sum(c != "" for row in cells for c in row)
    acc = wh.accounting.iloc[0]
    # 3 header lines, 地区 + 3 years, 2 footer lines: text cells, counted as excluded text
    text = wh.excluded["kind"].isin(["header", "column_header", "note"])
    assert wh.excluded.loc[text, "cells"].sum() == 9
    assert acc["nonempty_cells"] == nonempty + 9
    assert (
        nonempty == len(wh.observations) + len(wh.rejects) + wh.excluded.loc[~text, "cells"].sum()
    )
    good = sum(c in ("1.5", "2") for name, row in rows[1:4] for c in row)
    assert len(wh.observations) == good


def test_warehouse_round_trip(tmp_path):
    rows = [("北京市", ["1", "2"]), ("天津市", ["3", ""])]
    write_legacy_csv(tmp_path / "f.csv", "就业人员(人)", rows, [2021, 2020], [])
    m = Manifest(
        "t",
        tmp_path,
        [{"path": "f.csv", "reader": "nbs", "indicator": "employment", "vintage": "v"}],
    )
    wh = ingest(m)
    write_warehouse(wh, tmp_path / "w.duckdb")
    back = load_warehouse(tmp_path / "w.duckdb")
    # 人 -> 万人: canonical units
    assert np.allclose(
        back.observations.sort_values(["province", "year"])["value"], [2e-4, 1e-4, 3e-4]
    )
    assert back.observations["unit"].unique().tolist() == ["万人"]
    assert back.accounting["balanced"].all()
