"""Cluster-bootstrap kernels: closed-form moments equal explicitly resampled, demeaned panels."""

import numpy as np
import pytest

from imtfp.core.bootstrap import (
    bias_corrected_ci,
    cluster_draws,
    draw_counts,
    expand_draw,
    percentile_ci,
    resampled_moments,
)
from imtfp.core.fe import demean
from imtfp.errors import ConfigError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("effects", ["twoway", "entity", "time", "none"])
def test_moments_equal_explicit_resample(effects):
    rng = np.random.default_rng(11)
    G, T, p = 7, 5, 3
    P = rng.normal(size=(G, T, p))
    draws = cluster_draws(G, 6, rng)
    S = resampled_moments(P, draw_counts(draws, G), effects=effects)
    flat = P.reshape(G * T, p)
    members = [np.arange(g * T, (g + 1) * T) for g in range(G)]
    for b, d in enumerate(draws):
        idx, ids = expand_draw(d, members)
        W = flat[idx]
        year = np.tile(np.arange(T), G)
        groups = {"twoway": [ids, year], "entity": [ids], "time": [year], "none": []}[effects]
        Wt = demean(W, groups) if groups else W - W.mean(axis=0)
        np.testing.assert_allclose(S[b], Wt.T @ Wt, rtol=1e-9, atol=1e-9)


def test_draw_counts_sum_to_G():
    d = cluster_draws(9, 50, np.random.default_rng(0))
    c = draw_counts(d, 9)
    assert d.shape == (50, 9) and np.all(c.sum(axis=1) == 9)


def test_bias_corrected_reduces_to_percentile_when_median_unbiased():
    draws = np.linspace(-1, 1, 2001)
    assert bias_corrected_ci(draws, 0.0) == pytest.approx(percentile_ci(draws), abs=2e-3)
    lo, hi = bias_corrected_ci(draws, 0.5)  # estimate above the median: interval shifts up
    assert lo > percentile_ci(draws)[0] and hi > percentile_ci(draws)[1] - 1e-12


def test_bad_effects():
    with pytest.raises(ConfigError, match="'both'"):
        resampled_moments(np.zeros((2, 2, 1)), np.ones((1, 2)), effects="both")
