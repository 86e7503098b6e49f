"""A technology subsystem index from real NBS portal series (../shared/data/nbs/portal)."""

import numpy as np
import pandas as pd
import pytest

from imtfp.index import composite_index
from imtfp.ingest import read_nbs

pytestmark = [pytest.mark.realdata]

SERIES = {
    "fiscal_st": ("分省年度数据_1.csv", "地方财政科学技术支出", "亿元"),
    "tech_market": ("分省年度数据_2.csv", "技术市场成交额", "亿元"),
    "patent_apps": ("分省年度数据_3.csv", "专利申请受理数", "件"),
}


def test_technology_index_from_real_series(shared_data):
    frames = []
    for code, (name, indicator, unit) in SERIES.items():
        df = read_nbs(shared_data / "nbs" / "portal" / name, indicator=indicator, unit=unit)
        frames.append(df.assign(indicator=code))
    wide = (
        pd.concat(frames)
        .pivot_table(index=["province", "year"], columns="indicator", values="value")
        .reset_index()
    )
    wide = wide[wide["year"].between(2011, 2023)].dropna()
    assert len(wide) > 31 * 10
    scores, weights = composite_index(
        wide, {c: 1 for c in SERIES}, method="entropy", scheme="global"
    )
    out = wide.assign(technology=np.asarray(scores))
    assert out["technology"].between(0, 1).all() and out["technology"].notna().all()
    assert np.isclose(weights["weight"].sum(), 1.0) and (weights["weight"] > 0).all()
    # The coastal innovation centres lead on these series; the small western provinces trail.
    latest = out[out["year"] == 2022].set_index("province")["technology"]
    assert set(latest.nlargest(3).index) <= {"44", "11", "32", "33", "31"}
    assert latest.idxmin() in {"54", "63", "64"}
