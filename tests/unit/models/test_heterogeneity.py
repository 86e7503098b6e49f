"""Split samples, centred moderation and the equality test."""

import numpy as np
import pytest

from imtfp.core.vcov import InferenceLimits
from imtfp.errors import ConfigError, EstimationError
from imtfp.models.heterogeneity import group_equality_test, moderation, split_samples
from imtfp.models.panel import twfe
from imtfp.results import ResultSet

pytestmark = pytest.mark.unit


def test_split_equals_subset_fit(panel):
    # the northeast has 3 provinces: never estimated on its own, even when few_clusters says warn
    for limits in (InferenceLimits(), InferenceLimits(few_clusters="warn")):
        with pytest.raises(EstimationError, match=r"region=northeast \(3 clusters\).*merge"):
            split_samples(panel, y="y", x="x", controls=["z"], limits=limits)
    fits = split_samples(panel, y="y", x="x", controls=["z"], periods={"early": [2011, 2016]},
                         merge={"northeast": "central"})  # fmt: skip
    assert isinstance(fits, ResultSet)
    out = fits.tidy(table="heterogeneity").assign(
        merged_from=lambda d: d["column"].map(fits.merged_from)
    )
    east = out[(out["column"] == "region=east") & (out["term"] == "x")].iloc[0]
    ref = (
        twfe(panel[panel.region == "east"], y="y", x="x", controls=["z"])
        .tidy()
        .set_index("term")
        .loc["x"]
    )
    assert east.estimate == pytest.approx(ref.estimate) and east.se == pytest.approx(ref.se)
    # the merged group is the union of central and northeast and says so
    central = out[(out["column"] == "region=central") & (out["term"] == "x")].iloc[0]
    union = panel[panel.region.isin(["central", "northeast"])]
    ref_c = twfe(union, y="y", x="x", controls=["z"]).tidy().set_index("term").loc["x"]
    assert central.estimate == pytest.approx(ref_c.estimate) and central.merged_from == "northeast"
    assert east.merged_from == ""
    early = out[out["column"] == "period=early"]
    assert early["nobs"].iloc[0] == 31 * 6
    assert set(out["column"]) == {"region=central", "region=east", "region=west", "period=early"}


def test_merge_names_groups_that_exist(panel):
    with pytest.raises(ConfigError, match="do not have"):
        split_samples(panel, y="y", x="x", merge={"northeast": "middle"})
    with pytest.raises(ConfigError, match="merged and merged into"):
        split_samples(panel, y="y", x="x", merge={"northeast": "central", "central": "east"})


def test_bad_period(panel):
    with pytest.raises(ConfigError, match="start <= end"):
        split_samples(panel, y="y", x="x", by=None, periods={"bad": [2020, 2012]})


def test_moderation_marginal_effects(panel):
    res = moderation(panel, y="y", x="x", moderator="z", quantiles=(0.5,))
    out = res.tidy(column="moderator=z").set_index("term")
    beta, theta = out.loc["x", "estimate"], out.loc["x_x_z_c", "estimate"]
    zc = np.quantile(panel["z"], 0.5) - panel["z"].mean()
    assert out.loc["me_q50", "estimate"] == pytest.approx(beta + theta * zc)
    # the interaction is absent in the simulation: a 4-se band
    assert abs(theta) < 4 * out.loc["x_x_z_c", "se"]
    # the protocol: the marginal effect is a term with the variance of β + m·θ (AVA')
    assert res.params["me_q50"] == out.loc["me_q50", "estimate"]
    assert res.bse["me_q50"] == pytest.approx(out.loc["me_q50", "se"], rel=1e-12)
    i, j = res.terms.index("x"), res.terms.index("x_x_z_c")
    V = res.vcov
    assert V[i, -1] == pytest.approx(V[i, i] + zc * V[i, j], rel=1e-10)


