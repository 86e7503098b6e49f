"""Capital stock against the R package CHNCapitalStock (GitHub common2016/CapitalStock, GPL-2).

Data: tests/data/reference/chn_capital_stock_asset_bj_sc_cq.csv, the package's ``asset`` data
converted losslessly to CSV (the beijing, sichuan and chongqing rows). Published numbers:

* README.md ("CompK(prv = 'beijing', bt = 1952)" output): Beijing K_2021 = 38866.56346,
  K_2022 = 40271.13639 (亿元, 1952 prices), printed to 10 significant digits;
* R/CompK.R roxygen example: Beijing extended by invest 10801.2 and 11100 at prices
  1.86·1.03 and 1.86·1.03·1.021 gives K_2023 = 42043.06533, K_2024 = 43681.68543;
* tests/testthat/test-provinces.R: Beijing K_1952 = 7.9 (bt 1952), K_2000 = 7066.979
  (bt 2000); Chongqing K_1997 = 434.2679 (bt 1952), K_2000 = 2143.611 (bt 2000), all with
  the package's own tolerance 0.01 (relative, testthat::expect_equal);
* R/CompK_ZJ.R: Chongqing's first stock is the constant ``1090*313/850`` (1996), the README
  (§3.1) explains it as Sichuan's 1995 stock × the Chongqing/Sichuan investment ratio.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.tfp import capital_stock

pytestmark = pytest.mark.reference

R_CHONGQING_K1996 = 1090 * 313 / 850  # hard-coded in CompK_ZJ.R


@pytest.fixture(scope="module")
def asset(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "chn_capital_stock_asset_bj_sc_cq.csv")


def _k(asset: pd.DataFrame, **kw) -> pd.DataFrame:
    kw = {"split": {"chongqing": "sichuan"}, "nonpositive": "keep", **kw}
    out = capital_stock(asset, entity="prv", time="yr", price_col="InvestPrice", **kw)
    return out.set_index(["prv", "yr"])


def test_beijing_1952_prices_readme(asset):
    # tolerance 1e-6 relative (the README prints 10 significant digits)
    k = _k(asset)["capital"]
    assert k[("beijing", 2021)] == pytest.approx(38866.56346, rel=1e-6)
    assert k[("beijing", 2022)] == pytest.approx(40271.13639, rel=1e-6)
    assert k[("beijing", 1952)] == pytest.approx(7.9, rel=1e-12)  # 0.79 / 0.1


def test_beijing_extended_years_roxygen_example(asset):
    # CompK(yr = 2023:2024, invest = c(10801.2, 11100), InvestPrice = c(1.86*1.03,
    # 1.86*1.03*1.021), prv = 'beijing'); printed to 10 significant digits -> rel 1e-9
    extra = pd.DataFrame(
        {
            "prv": "beijing",
            "yr": [2023, 2024],
            "invest": [10801.2, 11100.0],
            "InvestPrice": [1.86 * 1.03, 1.86 * 1.03 * 1.021],
        }
    )
    beijing = pd.concat([asset[asset["prv"] == "beijing"], extra], ignore_index=True)
    k = _k(beijing, split=None)["capital"]
    assert k[("beijing", 2023)] == pytest.approx(42043.06533, rel=1e-9)
    assert k[("beijing", 2024)] == pytest.approx(43681.68543, rel=1e-9)


def test_beijing_base_year_2000(asset):
    # R: 7066.979 (tolerance 0.01). CHNCapitalStock leaves K_1952 = I_1952/0.1 in 1952 prices
    # when rebasing; we rebase the whole series, which moves K_2000 by 0.9^48-order (4e-6 rel).
    k1952 = _k(asset)["capital"]
    k2000 = _k(asset, base_year=2000)["capital"]
    assert k2000[("beijing", 2000)] == pytest.approx(7066.979, rel=1e-5)
    p2000 = asset.set_index(["prv", "yr"]).loc[("beijing", 2000), "InvestPrice"]
    beijing = k2000.xs("beijing") / k1952.xs("beijing")
    np.testing.assert_allclose(beijing.to_numpy(), p2000, rtol=1e-12)


def test_chongqing_with_the_packages_initial_stock(asset):
    # With CompK_ZJ's constant as the 1996 stock our recursion must give the testthat values
    # (printed to 7 digits -> rel 1e-6), both for bt = 1952 and bt = 2000 (R keeps the constant
    # unrebased; `initial` is given in base-year prices, so the same number reproduces both).
    k = _k(asset, initial={"chongqing": R_CHONGQING_K1996})["capital"]
    assert k.xs("chongqing").index.min() == 1996
    assert k[("chongqing", 1996)] == pytest.approx(R_CHONGQING_K1996, rel=1e-12)
    assert k[("chongqing", 1997)] == pytest.approx(434.2679, rel=1e-6)
    k2000 = _k(asset, base_year=2000, initial={"chongqing": R_CHONGQING_K1996})["capital"]
    assert k2000[("chongqing", 2000)] == pytest.approx(2143.611, rel=1e-6)


def test_chongqing_split_rule_derives_the_packages_constant(asset):
    # The package's constant 1090·313/850 rounds K_Sichuan,1995 (1090.86), I_CQ,1996 (313.61)
    # and I_SC,1996 (850.35); the unrounded rule must agree within the package tolerance 0.01.
    k = _k(asset)["capital"]
    inv = asset.set_index(["prv", "yr"])["invest"]
    expected = k[("sichuan", 1995)] * inv[("chongqing", 1996)] / inv[("sichuan", 1996)]
    assert k[("sichuan", 1995)] == pytest.approx(1090, abs=1)
    assert k.xs("chongqing").index.min() == 1996
    assert k[("chongqing", 1996)] == pytest.approx(expected, rel=1e-12)
    assert k[("chongqing", 1996)] == pytest.approx(R_CHONGQING_K1996, rel=1e-2)
    assert k[("chongqing", 1997)] == pytest.approx(434.2679, rel=1e-2)
