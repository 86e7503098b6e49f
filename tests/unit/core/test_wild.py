"""Wild cluster restricted bootstrap: the vectorised kernel equals brute-force LSDV refits."""

import numpy as np
import pytest

from imtfp.core.fe import group_codes
from imtfp.core.wild import bootstrap_weights, wild_cluster_bootstrap
from imtfp.errors import ConfigError

pytestmark = pytest.mark.unit


def _panel(seed=5, G=12, T=6, beta=0.0):
    rng = np.random.default_rng(seed)
    e = np.repeat(np.arange(G), T)
    t = np.tile(np.arange(T), G)
    x = rng.normal(size=G * T) + rng.normal(size=G)[e]
    z = rng.normal(size=G * T)
    y = (
        beta * x
        + 0.5 * z
        + rng.normal(size=G)[e]
        + rng.normal(size=T)[t]
        + rng.normal(size=G)[e] * 0.5
        + rng.normal(size=G * T)
    )
    return e, t, np.column_stack([x, z]), y


def _slow_wcr(e, t, X, y, V, null=0.0):
    """Independent reference: LSDV design with all dummies, restricted fit, B explicit refits."""
    G, T = e.max() + 1, t.max() + 1
    D = np.column_stack([np.eye(G)[e], np.eye(T)[t][:, 1:]])
    full = np.column_stack([X, D])
    restr = np.column_stack([X[:, 1:], D])
    yr = y - null * X[:, 0]
    br = np.linalg.lstsq(restr, yr, rcond=None)[0]
    fitted, ur = restr @ br + null * X[:, 0], yr - restr @ br
    A = np.linalg.pinv(full.T @ full)

    def tstat(yy):
        b = A @ full.T @ yy
        u = yy - full @ b
        s = np.array([(A @ full[e == g].T @ u[e == g])[0] for g in range(G)])
        return (b[0] - null) / np.sqrt(np.sum(s**2))

    t_hat = tstat(y)
    t_boot = np.array([tstat(fitted + ur * V[e, b]) for b in range(V.shape[1])])
    return t_hat, t_boot


def test_vectorised_equals_bruteforce():
    e, t, X, y = _panel()
    B = 199
    V = bootstrap_weights(12, B, "webb", np.random.default_rng(3))
    t_hat, t_boot = _slow_wcr(e, t, X, y, V)
    p_ref = np.mean(np.abs(t_boot) > abs(t_hat))
    res = wild_cluster_bootstrap(
        X,
        y,
        e,
        param=0,
        bootstrap=B,
        weights="webb",
        seed=3,
        absorb=[group_codes(e), group_codes(t)],
        level=None,
    )
    # same draws (same seed, same generator call) -> identical p-value; t differs only by the factor
    assert res.p_value == pytest.approx(p_ref, abs=1e-12)
    factor = 12 / 11 * (len(y) - 1) / (len(y) - 2)
    assert res.t_stat == pytest.approx(t_hat / np.sqrt(factor), rel=1e-8)


def test_nonzero_null_equals_bruteforce():
    e, t, X, y = _panel(seed=8)
    V = bootstrap_weights(12, 99, "rademacher", np.random.default_rng(4))
    t_hat, t_boot = _slow_wcr(e, t, X, y, V, null=0.3)
    res = wild_cluster_bootstrap(
        X,
        y,
        e,
        param=0,
        null=0.3,
        bootstrap=99,
        weights="rademacher",
        seed=4,
        absorb=[group_codes(e), group_codes(t)],
        level=None,
    )
    assert res.p_value == pytest.approx(np.mean(np.abs(t_boot) > abs(t_hat)), abs=1e-12)


def test_ci_inverts_the_test():
    e, t, X, y = _panel(seed=2, G=20)
    kw = dict(
        param=0, bootstrap=999, weights="webb", seed=9, absorb=[group_codes(e), group_codes(t)]
    )
    res = wild_cluster_bootstrap(X, y, e, **kw)
    assert res.ci_low < res.estimate < res.ci_high
    inside = wild_cluster_bootstrap(
        X, y, e, null=res.ci_low + 1e-3 * (res.ci_high - res.ci_low), level=None, **kw
    )
    outside = wild_cluster_bootstrap(
        X, y, e, null=res.ci_low - 1e-2 * (res.ci_high - res.ci_low), level=None, **kw
    )
    assert inside.p_value >= 0.05 > outside.p_value


def test_weights_moments_and_errors():
    rng = np.random.default_rng(0)
    for kind in ("webb", "rademacher", "mammen"):
        v = bootstrap_weights(50, 4000, kind, rng)
        assert abs(v.mean()) < 0.02 and abs(v.var() - 1) < 0.03
    with pytest.raises(ConfigError, match="'normal'"):
        bootstrap_weights(3, 10, "normal", rng)
    e, t, X, y = _panel()
    with pytest.raises(ConfigError, match="bootstrap must be"):
        wild_cluster_bootstrap(X, y, e, param=0, bootstrap=10, seed=1)