def test_equality_test_detects_difference(panel):
    kw = dict(y="y", x="x", group="region", controls=["z"], merge={"northeast": "central"})
    with pytest.raises(EstimationError, match="northeast"):  # unmerged: 3 clusters, refused
        group_equality_test(panel, y="y", x="x", group="region", controls=["z"], bootstrap=0)
    same = group_equality_test(panel, bootstrap=999, seed=1, **kw)
    assert same.df_num == 2 and same.F >= 0 and 0 <= same.p <= 1 and 0 <= same.p_analytic <= 1
    n_central = panel.loc[panel.region.isin(["central", "northeast"]), "province"].nunique()
    assert same.merged == {"central": ["northeast"]}
    assert same.group_clusters["region=central"] == n_central
    # the protocol covers the differences from the base group; a single one is t² = F
    assert list(same.params.index) == [f"x_x_region={g}" for g in same.groups[1:]]
    one = group_equality_test(
        panel[panel.region.isin(["central", "east"])], y="y", x="x", group="region",
        controls=["z"], bootstrap=0,
    )  # fmt: skip
    assert one.tvalues.iloc[0] ** 2 == pytest.approx(one.F)
    assert one.pvalues.iloc[0] == pytest.approx(one.p) == pytest.approx(one.p_analytic)
    df = panel.copy()
    df.loc[df.region == "west", "y"] += 2.0 * df.loc[df.region == "west", "x"]
    diff = group_equality_test(df, bootstrap=999, seed=1, **kw)
    assert diff.p < 0.01 and diff.differences["west"] == pytest.approx(
        2.0 + same.differences["west"], abs=0.3
    )


def test_joint_wild_wald_equals_the_single_coefficient_wild_bootstrap():
    # one restriction: the joint WCR Wald test is core.wild's symmetric WCR t test, draw for draw
    from imtfp.core.fe import group_codes
    from imtfp.core.wild import wild_cluster_bootstrap
    from imtfp.models.heterogeneity import wild_wald_p

    rng = np.random.default_rng(0)
    ent, per = np.repeat(np.arange(30), 8), np.tile(np.arange(8), 30)
    X = rng.normal(size=(240, 3))
    y = X @ [0.5, 0.1, 0.0] + rng.normal(size=240) + np.repeat(rng.normal(size=30), 8)
    absorb = [group_codes(ent), group_codes(per)]
    for j in range(3):
        joint = wild_wald_p(X, y, ent, params=[j], absorb=absorb, bootstrap=999, seed=3)
        single = wild_cluster_bootstrap(X, y, ent, param=j, absorb=absorb, bootstrap=999, seed=3,
                                        level=None)  # fmt: skip
        assert joint == single.p_value


def test_joint_wild_wald_equals_refitting_each_draw():
    # second implementation: build y* for each draw, refit, clustered Wald, compare with W
    from imtfp.core.fe import demean, group_codes
    from imtfp.core.wild import bootstrap_weights
    from imtfp.models.heterogeneity import wild_wald_p

    rng = np.random.default_rng(1)
    ent, per = np.repeat(np.arange(20), 6), np.tile(np.arange(6), 20)
    X = rng.normal(size=(120, 4))
    y = X @ [0.3, 0.0, 0.2, 0.0] + rng.normal(size=120)
    absorb = [group_codes(ent), group_codes(per)]
    Xt, yt = demean(X, absorb), demean(y, absorb)

    def wald(yv):
        b, *_ = np.linalg.lstsq(Xt, yv, rcond=None)
        u = yv - Xt @ b
        A = np.linalg.inv(Xt.T @ Xt)
        scores = np.array([Xt[ent == g].T @ u[ent == g] for g in range(20)]) @ A
        V = scores.T @ scores
        th = b[[1, 3]]
        return th @ np.linalg.solve(V[np.ix_([1, 3], [1, 3])], th)

    restricted = np.linalg.lstsq(Xt[:, [0, 2]], yt, rcond=None)[0]
    fitted, u_r = Xt[:, [0, 2]] @ restricted, yt - Xt[:, [0, 2]] @ restricted
    v = bootstrap_weights(20, 60, "webb", np.random.default_rng(9))
    w_star = [wald(demean(fitted + u_r * v[ent, b], absorb)) for b in range(60)]
    expected = np.mean(np.array(w_star) > wald(yt))
    got = wild_wald_p(X, y, ent, params=[1, 3], absorb=absorb, bootstrap=60, seed=9)
    assert got == pytest.approx(expected)
