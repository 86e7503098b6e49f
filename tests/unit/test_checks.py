"""Plausibility checks on synthetic panels whose defects are planted, one kind at a time."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import imtfp.config
from imtfp.checks import COLUMNS, PlausibilityError, raise_on_failure, run_checks
from imtfp.errors import ConfigError, ImtfpError

pytestmark = pytest.mark.unit

CODES = ["11", "14", "23", "32", "42", "44"]  # 北京 山西 黑龙江 江苏 湖北 广东
YEARS = range(2011, 2023)


def _panel(seed: int = 1) -> pd.DataFrame:
    """Real growth with a common 2020 dip, a 2 % deflator, sectors that add up, shares in [0, 100]."""
    rng = np.random.default_rng(seed)
    rows = []
    for code in CODES:
        real, price = 100.0, 1.0
        for year in YEARS:
            growth = (
                7
                - 0.2 * (year - 2011)
                + rng.normal(0, 1.0)
                - 8 * (year == 2020)
                + 5 * (year == 2021)
            )
            inflation = 2 + rng.normal(0, 0.5)
            real *= 1 + growth / 100
            price *= 1 + inflation / 100
            gdp = real * price
            rows.append({
                "province": code, "year": year, "gdp": gdp, "gdp_index": 100 + growth,
                "primary_va": 0.08 * gdp, "secondary_va": 0.40 * gdp, "tertiary_va": 0.52 * gdp,
                "urban_rate": 50.0 + (year - 2011), "software_rev": 10 * 1.1 ** (year - 2011),
            })  # fmt: skip
    return pd.DataFrame(rows)


def _one(panel, **spec) -> pd.Series:
    spec.setdefault("severity", "fail")
    out = run_checks(panel, {"c": spec})
    assert len(out) == 1
    return out.iloc[0]


def _set(panel, code, year, col, value) -> pd.DataFrame:
    panel = panel.copy()
    panel.loc[(panel["province"] == code) & (panel["year"] == year), col] = value
    return panel


def _shift_one_year(panel: pd.DataFrame, col: str) -> pd.DataFrame:
    """``col`` of year t replaced by its value of year t − 1 (the first year keeps its own)."""
    prev = panel.groupby("province")[col].shift(1)
    return panel.assign(**{col: prev.fillna(panel[col])})


# ---- deflator ------------------------------------------------------------------------------------


def test_deflator_passes_a_consistent_index_and_names_a_wrong_cell():
    panel = _panel()
    ok = _one(panel, kind="deflator", nominal="gdp", index="gdp_index", bounds=[-5, 10])
    assert (ok["status"], ok["n_cells"], ok["n_tested"]) == (
        "pass",
        0,
        len(CODES) * (len(YEARS) - 1),
    )
    bad = _one(_set(panel, "42", 2020, "gdp_index", 112.0), kind="deflator", bounds=[-5, 10])
    assert (bad["status"], bad["n_cells"]) == ("fail", 1)
    assert list(bad["provinces"]) == ["湖北"] and list(bad["years"]) == [2020]
    assert "湖北 2020" in bad["cells"]


def test_deflator_formula():
    # Y: 100 -> 110 nominal with real index 105: deflator growth 100*1.1/1.05 - 100 = 4.7619 %
    panel = pd.DataFrame({"province": ["11", "11"], "year": [2019, 2020], "gdp": [100.0, 110.0],
                          "gdp_index": [105.0, 105.0]})  # fmt: skip
    assert _one(panel, kind="deflator", bounds=[4.77, 10])["n_cells"] == 1
    assert _one(panel, kind="deflator", bounds=[4.76, 10])["n_cells"] == 0


# ---- shock ---------------------------------------------------------------------------------------


def test_shock_shows_in_2020_and_not_in_a_shifted_index():
    panel = _panel()
    ok = _one(panel, kind="shock", indicator="gdp_index", year=2020)
    assert (ok["status"], ok["n_cells"], ok["n_tested"]) == ("pass", 0, len(CODES))
    shifted = _one(
        _shift_one_year(panel, "gdp_index"), kind="shock", indicator="gdp_index", year=2020
    )
    assert (shifted["status"], shifted["n_cells"]) == ("fail", len(CODES))


def test_shock_outside_the_sample_window_is_not_tested_rather_than_an_error():
    # a named check on 2016-2019 cannot show the 2020 dip; the shifted index would still fail at 2020
    early = _panel().query("year < 2020")
    row = _one(early, kind="shock", indicator="gdp_index", year=2020)
    assert (row["status"], row["n_tested"]) == ("pass", 0)
    assert "not tested" in row["detail"]


def test_shock_lists_a_province_without_the_dip_but_passes_above_min_share():
    panel = _set(_panel(), "23", 2020, "gdp_index", 109.0)
    row = _one(
        panel, kind="shock", indicator="gdp_index", year=2020, min_share=0.8, severity="warn"
    )
    assert (row["status"], list(row["provinces"])) == ("pass", ["黑龙江"])  # 5 of 6 = 83 % >= 80 %
    strict = _one(
        panel, kind="shock", indicator="gdp_index", year=2020, min_share=0.9, severity="warn"
    )
    assert strict["status"] == "warn"


# ---- sum -----------------------------------------------------------------------------------------


def test_sectors_sum_to_grp():
    panel = _panel()
    spec = {"kind": "sum", "parts": ["primary_va", "secondary_va", "tertiary_va"], "total": "gdp"}
    assert _one(panel, **spec, bounds=[99.5, 100.5])["status"] == "pass"
    panel = _set(panel, "32", 2021, "tertiary_va", 0.0)  # 48 % of GRP left
    row = _one(panel, **spec, bounds=[99.5, 100.5], severity="warn")
    assert (row["status"], list(row["provinces"]), list(row["years"])) == ("warn", ["江苏"], [2021])
    assert "48 %" in row["cells"]


# ---- breaks --------------------------------------------------------------------------------------


def test_imputed_cells_are_left_out_of_the_checks():
    # a tertiary value carried back by the missing-value policy is listed as imputed, not tested
    panel = _set(_panel(), "32", 2021, "tertiary_va", 0.0)
    spec = {"s": {"kind": "sum", "severity": "fail", "parts": ["primary_va", "secondary_va", "tertiary_va"],
                  "total": "gdp", "bounds": [99.5, 100.5]}}  # fmt: skip
    assert run_checks(panel, spec).iloc[0]["status"] == "fail"
    imputed = pd.DataFrame({"province": ["32"], "year": [2021], "indicator": ["tertiary_va"]})
    row = run_checks(panel, spec, imputed=imputed).iloc[0]
    assert (row["status"], row["n_tested"]) == (
        "pass",
        run_checks(_panel(), spec).iloc[0]["n_tested"] - 1,
    )


def test_breaks_flag_a_counting_break_per_indicator():
    panel = _panel()
    drop = (
        panel.loc[(panel["province"] == "23") & (panel["year"] == 2017), "software_rev"].iat[0]
        * 0.25
    )
    panel = _set(panel, "23", 2018, "software_rev", drop)  # -75 % in 2018 and back up in 2019
    out = run_checks(panel, {"b": {"kind": "breaks", "severity": "warn",
                                   "thresholds": {"software_rev": 50, "gdp": 30}}})  # fmt: skip
    soft, gdp = (
        out.set_index("indicator").loc["software_rev"],
        out.set_index("indicator").loc["gdp"],
    )
    assert soft["status"] == "warn" and gdp["status"] == "pass"
    assert list(zip(soft["provinces"], soft["years"])) == [("黑龙江", 2018), ("黑龙江", 2019)]
    assert "−75 %" in soft["cells"]


def test_breaks_skip_missing_and_nonpositive_previous_values():
    panel = _set(
        _set(_panel(), "11", 2015, "software_rev", np.nan), "14", 2015, "software_rev", 0.0
    )
    row = _one(panel, kind="breaks", thresholds={"software_rev": 50})
    # 2015 and 2016 of Beijing and 2016 of Shanxi have no usable previous value; Shanxi 2015 is -100 %
    assert row["n_tested"] == len(CODES) * (len(YEARS) - 1) - 3
    assert list(zip(row["provinces"], row["years"])) == [("山西", 2015)]


# ---- lead/lag ------------------------------------------------------------------------------------


def test_leadlag_flags_an_index_shifted_by_one_year_and_passes_the_aligned_one():
    panel = _panel()
    spec = {"kind": "leadlag", "series": "gdp_index", "series_as": "index", "against": "gdp",
            "against_as": "growth"}  # fmt: skip
    ok = _one(panel, **spec)
    assert ok["status"] == "pass" and "peaks at k=0" in ok["detail"]
    shifted = _one(_shift_one_year(panel, "gdp_index"), **spec)
    assert shifted["status"] == "fail" and "peaks at k=-1" in shifted["detail"]


def test_leadlag_against_a_second_index_and_a_lead():
    panel = _panel()
    panel["true_index"] = panel["gdp_index"]
    # A series that leads by a year (s_t = true value of t + 1) peaks at k = +1.
    lead = panel.groupby("province")["gdp_index"].shift(-1).fillna(panel["gdp_index"])
    row = _one(panel.assign(gdp_index=lead), kind="leadlag", series="gdp_index", against="true_index",
               against_as="index")  # fmt: skip
    assert row["status"] == "fail" and "peaks at k=+1" in row["detail"]


def test_leadlag_rejects_an_unknown_transform():
    with pytest.raises(ConfigError, match="series_as"):
        _one(_panel(), kind="leadlag", series="gdp_index", against="gdp", series_as="log")


# ---- range ---------------------------------------------------------------------------------------


def test_shares_within_0_100():
    panel = _set(_panel(), "44", 2022, "urban_rate", 101.2)
    row = _one(panel, kind="range", indicators=["urban_rate"], bounds=[0, 100])
    assert (row["status"], list(row["provinces"]), list(row["years"])) == ("fail", ["广东"], [2022])


# ---- the stage -----------------------------------------------------------------------------------


def test_result_frame_and_order_independence():
    panel = _set(_panel(), "44", 2022, "urban_rate", 101.2)
    spec = {"shares": {"kind": "range", "severity": "warn", "indicators": ["urban_rate"]},
            "defl": {"kind": "deflator", "severity": "fail", "bounds": [-5, 10]}}  # fmt: skip
    out = run_checks(panel, spec)
    assert list(out.columns) == COLUMNS and list(out["check"]) == ["shares", "defl"]
    assert set(out["status"]) <= {"pass", "warn", "fail"}
    shuffled = run_checks(panel.sample(frac=1, random_state=3), spec)
    pd.testing.assert_frame_equal(out, shuffled)


def test_empty_spec_gives_an_empty_table():
    out = run_checks(_panel(), {})
    assert out.empty and list(out.columns) == COLUMNS


def test_bad_spec_names_the_check():
    with pytest.raises(ConfigError, match=r"checks\.x: \['nope'\] not in the panel"):
        run_checks(_panel(), {"x": {"kind": "range", "severity": "fail", "indicators": ["nope"]}})
    with pytest.raises(ConfigError, match="checks.y.kind"):
        run_checks(_panel(), {"y": {"kind": "median", "severity": "fail"}})
    with pytest.raises(ConfigError, match="checks.z.severity"):
        run_checks(_panel(), {"z": {"kind": "range", "severity": "error", "indicators": ["gdp"]}})


def test_raise_on_failure_names_indicator_provinces_and_years():
    panel = _set(_set(_panel(), "42", 2020, "urban_rate", -1.0), "11", 2013, "urban_rate", 130.0)
    spec = {"shares": {"kind": "range", "severity": "fail", "indicators": ["urban_rate"]},
            "breaks": {"kind": "breaks", "severity": "warn", "thresholds": {"urban_rate": 10}}}  # fmt: skip
    out = run_checks(panel, spec)
    with pytest.raises(PlausibilityError) as err:
        raise_on_failure(out)
    text = str(err.value)
    assert isinstance(err.value, ImtfpError)
    assert "shares" in text and "urban_rate" in text and "湖北 2020" in text and "北京 2013" in text
    assert text.startswith("1 plausibility check(s) failed")  # the breaks only warn
    assert not any(line.startswith("- breaks") for line in text.splitlines())
    raise_on_failure(out[out["status"] != "fail"])  # nothing failing: no error


def test_config_sections_validate_and_a_misspelled_parameter_does_not(tmp_path):
    root = Path(__file__).resolve().parents[2]
    for name in ("config.yaml", "configs/real_nbs.yaml"):
        cfg = yaml.safe_load((root / name).read_text(encoding="utf-8"))
        assert cfg["checks"], name
        imtfp.config.validate(cfg)
    cfg = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    cfg["checks"]["gdp_deflator"]["bound"] = [-1, 1]
    with pytest.raises(ConfigError, match="checks.gdp_deflator"):
        imtfp.config.validate(cfg)


def test_accepted_cells_are_reported_with_their_reason_and_do_not_set_the_status():
    panel = _panel()
    drop = (
        panel.loc[(panel["province"] == "23") & (panel["year"] == 2017), "software_rev"].iat[0]
        * 0.25
    )
    panel = _set(panel, "23", 2018, "software_rev", drop)
    spec = {"kind": "breaks", "severity": "fail", "thresholds": {"software_rev": 50},
            "accept": [{"province": "黑龙江", "year": 2018, "indicator": "software_rev",
                        "reason": "counting break (NBS)"}]}  # fmt: skip
    row = _one(panel, **spec)
    # 2018 is accepted; the rebound of 2019 (+300 %) still counts.
    assert row["status"] == "fail" and list(zip(row["provinces"], row["years"])) == [
        ("黑龙江", 2019)
    ]
    assert row["accepted"] == "黑龙江 2018: counting break (NBS)"
    spec["accept"].append({"province": "23", "year": 2019, "reason": "same break"})
    row = _one(panel, **spec)
    assert (row["status"], row["n_cells"]) == ("pass", 0) and "黑龙江 2019: same break" in row[
        "accepted"
    ]
    spec["accept"].append({"province": "Atlantis", "reason": "x"})
    with pytest.raises(ConfigError, match="checks.c.accept"):
        _one(panel, **spec)
