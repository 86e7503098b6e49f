"""A previous-year = 100 investment price index chained into a level (issue 22): the capital stock
is the one the fixed-base index gives (invariance: K depends on prices only through P_t / P_base)."""

import numpy as np
import pandas as pd
import pytest

from imtfp.tfp.stages import capital_from_series, chained_level

pytestmark = pytest.mark.unit
SPEC = {"delta": 0.096, "base": "hall_jones", "base_year": 2013, "hj_years": 3, "split": {},
        "nonpositive": "raise"}  # fmt: skip


def _series(seed=3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for prov in ("11", "44", "65"):
        level = np.cumprod(1 + rng.uniform(-0.01, 0.05, 12)) * rng.uniform(0.5, 2)
        for i, year in enumerate(range(2010, 2022)):
            prev = level[i - 1] if i else level[0] / (1 + 0.02)
            rows.append(
                (prov, year, 300 * 1.08**i * rng.uniform(0.9, 1.1), level[i], 100 * level[i] / prev)
            )
    return pd.DataFrame(rows, columns=["province", "year", "gfcf", "invest_price", "chain"])


def test_the_chained_level_is_the_fixed_base_index_up_to_a_constant_per_province():
    df = _series().sample(frac=1, random_state=1)  # row order must not matter
    level = chained_level(df, "chain")
    ratio = (df["invest_price"] / level).groupby(df["province"]).agg(["min", "max"])
    assert np.allclose(ratio["min"], ratio["max"], rtol=1e-12)


def test_the_capital_stock_from_the_chain_index_equals_the_fixed_base_ones():
    df = _series()
    fixed = capital_from_series(df.drop(columns="chain"), {"capital": SPEC})
    chained = capital_from_series(
        df.drop(columns="invest_price").rename(columns={"chain": "invest_price_index"}),
        {"capital": SPEC},
    )
    assert np.allclose(fixed["capital"], chained["capital"], rtol=1e-12)


def test_a_gap_stops_the_chain():
    df = _series()
    df.loc[(df["province"] == "44") & (df["year"] == 2015), "chain"] = np.nan
    level = chained_level(df, "chain")
    after = (df["province"] == "44") & (df["year"] >= 2015)
    assert level[after].isna().all() and level[~after].notna().all()


def test_a_base_year_outside_the_data_names_the_key_and_the_province(monkeypatch):
    # issue 22: "base_year 2000 is outside the years of 11"
    from imtfp.errors import ConfigError

    monkeypatch.setenv("IMTFP_LANG", "zh")
    df = _series().drop(columns="chain")
    with pytest.raises(ConfigError) as info:
        capital_from_series(df, {"capital": {**SPEC, "base_year": 2000}})
    assert str(info.value) == (
        "配置项 'tfp.capital.base_year'：2000 年不在 北京 的投资数据年份（2010–2021）之内；请改为其中的一年"
    )
