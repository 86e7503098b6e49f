"""The plausibility checks find the defects ../shared/data/README.md documents in the real files.

Known facts (source: ../shared/data/README.md and the NBS portal exports it describes):
- nbs/api_2025/software_it_services.csv: Heilongjiang 软件业务收入 drops 75 % in 2018 (a counting break:
  1 895 875.7 → 482 541.1 万元).
- nbs/legacy/分省年度数据 (3).csv: 城镇单位就业人员 breaks in 2013 (coverage; Jiangsu +80.9 %, Guangdong
  +50.8 %).
- panels/分省年度数据_整合.csv: its GDP指数_上年=100 is shifted by one year from about 2015 (Hubei 107.5
  in 2020 and 95.0 in 2021); nbs/portal/分省年度数据_地区生产总值指数.csv is right (Hubei 94.6, 112.9) and
  has 2020 as a dip in 30 of 31 provinces (Tibet 108.1 is what NBS publishes).
The files are read with the project's readers; the checks are evaluated on a panel pivoted from them.
"""

import pandas as pd
import pytest

from imtfp.checks import run_checks
from imtfp.ingest.manifest import read_wide
from imtfp.ingest.nbs import read_nbs_file

pytestmark = [pytest.mark.reference, pytest.mark.realdata]

YEARS = (2011, 2022)


def _long(reading, code: str) -> pd.DataFrame:
    obs = reading.observations.assign(indicator=code)
    return obs[["province", "year", "indicator", "value"]].astype({"value": float, "year": int})


@pytest.fixture(scope="module")
def panel(shared_data) -> pd.DataFrame:
    nbs = shared_data / "nbs"
    software = "软件业务收入 (万元)"
    parts = [
        _long(read_nbs_file(nbs / "portal" / "分省年度数据_地区生产总值指数.csv", indicator="地区生产总值指数",
                            unit="上年=100"), "gdp_index"),
        _long(read_nbs_file(nbs / "legacy" / "分省年度数据.csv"), "gdp"),  # 2025 revision, as the index
        _long(read_nbs_file(nbs / "legacy" / "分省年度数据 (3).csv"), "urban_employment"),
        _long(read_wide(nbs / "api_2025" / "software_it_services.csv", columns={software: "software_rev"},
                        units={software: "万元"}, province_column="省份", year_column="年份"), "software_rev"),
        _long(read_wide(shared_data / "panels" / "分省年度数据_整合.csv",
                        columns={"GDP指数_上年=100": "gdp_index_assembled"}, units={"GDP指数_上年=100": "上年=100"},
                        province_column="地区", year_column="年份"), "gdp_index_assembled"),
    ]  # fmt: skip
    obs = pd.concat(parts, ignore_index=True)
    wide = obs.pivot_table(
        index=["province", "year"], columns="indicator", values="value"
    ).reset_index()
    return wide[wide["year"].between(*YEARS)].reset_index(drop=True)


def _cells(row) -> set[tuple[str, int | None]]:
    return set(zip(row["provinces"], row["years"]))


def test_the_readers_see_the_documented_cells(panel):
    cell = panel.set_index(["province", "year"])
    assert (
        cell.loc[("42", 2020), "gdp_index"] == 94.6 and cell.loc[("42", 2021), "gdp_index"] == 112.9
    )
    assert cell.loc[("42", 2020), "gdp_index_assembled"] == 107.5
    assert cell.loc[("42", 2021), "gdp_index_assembled"] == 95.0


def test_breaks_flag_heilongjiang_software_2018_and_urban_employment_2013(panel):
    out = run_checks(panel, {"breaks": {"kind": "breaks", "severity": "warn",
                                        "thresholds": {"software_rev": 50, "urban_employment": 20}}})  # fmt: skip
    by = out.set_index("indicator")
    assert ("黑龙江", 2018) in _cells(by.loc["software_rev"])
    assert "黑龙江 2018 (−74.55 %)" in by.loc["software_rev", "cells"]  # 482541.1 / 1895875.7 − 1
    urban = _cells(by.loc["urban_employment"])
    assert {("江苏", 2013), ("广东", 2013)} <= urban
    # In 2012-2022 the coverage break of 2013 is the only one above 20 %, apart from Tibet 2019.
    assert {c for c in urban if c[1] != 2013} == {("西藏", 2019)} and len(urban) >= 8
    assert set(out["status"]) == {"warn"}


ALIGNMENT = {"kind": "leadlag", "severity": "fail", "series_as": "index"}


def test_the_shifted_index_is_flagged_against_the_correct_one(panel):
    spec = {
        **ALIGNMENT,
        "series": "gdp_index_assembled",
        "against": "gdp_index",
        "against_as": "index",
    }
    row = run_checks(panel, {"alignment": spec}).iloc[0]
    assert row["status"] == "fail" and "peaks at k=-1" in row["detail"]


def test_the_correct_index_passes_against_nominal_growth_and_the_shifted_one_does_not(panel):
    spec = {
        "correct": {**ALIGNMENT, "series": "gdp_index", "against": "gdp", "against_as": "growth"},
        "shifted": {
            **ALIGNMENT,
            "series": "gdp_index_assembled",
            "against": "gdp",
            "against_as": "growth",
        },
    }
    out = run_checks(panel, spec).set_index("check")
    assert out.loc["correct", "status"] == "pass" and out.loc["correct", "n_cells"] == 0
    assert (
        out.loc["shifted", "status"] == "fail" and "peaks at k=-1" in out.loc["shifted", "detail"]
    )


def test_2020_shock_and_deflator_pass_on_the_portal_index_and_fail_on_the_assembled_one(panel):
    spec = {}
    for col in ("gdp_index", "gdp_index_assembled"):
        spec[f"shock_{col}"] = {
            "kind": "shock",
            "severity": "fail",
            "indicator": col,
            "year": 2020,
            "min_share": 0.8,
        }
        spec[f"deflator_{col}"] = {"kind": "deflator", "severity": "fail", "nominal": "gdp", "index": col,
                                   "bounds": [-8, 17]}  # fmt: skip
    out = run_checks(panel, spec).set_index("check")
    assert out.loc["shock_gdp_index", "status"] == "pass"
    assert _cells(out.loc["shock_gdp_index"]) == {("西藏", 2020)}  # 30 of 31 provinces dip
    assert out.loc["deflator_gdp_index", "status"] == "pass"
    assert out.loc["shock_gdp_index_assembled", "status"] == "fail"
    assert out.loc["deflator_gdp_index_assembled", "status"] == "fail"
    assert ("湖北", 2020) in _cells(out.loc["deflator_gdp_index_assembled"])
