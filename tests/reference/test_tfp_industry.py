"""The industrial chain's elasticity regression against published two-way FE, cluster-robust output.

Source: Gretl 2016b "Model 6" on R plm's Grunfeld data (10 firms × 1935–1954; the numbers of
Stata's ``webuse grunfeld``), firm effects plus year dummies with firm-clustered standard errors and
Stata's small-sample factor counting the 19 year dummies in K (the output quoted in
tests/reference/test_models_panel.py::test_grunfeld_twoway_clustered): value 0.117716 (0.0108244),
capital 0.357916 (0.0478484). :func:`imtfp.tfp.industry.two_way_cluster_ols` is the regression
behind ``tfp.industry.elasticities: fe | fe_free`` (written in ``tfp/`` because measurement does not
import ``models``). Tolerance: half a unit in the last printed digit.
"""

import numpy as np
import pandas as pd
import pytest

from imtfp.tfp.industry import two_way_cluster_ols

pytestmark = pytest.mark.reference


def _half_ulp(printed: str) -> float:
    return 0.5 * 10.0 ** (-len(printed.split(".")[1])) * (1 + 1e-9)


def test_two_way_cluster_ols_matches_gretl_grunfeld(reference_data):
    g = pd.read_csv(reference_data / "Grunfeld_plm.csv")
    coef, se = two_way_cluster_ols(
        g["inv"].to_numpy(float), g[["value", "capital"]].to_numpy(float), g["firm"], g["year"]
    )
    for got, printed in zip(
        [*coef, *se], ["0.117716", "0.357916", "0.0108244", "0.0478484"], strict=True
    ):
        assert got == pytest.approx(float(printed), abs=_half_ulp(printed))


def test_constant_returns_slope_is_the_within_slope_of_ln_y_per_worker(reference_data):
    """``fe``: ln(Y/L) on ln(K/L) gives the slope :func:`imtfp.tfp.growth.estimate_alpha` gives
    (two implementations of the two-way within slope), on Munnell's state production data
    (gsp, private capital pc, employment emp; tests/data/reference/Produc_plm.csv)."""
    from imtfp.tfp.growth import estimate_alpha

    d = pd.read_csv(reference_data / "Produc_plm.csv")
    coef, _ = two_way_cluster_ols(
        np.log(d["gsp"] / d["emp"]).to_numpy(), np.log(d["pc"] / d["emp"]).to_numpy()[:, None],
        d["state"], d["year"],
    )  # fmt: skip
    alpha = estimate_alpha(d, output="gsp", capital="pc", labour="emp", entity="state", time="year")
    assert coef[0] == pytest.approx(alpha, rel=1e-10)
