"""Perpetual-inventory capital stock: recursion, initial stocks, rebasing, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp import capital_stock

pytestmark = pytest.mark.unit


def _invest(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for unit, first in (("a", 1990), ("b", 1990), ("c", 1995)):
        price = np.cumprod(rng.uniform(1.0, 1.08, 2010 - first + 1))
        inv = np.cumprod(rng.uniform(1.0, 1.15, 2010 - first + 1)) * rng.uniform(5, 50)
        rows += [
            {"province": unit, "year": first + i, "invest": inv[i], "price": price[i]}
            for i in range(len(inv))
        ]
    return pd.DataFrame(rows)


def test_recursion_and_zhang_start():
    df = _invest()
    k = capital_stock(df, delta=0.1)
    for _, g in k.groupby("province"):
        real = (g["invest"] / g["price"]).to_numpy()
        kk = g["capital"].to_numpy()
        assert kk[0] == pytest.approx(real[0] / 0.1, rel=1e-14)
        np.testing.assert_allclose(kk[1:] - 0.9 * kk[:-1], real[1:], rtol=1e-12)
    assert list(k.columns) == ["province", "year", "invest", "price", "real_invest", "capital"]
    assert k.loc[k["province"] == "c", "year"].min() == 1995  # own first year


def test_hall_jones_start_recovers_constant_growth():
    # real investment growing exactly 6 % a year: g = 0.06 and K0 = I0 / (0.06 + δ)
    years = np.arange(2000, 2012)
    df = pd.DataFrame(
        {"province": "a", "year": years, "invest": 10 * 1.06 ** (years - 2000), "price": 1.0}
    )
    k = capital_stock(df, base="hall_jones", delta=0.05, hj_years=5)
    assert k["capital"].iloc[0] == pytest.approx(10 / 0.11, rel=1e-12)


def test_base_year_rescales_the_whole_series():
    df = _invest()
    k0 = capital_stock(df).set_index(["province", "year"])["capital"]
    k1 = capital_stock(df, base_year=2000).set_index(["province", "year"])["capital"]
    p2000 = df.set_index(["province", "year"])["price"].xs(2000, level="year")
    ratio = (k1 / k0).groupby(level="province")
    for unit, r in ratio:
        np.testing.assert_allclose(r.to_numpy(), p2000[unit], rtol=1e-12)


def test_split_child_starts_from_parent_and_uses_its_base_price():
    df = _invest()
    k = capital_stock(df, split={"c": "a"}, base_year=1990)
    s = k.set_index(["province", "year"])
    inv = df.set_index(["province", "year"])["invest"]
    expected = s.loc[("a", 1994), "capital"] * inv[("c", 1995)] / inv[("a", 1995)]
    assert s.loc[("c", 1995), "capital"] == pytest.approx(expected, rel=1e-12)
    # base year 1990 precedes c's first year: c's prices are divided by a's 1990 price
    p = df.set_index(["province", "year"])["price"]
    assert s.loc[("c", 2000), "price"] == pytest.approx(p[("c", 2000)] / p[("a", 1990)])


def test_initial_override():
    k = capital_stock(_invest(), initial={"b": 123.0})
    assert k.loc[k["province"] == "b", "capital"].iloc[0] == 123.0


def test_gap_is_named():
    df = _invest()
    df = df[~((df["province"] == "b") & (df["year"] == 2003))]
    with pytest.raises(EstimationError, match="province b has no data for year 2003"):
        capital_stock(df)


@pytest.mark.parametrize(
    ("col", "value", "msg"),
    [
        ("invest", -1.0, r"invest is not > 0 \(-1.0\) for province a, year 1993"),
        ("invest", 0.0, r"invest is not > 0 \(0.0\) for province a, year 1993"),
        ("invest", np.nan, "invest is missing for province a, year 1993"),
        ("price", np.nan, "price is missing for province a, year 1993"),
        ("price", 0.0, r"price is not > 0 \(0.0\) for province a, year 1993"),
    ],
)
def test_bad_cells_are_named(col, value, msg):
    df = _invest()
    df.loc[(df["province"] == "a") & (df["year"] == 1993), col] = value
    with pytest.raises(EstimationError, match=msg):
        capital_stock(df)


def test_negative_investment_kept_on_request():
    df = _invest()
    df.loc[(df["province"] == "a") & (df["year"] == 1993), "invest"] = -1.0
    k = capital_stock(df, nonpositive="keep").set_index(["province", "year"])["capital"]
    p = df.set_index(["province", "year"])["price"]
    assert k[("a", 1993)] == pytest.approx(0.904 * k[("a", 1992)] - 1.0 / p[("a", 1993)])


def test_option_errors():
    df = _invest()
    with pytest.raises(ConfigError, match="base='perpetual'"):
        capital_stock(df, base="perpetual")
    with pytest.raises(ConfigError, match="delta=1.5"):
        capital_stock(df, delta=1.5)
    with pytest.raises(ConfigError, match="nonpositive='drop'"):
        capital_stock(df, nonpositive="drop")
    with pytest.raises(ConfigError, match="split"):
        capital_stock(df, split={"c": "zz"})
    with pytest.raises(EstimationError, match="base_year 1980 is outside"):
        capital_stock(df, base_year=1980)
    with pytest.raises(EstimationError, match="Hall–Jones start needs 31 years"):
        capital_stock(df, base="hall_jones", hj_years=30)
    with pytest.raises(ConfigError, match="missing column"):
        capital_stock(df.drop(columns="price"))
