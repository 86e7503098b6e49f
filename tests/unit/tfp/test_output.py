"""Real output chain, labour splice and real investment per resident (imtfp.tfp.output), by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.tfp.output import invest_per_resident, output_chain, splice_labour

pytestmark = pytest.mark.unit


def _panel() -> pd.DataFrame:
    return pd.DataFrame({
        "province": ["42"] * 4 + ["11"] * 4,
        "year": [2019, 2020, 2021, 2022] * 2,
        "gdp": [45429.0, 43443.5, 50091.2, 53734.9, 37767.0, 38503.6, 44350.7, 45222.4],
        "gdp_index": [107.3, 94.6, 112.9, 104.0, 106.4, 101.4, 109.2, 101.0],
        "employment": [3548.0, 3261.0, 3286.0, 3243.0, 1273.0, 1164.0, 1158.0, 1133.0],
        "population": [5927.0, 5745.0, 5830.0, 5844.0, 2190.0, 2189.0, 2189.0, 2184.0],
    })  # fmt: skip


def test_output_chain_at_base_year_prices():
    out = output_chain(_panel(), base_year=2020).set_index(["province", "year"])
    # Hubei: base 2020 = nominal; 2021 = x 1.129; 2022 = x 1.129 x 1.040; 2019 = / 0.946
    assert out.at[("42", 2020), "gdp_real"] == 43443.5
    assert out.at[("42", 2022), "gdp_real"] == pytest.approx(43443.5 * 1.129 * 1.040, rel=1e-13)
    assert out.at[("42", 2019), "gdp_real"] == pytest.approx(43443.5 / 0.946, rel=1e-13)
    assert out.at[("42", 2020), "gdp_growth"] == pytest.approx(-5.4)
    assert out.at[("42", 2021), "gdp_growth"] == pytest.approx(12.9)
    # growth is the chain's own growth in every year after the first
    g = out["gdp_real"].groupby(level=0).pct_change() * 100
    assert (g.dropna() - out.loc[g.dropna().index, "gdp_growth"]).abs().max() < 1e-9


def test_splice_rescales_years_before_the_seam():
    p = _panel()
    got = splice_labour(p, {"year": 2020, "growth_years": 2})
    g = math.sqrt(3243.0 / 3261.0)  # Hubei's mean growth 2020-2022
    f = 3261.0 / (3548.0 * g)
    assert got.iloc[0] == pytest.approx(
        3548.0 * f, rel=1e-13
    )  # = 3261 / g: the assumed growth across the seam
    assert got.iloc[0] == pytest.approx(3261.0 / g, rel=1e-13)
    assert got.iloc[1:4].tolist() == [3261.0, 3286.0, 3243.0]  # new basis untouched
    assert splice_labour(p, None).tolist() == p["employment"].tolist()
    with pytest.raises(ConfigError, match="unknown keys"):
        splice_labour(p, {"year": 2020, "basis": 7})


def test_splice_leaves_a_province_without_the_seam_years():
    p = _panel()
    p = p[~((p["province"] == "11") & (p["year"] == 2019))]
    got = splice_labour(p, {"year": 2020, "growth_years": 2})
    assert got.iloc[4:].tolist() == [1164.0, 1158.0, 1133.0]


def test_invest_per_resident_uses_each_provinces_base_year_price():
    p = _panel()
    cap = p[["province", "year"]].assign(invest=[100.0] * 8, price=[1.0, 1.1, 1.2, 1.3] * 2)
    got = invest_per_resident(cap, p)
    # 100 亿元 / 1.1 / 5745 万人 x 1e4 = 元 per resident at base-year prices
    assert got.iloc[1] == pytest.approx(100 / 1.1 / 5745 * 1e4, rel=1e-13)
