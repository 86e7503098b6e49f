"""Real output chaining, Solow residual (fixed and estimated α), Törnqvist growth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.core.fe import demean, group_codes
from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp import estimate_alpha, real_output, solow_residual, tornqvist_tfp_growth

pytestmark = pytest.mark.unit


def _gdp() -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(3)
    idx = pd.MultiIndex.from_product([["11", "12"], range(2005, 2013)], names=["province", "year"])
    nominal = pd.Series(rng.uniform(1000, 5000, len(idx)), index=idx)
    index = pd.Series(rng.uniform(104, 112, len(idx)), index=idx)
    return nominal, index


@pytest.mark.parametrize("base_year", [2005, 2009, 2012])
def test_real_output_chains_the_index(base_year):
    nominal, index = _gdp()
    real = real_output(nominal, index, base_year=base_year)
    assert real.name == "gdp_real" and real.index.equals(nominal.index)
    for unit in ("11", "12"):
        r = real.xs(unit)
        assert r[base_year] == pytest.approx(nominal[(unit, base_year)], rel=1e-14)
        np.testing.assert_allclose(
            (r / r.shift()).iloc[1:], index.xs(unit).iloc[1:] / 100, rtol=1e-12
        )


def test_real_output_ignores_first_year_index_and_names_problems():
    nominal, index = _gdp()
    index[("12", 2005)] = np.nan  # first year: never used
    assert real_output(nominal, index, base_year=2008).notna().all()
    index[("12", 2007)] = np.nan
    with pytest.raises(EstimationError, match="12, year 2007"):
        real_output(nominal, index, base_year=2008)
    nominal, index = _gdp()
    with pytest.raises(EstimationError, match="base year 2004"):
        real_output(nominal, index, base_year=2004)
    keep = [k for k in nominal.index if k != ("11", 2008)]
    with pytest.raises(EstimationError, match="province 11 has a gap after year 2007"):
        real_output(nominal.loc[keep], index.loc[keep], base_year=2006)
    with pytest.raises(ConfigError, match="two-level index"):
        real_output(nominal.droplevel(0), index.droplevel(0), base_year=2006)


def _cobb_douglas(alpha: float, seed: int = 5, sigma: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, T = 31, 15
    prov = np.repeat([f"{i:02d}" for i in range(n)], T)
    year = np.tile(np.arange(2005, 2005 + T), n)
    mu = np.repeat(rng.normal(0, 0.3, n), T)
    tau = np.tile(np.linspace(0, 0.3, T), n)
    ln_l = rng.normal(7, 0.5, n * T)
    ln_kl = rng.normal(1.5, 0.4, n * T) + 0.5 * mu  # capital deepening correlated with μ
    ln_yl = alpha * ln_kl + mu + tau + rng.normal(0, sigma, n * T)
    return pd.DataFrame(
        {
            "province": prov,
            "year": year,
            "employment": np.exp(ln_l),
            "capital": np.exp(ln_kl + ln_l),
            "gdp_real": np.exp(ln_yl + ln_l),
        }
    )


def test_estimated_alpha_recovers_the_truth():
    df = _cobb_douglas(0.35)
    a = estimate_alpha(
        df,
        output="gdp_real",
        capital="capital",
        labour="employment",
        entity="province",
        time="year",
    )
    # bound: 4 standard errors of the within slope, σ / sqrt(Σ k̃²) with the known σ = 0.05
    k = np.log(df["capital"] / df["employment"]).to_numpy()
    kt = demean(k, [group_codes(df["province"]), group_codes(df["year"])])
    assert abs(a - 0.35) < 4 * 0.05 / np.sqrt(kt @ kt)
    out = solow_residual(df, alpha="estimate")
    assert out["alpha"].iloc[0] == pytest.approx(a, rel=1e-14)


def test_solow_identity_and_growth():
    df = _cobb_douglas(0.4).sample(frac=1.0, random_state=1)  # row order must not matter
    out = solow_residual(df, alpha=0.4)
    assert out.index.equals(df.index)
    lhs = np.log(df["gdp_real"])
    rhs = out["ln_tfp"] + 0.4 * np.log(df["capital"]) + 0.6 * np.log(df["employment"])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-13)
    first = df["year"] == 2005
    assert out.loc[first, "tfp_growth"].isna().all() and out.loc[~first, "tfp_growth"].notna().all()
    s = out.sort_values(["province", "year"])
    np.testing.assert_allclose(
        s.groupby("province")["ln_tfp"].diff().dropna(), s["tfp_growth"].dropna(), rtol=1e-12
    )


def test_growth_is_missing_after_a_gap():
    df = _cobb_douglas(0.4)
    df = df[~((df["province"] == "03") & (df["year"] == 2010))]
    out = solow_residual(df, alpha=0.4)
    row = (out["province"] == "03") & (out["year"] == 2011)
    assert out.loc[row, "tfp_growth"].isna().all()


def test_alpha_errors():
    df = _cobb_douglas(0.4)
    with pytest.raises(ConfigError, match="alpha=1.2"):
        solow_residual(df, alpha=1.2)
    with pytest.raises(ConfigError, match="alpha='ols'"):
        solow_residual(df, alpha="ols")
    with pytest.raises(EstimationError, match="outside \\(0, 1\\)"):
        solow_residual(_cobb_douglas(1.3), alpha="estimate")
    bad = df.copy()
    bad.loc[bad.index[4], "capital"] = -5.0
    with pytest.raises(EstimationError, match=r"00, year 2009 capital=-5.0"):
        solow_residual(bad, alpha=0.4)


def test_tornqvist_with_constant_share_equals_solow_growth():
    df = _cobb_douglas(0.3).assign(labsh=0.7)
    t = tornqvist_tfp_growth(
        df,
        output="gdp_real",
        capital="capital",
        labour="employment",
        labour_share="labsh",
        entity="province",
        time="year",
    )
    s = solow_residual(df, alpha=0.3).dropna(subset=["tfp_growth"])
    merged = t.merge(s, on=["province", "year"])
    assert len(merged) == len(t) == 31 * 14
    np.testing.assert_allclose(merged["tfp_growth_x"], merged["tfp_growth_y"], rtol=0, atol=1e-13)
