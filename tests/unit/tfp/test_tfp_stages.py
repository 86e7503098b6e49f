"""Stage functions build_capital / build_tfp and the tfp: section of the repository configs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from imtfp.config import merge, validate
from imtfp.errors import ConfigError
from imtfp.tfp import build_capital, build_tfp, malmquist

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
CODES = ["11", "12", "31", "50", "51"]


def _invest_chn() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for prv, first in (
        ("beijing", 1990),
        ("tianjin", 1990),
        ("shanghai", 1990),
        ("sichuan", 1990),
        ("chongqing", 1996),
    ):
        price = 1.0
        for y in range(first, 2021):
            price *= rng.uniform(1.0, 1.06)
            rows.append(
                {
                    "prv": prv,
                    "yr": y,
                    "invest": rng.uniform(50, 500),
                    "InvestIndex": np.nan,
                    "InvestPrice": price,
                    "depr": np.nan,
                }
            )
    return pd.DataFrame(rows)


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for code in CODES:
        gdp, emp = rng.uniform(1000, 5000), rng.uniform(500, 2000)
        for y in range(2008, 2016):
            gdp *= rng.uniform(1.05, 1.15)
            emp *= rng.uniform(0.98, 1.03)
            rows.append(
                {
                    "province": code,
                    "year": y,
                    "region": "east",
                    "gdp": gdp,
                    "gdp_index": rng.uniform(105, 111),
                    "employment": emp,
                    "co2": gdp * rng.uniform(0.2, 0.5),
                }
            )
    return pd.DataFrame(rows)


SPEC = {
    "capital": {
        "delta": 0.096,
        "base": "zhang",
        "base_year": 2008,
        "split": {"chongqing": "sichuan"},
    },
    "real_gdp_base_year": 2008,
    "alpha": 0.4,
    "methods": ["solow", "malmquist", "ml"],
    "dea": {"orientation": "output", "frontier": "contemporaneous"},
    "ml": {"bad_outputs": ["co2"], "frontier": "global", "rts": "crs"},
    "outcome": "tfp_malmquist",
}


def test_build_capital_layouts_and_codes():
    chn = _invest_chn()
    cap = build_capital(chn, SPEC)
    assert list(cap.columns) == ["province", "year", "invest", "price", "capital"]
    assert sorted(cap["province"].unique()) == CODES
    assert cap.loc[cap["province"] == "50", "year"].min() == 1996
    tidy = chn.rename(columns={"prv": "province", "yr": "year", "InvestPrice": "price"})
    pd.testing.assert_frame_equal(
        build_capital(tidy[["province", "year", "invest", "price"]], SPEC), cap
    )
    # price rebased to the base year
    np.testing.assert_allclose(cap.loc[cap["year"] == 2008, "price"], 1.0, rtol=1e-14)


def test_build_capital_errors():
    with pytest.raises(ConfigError, match="unknown keys"):
        build_capital(_invest_chn(), {"capital": {"depreciation": 0.1}})
    bad = _invest_chn().replace({"prv": {"tianjin": "tianjing"}})
    with pytest.raises(ConfigError, match="unknown province 'tianjing'"):
        build_capital(bad, SPEC)


def test_build_tfp_columns_and_levels():
    panel, cap = _panel(), build_capital(_invest_chn(), SPEC)
    out = build_tfp(panel, cap, SPEC)
    assert list(out.columns) == [
        "province",
        "year",
        "gdp_real",
        "gdp_growth",
        "labour",
        "capital",
        "tfp_solow",
        "tfp_malmquist",
        "gtfp_ml",
    ]
    assert len(out) == len(panel) and out.notna().all().all()
    assert (out["labour"] == panel["employment"]).all()  # no tfp.labour_splice in SPEC
    first = out["year"] == 2008
    np.testing.assert_allclose(out.loc[first, ["tfp_malmquist", "gtfp_ml"]], 1.0)
    # the Malmquist level is the running product of the index of the same inputs
    merged = panel.merge(cap, on=["province", "year"])
    merged["gdp_real"] = np.nan
    real = {}
    for code, g in panel.groupby("province"):
        g = g.sort_values("year")
        chain = np.cumprod(np.r_[1.0, g["gdp_index"].to_numpy()[1:] / 100])
        real.update({(code, y): g["gdp"].iloc[0] * c for y, c in zip(g["year"], chain)})
    merged["gdp_real"] = [real[(p, y)] for p, y in zip(merged["province"], merged["year"])]
    m = malmquist(merged, ["capital", "employment"], ["gdp_real"], entity="province", time="year")
    got = out.set_index(["province", "year"])["tfp_malmquist"].loc[m.index]
    np.testing.assert_allclose(got, m["tfp_level"], rtol=1e-12)
    ln_a = (
        np.log(merged["gdp_real"])
        - 0.4 * np.log(merged["capital"])
        - 0.6 * np.log(merged["employment"])
    )
    solow = out.set_index(["province", "year"])["tfp_solow"]
    np.testing.assert_allclose(
        solow.loc[list(zip(merged["province"], merged["year"]))], ln_a, rtol=1e-12
    )


def test_build_tfp_errors():
    panel, cap = _panel(), build_capital(_invest_chn(), SPEC)
    late = panel.assign(year=panel["year"] + 6)  # 2014–2021; capital data end in 2020
    with pytest.raises(
        ConfigError, match=r"no capital stock for 5 panel row\(s\), e.g. \[\['11', 2021\]"
    ):
        build_tfp(late, cap, {**SPEC, "real_gdp_base_year": 2014})
    with pytest.raises(ConfigError, match="tfp.outcome 'gtfp_ml'"):
        build_tfp(panel, cap, {**SPEC, "methods": ["solow"], "outcome": "gtfp_ml"})
    with pytest.raises(ConfigError, match="'sbm'"):
        build_tfp(panel, cap, {**SPEC, "methods": ["sbm"], "outcome": None})
    with pytest.raises(ConfigError, match="tfp.sfa: unknown keys"):
        build_tfp(panel, cap, {**SPEC, "methods": ["sfa"], "outcome": None, "sfa": {"shape": 1}})
    with pytest.raises(ConfigError, match="bad_outputs"):
        build_tfp(panel, cap, {**SPEC, "ml": {"bad_outputs": []}})


# Neither config file uses the Malmquist–Luenberger measure; this `ml` section (with `methods`
# asking for it) is merged onto them so the schema's `tfp.ml` and build_tfp's gtfp_ml are
# exercised from a real config.
ML_OVERLAY = {
    "tfp": {
        "methods": ["solow", "malmquist", "ml"],
        "ml": {
            "bad_outputs": ["co2"],
            "frontier": "global",
            "rts": "crs",
            "bad_disposability": "weak",
        },
    }
}


@pytest.mark.parametrize("path", ["config.yaml", "configs/real_nbs.yaml"])
def test_config_fragment_validates_and_runs(path):
    """The tfp: section of a repository config (plus ml) validates and drives the stages."""
    base = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    cfg = merge(base, ML_OVERLAY)
    validate(cfg)
    for overlay, key in (
        ({"tfp": {"alpha": 1.5}}, "tfp.alpha"),
        ({"tfp": {"methods": ["dea"]}}, "tfp.methods.0"),
        ({"tfp": {"dea": {"orientation": "both"}}}, "tfp.dea.orientation"),
        ({"tfp": {"extra": 1}}, "tfp.extra"),
        ({"tfp": {"ml": {"rts": "nirs"}}}, "tfp.ml.rts"),
    ):
        with pytest.raises(ConfigError, match=re.escape(f"config key '{key}'")):
            validate(merge(cfg, overlay))
    with pytest.raises(ConfigError, match=r"config key 'tfp': 'ml' is a required property"):
        validate(merge(base, {"tfp": {"methods": ["solow", "ml"]}}))  # ml asked for, not configured
    # Fit the synthetic data: CHNCapitalStock-like (Chongqing from 1996), panel 2008–2015, and
    # investment that is noise without growth, so the Hall–Jones start (I/P) / (g + δ) can have
    # g + δ ≤ 0: use zhang.
    spec = merge(
        cfg["tfp"],
        {
            "capital": {"base": "zhang", "base_year": 2008, "split": {"chongqing": "sichuan"}},
            "real_gdp_base_year": 2008,
        },
    )
    out = build_tfp(_panel(), build_capital(_invest_chn(), spec), spec)
    # the whole-economy chain's columns (the real config's outcome is the industrial chain's)
    economy = [c for c in ("tfp_solow", "tfp_malmquist", "gtfp_ml", spec["outcome"]) if c in out]
    assert len(economy) >= 3 and out[economy].notna().all().all()


def test_build_tfp_sfa_variant_is_the_frontier_of_its_own_inputs():
    """tfp_sfa of the stage equals sfa_tfp_level called on the stage's own Y, K and L."""
    from imtfp.tfp import sfa_tfp_level

    panel, cap = _panel(), build_capital(_invest_chn(), SPEC)
    spec = {**SPEC, "methods": ["solow", "sfa"], "sfa": {"form": "cobb_douglas"}}
    out = build_tfp(panel, cap, {**spec, "outcome": "tfp_sfa"})
    direct = sfa_tfp_level(
        out.rename(columns={"labour": "employment"}), y="gdp_real", capital="capital",
        labour="employment", entity="province", time="year", form="cobb_douglas",
    )  # fmt: skip
    np.testing.assert_allclose(out["tfp_sfa"], direct, rtol=1e-10)
    assert (out.loc[out["year"] == 2008, "tfp_sfa"] == 1.0).all()
