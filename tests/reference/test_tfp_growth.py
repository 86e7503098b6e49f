"""Growth accounting against Penn World Table 10.01 ``rtfpna``.

Source: PWT 10.01 (Feenstra, Inklaar & Timmer 2015; data via CRAN pwt10, CC BY 4.0),
tests/data/reference/pwt1001_usa_fra_gbr_jpn.csv (the four countries' rows). PWT computes TFP at constant national prices
as a Törnqvist index of capital services and human-capital-augmented hours with the
average labour share of adjacent years as weights (Inklaar & Timmer 2013, "Capital, labor
and TFP in PWT8.0", PWT documentation):

    Δln rtfpna_t = Δln rgdpna_t − s̄_t Δln(emp·avh·hc)_t − (1 − s̄_t) Δln rkna_t,
    s̄_t = (labsh_t + labsh_{t−1}) / 2,

with labour input in hours (emp × avh) augmented by the human-capital index hc and rkna the
capital services index. Tolerance: PWT stores its variables with about 7 significant
digits (single precision), so each Δln carries a rounding error of up to ~1e-7 and the
combination up to ~4e-7; we assert 1e-6 in absolute log growth for every year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.tfp import tornqvist_tfp_growth

pytestmark = pytest.mark.reference

VARS = ["rgdpna", "rkna", "emp", "avh", "hc", "labsh", "rtfpna"]


@pytest.fixture(scope="module")
def pwt(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "pwt1001_usa_fra_gbr_jpn.csv")


@pytest.mark.parametrize("iso", ["USA", "FRA", "GBR", "JPN"])
def test_tornqvist_reproduces_rtfpna_growth(pwt, iso):
    c = pwt[pwt["isocode"] == iso].dropna(subset=VARS).copy()
    assert len(c) >= 50, f"{iso}: expected a long complete series"
    c["labour"] = c["emp"] * c["avh"] * c["hc"]
    g = tornqvist_tfp_growth(
        c,
        output="rgdpna",
        capital="rkna",
        labour="labour",
        labour_share="labsh",
        entity="isocode",
        time="year",
    ).set_index("year")["tfp_growth"]
    published = np.log(c.set_index("year")["rtfpna"]).diff().dropna()
    assert g.index.equals(published.index)
    np.testing.assert_allclose(g.to_numpy(), published.to_numpy(), rtol=0, atol=1e-6)


def test_level_normalised_to_2017_reproduces_rtfpna(pwt):
    # accumulating the growth over 1954–2019 and normalising to 2017 = 1 (PWT's base year)
    # must give the published level; rounding errors add up over ≤ 63 years: atol 2e-5
    c = pwt[pwt["isocode"] == "USA"].dropna(subset=VARS).copy()
    c["labour"] = c["emp"] * c["avh"] * c["hc"]
    g = tornqvist_tfp_growth(
        c,
        output="rgdpna",
        capital="rkna",
        labour="labour",
        labour_share="labsh",
        entity="isocode",
        time="year",
    ).set_index("year")["tfp_growth"]
    level = np.exp(np.r_[0.0, g.cumsum().to_numpy()])
    years = np.r_[c["year"].min(), g.index.to_numpy()]
    level = pd.Series(level, index=years) / level[years == 2017][0]
    np.testing.assert_allclose(
        level.to_numpy(), c.set_index("year")["rtfpna"].loc[years].to_numpy(), atol=2e-5
    )
