"""Degenerate inference refuses instead of printing false precision (issue 16, item 4)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from imtfp.core.vcov import (
    InferenceLimits,
    cluster_factor,
    limits_from_spec,
    vcov_cluster,
    vcov_driscoll_kraay,
    vcov_twoway_cluster,
)
from imtfp.core.wild import wild_cluster_bootstrap
from imtfp.errors import ConfigError, EstimationError
from imtfp.models.panel import fit_twfe

pytestmark = pytest.mark.unit


def _design(n_groups: int, per: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(n_groups), per)
    X = np.column_stack([np.ones(len(codes)), rng.normal(size=len(codes))])
    y = X @ [1.0, 0.5] + rng.normal(size=len(codes))
    A = np.linalg.inv(X.T @ X)
    u = y - X @ (A @ X.T @ y)
    return X, y, u, A, codes


@pytest.mark.parametrize("G", [2, 3, 4])
def test_clustered_covariance_refuses_below_five_clusters(G):
    X, _, u, A, codes = _design(G)
    with pytest.raises(EstimationError, match=f"only {G} clusters, below the minimum of 5"):
        vcov_cluster(X, u, A, codes, k_df=2)
    with pytest.raises(EstimationError, match=f"only {G} clusters"):
        cluster_factor(len(u), 2, G)  # the path of the multiverse engine


def test_five_clusters_are_accepted_and_the_minimum_is_configurable():
    X, _, u, A, codes = _design(5)
    assert np.all(np.isfinite(vcov_cluster(X, u, A, codes, k_df=2)))
    X, _, u, A, codes = _design(3)
    three = limits_from_spec({"min_clusters": 3})
    assert np.all(np.isfinite(vcov_cluster(X, u, A, codes, k_df=2, limits=three)))
    X, _, u, A, codes = _design(6)
    with pytest.raises(EstimationError, match="minimum of 8"):
        vcov_cluster(X, u, A, codes, k_df=2, limits=InferenceLimits(min_clusters=8))


def test_warn_policy_reports_with_a_warning_naming_the_count():
    warn = InferenceLimits(few_clusters="warn")
    X, _, u, A, codes = _design(3)
    with pytest.warns(UserWarning, match="only 3 clusters"):
        V = vcov_cluster(X, u, A, codes, k_df=2, limits=warn)
    assert np.all(np.isfinite(V))
    X, _, u, A, codes = _design(1)
    with pytest.raises(EstimationError, match="only 1 clusters"):
        vcov_cluster(X, u, A, codes, k_df=2, limits=warn)


def test_two_way_clustering_checks_both_dimensions():
    X, _, u, A, codes = _design(10, per=3)
    time = np.tile(np.arange(3), 10)
    with pytest.raises(
        EstimationError, match="two-way clustered inference \\(second dimension\\) with only 3"
    ):
        vcov_twoway_cluster(X, u, A, codes, time, k_df=2)


def test_wild_bootstrap_refuses_below_the_minimum():
    X, y, _, _, codes = _design(4)
    with pytest.raises(EstimationError, match="wild cluster bootstrap with only 4 clusters"):
        wild_cluster_bootstrap(X, y, codes, param=1, bootstrap=99, seed=1, level=None)


def test_driscoll_kraay_refuses_short_panels_unless_forced():
    X, _, u, A, _ = _design(5, per=12)
    time = np.tile(np.arange(12), 5)
    with pytest.raises(EstimationError, match="T = 12 periods, below the minimum of 20"):
        vcov_driscoll_kraay(X, u, A, time, k_df=2)
    forced = InferenceLimits(dk_force=True)
    with pytest.warns(UserWarning, match="T = 12"):
        assert np.all(np.isfinite(vcov_driscoll_kraay(X, u, A, time, k_df=2, limits=forced)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vcov_driscoll_kraay(X, u, A, time, k_df=2, limits=InferenceLimits(dk_min_periods=10))


def test_issue_reproducer_two_clusters_through_fit_twfe():
    # issue 16: with 2 clusters the clustered SE was 1e-18 and p 6e-18
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {"province": np.repeat(["11", "12"], 12), "year": np.tile(np.arange(2011, 2023), 2)}
    )
    df["x"] = rng.normal(size=len(df))
    df["y"] = 0.3 * df["x"] + rng.normal(size=len(df))
    with pytest.raises(EstimationError, match="only 2 clusters"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_twfe(df, y="y", x="x", cov="clustered")


def test_limits_from_spec_reads_the_models_section():
    lim = limits_from_spec(
        {"min_clusters": 7, "few_clusters": "warn", "dk_min_periods": 15, "dk_force": True}
    )
    assert lim == InferenceLimits(
        min_clusters=7, few_clusters="warn", dk_min_periods=15, dk_force=True
    )
    assert limits_from_spec({}) == InferenceLimits()
    with pytest.raises(ConfigError, match="few_clusters"):
        limits_from_spec({"few_clusters": "fallback"})
    with pytest.raises(ConfigError, match="min_clusters"):
        InferenceLimits(min_clusters=1)


def test_limits_are_passed_not_ambient():
    # no context manager or global state: an estimator called without limits uses the defaults
    X, _, u, A, codes = _design(3)
    warn = InferenceLimits(few_clusters="warn")
    with pytest.warns(UserWarning):
        vcov_cluster(X, u, A, codes, k_df=2, limits=warn)
    with pytest.raises(EstimationError, match="only 3 clusters"):
        vcov_cluster(X, u, A, codes, k_df=2)
