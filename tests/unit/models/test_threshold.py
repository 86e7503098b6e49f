"""Hansen threshold: grid rule, SSR search against brute force, recovery, errors."""

import numpy as np
import pandas as pd
import pytest

from imtfp.core.fe import demean, group_codes
from imtfp.errors import ConfigError, EstimationError
from imtfp.models.threshold_regression import hansen_grid, threshold

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def thr_panel():
    """Slope of x is 1 below q = 0.6 and 2 above; n = 60 entities, T = 8."""
    rng = np.random.default_rng(4)
    n, T = 60, 8
    e = np.repeat(np.arange(n), T)
    q = rng.uniform(size=n * T)
    x = rng.normal(size=n * T)
    z = rng.normal(size=n * T)
    y = (
        np.where(q <= 0.6, 1.0, 2.0) * x
        + 0.5 * z
        + rng.normal(size=n)[e]
        + 0.5 * rng.normal(size=n * T)
    )
    return pd.DataFrame({"id": e, "year": np.tile(np.arange(T), n), "x": x, "z": z, "q": q, "y": y})


def test_grid_rule():
    g = hansen_grid(np.arange(1000.0), trim=0.01, grid=400)
    assert (
        len(g) == 393 and g[0] == 9.0 and g[-1] == 989.0
    )  # dd[floor(.01*1000)] in R's 1-based indexing
    with pytest.raises(ConfigError):
        hansen_grid(np.arange(10.0), trim=0.6, grid=10)


def test_recovers_threshold(thr_panel):
    r = threshold(
        thr_panel,
        y="y",
        x_regime="x",
        q="q",
        controls=["z"],
        entity="id",
        time="year",
        grid=200,
        bootstrap=99,
        seed=1,
    )
    assert r.ci[0][0] <= 0.6 <= r.ci[0][1] and abs(r.thresholds[0] - 0.6) < 0.05
    assert r.p_values[0] < 0.05
    assert r.params.iloc[0] == pytest.approx(1.0, abs=0.15) and r.params.iloc[1] == pytest.approx(
        2.0, abs=0.15
    )
    tidy = r.tidy().set_index("term")
    assert tidy.loc[r.terms, "se"].to_numpy() == pytest.approx(r.bse.to_numpy())
    assert tidy.loc[r.terms, "ci_low"].to_numpy() == pytest.approx(r.conf_int()["lower"].to_numpy())
    assert r.n_clusters == thr_panel["id"].nunique() and r.df_inf == r.n_clusters - 1
    assert "Threshold 1" in r.summary() and "F1 (bootstrap p)" in r.summary()


def test_ssr_and_F_match_bruteforce(thr_panel):
    """Independent loop: within-transform, OLS for every grid point, F = (S0 - S1)/(S1/(n(T-1)))."""
    r = threshold(
        thr_panel,
        y="y",
        x_regime="x",
        q="q",
        controls=["z"],
        entity="id",
        time="year",
        grid=100,
        bootstrap=0,
        seed=1,
    )
    g = [group_codes(thr_panel.id)]
    yt = demean(thr_panel.y.to_numpy(), g)
    base = demean(thr_panel[["z", "x"]].to_numpy(), g)

    def ssr(X):
        return float(np.sum((yt - X @ np.linalg.lstsq(X, yt, rcond=None)[0]) ** 2))

    S0 = ssr(base)
    grid = hansen_grid(thr_panel.q.to_numpy(), trim=0.01, grid=100)
    S = [
        ssr(
            np.column_stack(
                [base, demean(thr_panel.x.to_numpy() * (thr_panel.q.to_numpy() <= gm), g)]
            )
        )
        for gm in grid
    ]
    i = int(np.argmin(S))
    assert r.thresholds[0] == grid[i]
    assert r.F[0] == pytest.approx((S0 - S[i]) / (S[i] / (60 * 7)), rel=1e-8)


def test_unbalanced_rejected(thr_panel):
    with pytest.raises(EstimationError, match="balanced"):
        threshold(
            thr_panel.iloc[1:],
            y="y",
            x_regime="x",
            q="q",
            entity="id",
            time="year",
            bootstrap=0,
            seed=1,
        )


def test_double_threshold_runs_and_is_deterministic(thr_panel):
    kw = dict(
        y="y",
        x_regime="x",
        q="q",
        controls=["z"],
        entity="id",
        time="year",
        n_thresholds=2,
        grid=100,
        bootstrap=49,
        seed=3,
    )
    a, b = threshold(thr_panel, **kw), threshold(thr_panel, **kw)
    assert a.p_values == b.p_values and len(a.thresholds) == 2 and a.thresholds[0] < a.thresholds[1]
    assert list(a.tidy()["term"])[-2:] == ["F1", "F2"]
    with pytest.raises(ConfigError, match="n_thresholds"):
        threshold(thr_panel, **(kw | {"n_thresholds": 4}))
