"""Hansen (1999) panel threshold model on Hansen's data (565 US firms, 1974–1987 usable years).

Source: B. E. Hansen (1999), "Threshold effects in non-dynamic panels: Estimation, testing, and
inference", Journal of Econometrics 93, 345–368, section 5 (investment and financial
constraints: regime-dependent cash flow ``c1``, threshold variable leverage ``d1``,
regime-independent q1, q2, q3, d1, qd1; 400 quantile grid, 1 % trimming). The first
threshold estimate printed there is 0.0157 (also the Th-1 / Th-21 estimate of the xthreg
replication in Wang 2015, Stata Journal 15(1)). Tolerance: half a unit in the 4th decimal.

The published F statistics could not be checked against a copy of the tables here, so F1 is
asserted against an independent brute-force computation (plain least squares at every grid
point), to 1e-8 relative.
"""

import numpy as np
import pandas as pd
import pytest

from imtfp.core.fe import demean, group_codes
from imtfp.models.threshold_regression import hansen_grid, threshold

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def hansen(reference_data):
    d = pd.read_stata(reference_data / "Hansen1999.dta")
    d["year"] = d["year"].dt.year
    return d


def test_first_threshold_and_F(hansen):
    ctrl = ["q1", "q2", "q3", "d1", "qd1"]
    r = threshold(
        hansen,
        y="i",
        x_regime="c1",
        q="d1",
        controls=ctrl,
        entity="id",
        time="year",
        n_thresholds=1,
        trim=0.01,
        grid=400,
        bootstrap=0,
        seed=1,
    )
    assert r.thresholds[0] == pytest.approx(0.0157, abs=5e-5)
    # independent brute force over Hansen's grid
    g = [group_codes(hansen["id"])]
    yt = demean(hansen["i"].to_numpy(float), g)
    base = demean(hansen[ctrl + ["c1"]].to_numpy(float), g)
    q, c = hansen["d1"].to_numpy(float), hansen["c1"].to_numpy(float)

    def ssr(X):  # normal equations: S = y'y - y'X (X'X)^{-1} X'y
        Xy = X.T @ yt
        return float(yt @ yt - Xy @ np.linalg.solve(X.T @ X, Xy))

    S0 = ssr(base)
    grid = hansen_grid(q, trim=0.01, grid=400)
    S = np.array([ssr(np.column_stack([base, demean(c * (q <= gm), g)])) for gm in grid])
    i = int(np.argmin(S))
    assert r.thresholds[0] == grid[i]
    assert r.F[0] == pytest.approx((S0 - S[i]) / (S[i] / (565 * 13)), rel=1e-8)
