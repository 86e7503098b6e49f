"""Wild cluster restricted bootstrap p-value against the independent ``wildboottest`` package.

wildboottest 0.3.2 (py-econometrics; the Python port of fwildclusterboot's WCR "11"
bootstrap) run on the least-squares-dummy-variable version of a two-way FE model
(province and year dummies in the design), clusters = 31 provinces, Webb weights,
B = 9999. Our kernel partials the effects out instead. The two p-values use different
seeds, so they agree within Monte Carlo error: |p1 - p2| <= 4·sqrt(2·p(1-p)/B)
(4 standard deviations of the difference of two independent bootstrap p-values).
"""

import numpy as np
import pandas as pd
import pytest

from imtfp.core.fe import group_codes
from imtfp.core.wild import wild_cluster_bootstrap

pytestmark = pytest.mark.reference


def test_wcr_p_value_matches_wildboottest():
    wbt = pytest.importorskip("wildboottest.wildboottest", reason="wildboottest not installed")
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    G, T = 31, 12
    prov = np.repeat(np.arange(G), T)
    yr = np.tile(np.arange(T), G)
    a = rng.normal(size=G)[prov]
    x = rng.normal(size=G * T) + 0.5 * a
    z = rng.normal(size=G * T)
    y = (
        0.1 * x
        + 0.3 * z
        + a
        + rng.normal(size=T)[yr]
        + 0.5 * rng.normal(size=G)[prov]
        + rng.normal(size=G * T)
    )
    dummies = pd.get_dummies(
        pd.DataFrame({"p": prov.astype(str), "t": yr.astype(str)}), drop_first=True
    ).astype(float)
    X = pd.concat([pd.DataFrame({"const": 1.0, "x": x, "z": z}), dummies], axis=1)
    B = 9999
    ref = wbt.wildboottest(
        sm.OLS(y, X), B=B, cluster=prov, param="x", weights_type="webb", seed=12345, show=False
    )
    p_ref = float(ref["p-value"].iloc[0])
    ours = wild_cluster_bootstrap(
        np.column_stack([x, z]),
        y,
        prov,
        param=0,
        bootstrap=B,
        weights="webb",
        seed=777,
        absorb=[group_codes(prov), group_codes(yr)],
        level=None,
    )
    tol = 4 * np.sqrt(2 * max(p_ref * (1 - p_ref), 0.01 * 0.99) / B)
    assert abs(ours.p_value - p_ref) <= tol
    assert 0.01 < p_ref < 0.99  # a non-degenerate test case
