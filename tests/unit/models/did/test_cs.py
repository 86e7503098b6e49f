import numpy as np
import pytest
from _did_sim import staggered

from imtfp.errors import ConfigError, EstimationError
from imtfp.models.did import att_gt

pytestmark = pytest.mark.unit
KEYS = dict(y="y", entity="unit", time="year", group="g")


def test_recovers_heterogeneous_group_time_effects():
    res = att_gt(staggered(), bootstrap=199, seed=1, **KEYS)
    tab = res.att_gt[res.att_gt["post"]]
    slope = {2013: 0.3, 2015: 0.1}
    truth = tab["group"].map(slope) * (tab["time"] - tab["group"] + 1)
    assert np.all(np.abs(tab["att"] - truth) < 4 * tab["se"])
    assert np.all((tab["ci_low"] <= truth) & (truth <= tab["ci_high"]))


def test_options_are_checked():
    with pytest.raises(ConfigError, match="control_group"):
        att_gt(staggered(), control_group="nevertreated", **KEYS)
    with pytest.raises(ConfigError, match="method"):
        att_gt(staggered(), method="ols", **KEYS)


def test_no_never_treated_needs_not_yet_treated():
    df = staggered(cohorts=(2013, 2015, 2017), slope=(0.1, 0.1, 0.1))
    with pytest.raises(EstimationError, match="not_yet_treated"):
        att_gt(df, **KEYS)
    res = att_gt(df, control_group="not_yet_treated", bootstrap=0, **KEYS)
    # the last cohort has no not-yet-treated control once it is treated: those cells are missing
    last = res.att_gt[(res.att_gt["group"] == 2017) & res.att_gt["post"]]
    assert last["att"].isna().all()


def test_cohort_must_be_constant_within_units():
    df = staggered()
    df.loc[0, "g"] = 2011
    with pytest.raises(EstimationError, match="varies within units"):
        att_gt(df, **KEYS)


def test_unbalanced_units_are_dropped_and_counted():
    df = staggered().drop(index=[3, 25])  # two units lose a year
    res = att_gt(df, bootstrap=0, **KEYS)
    assert res.panel.dropped["units_unbalanced"] == 2 and res.n == 58


def test_universal_base_gives_zero_at_the_reference_cell():
    res = att_gt(staggered(), base_period="universal", bootstrap=0, **KEYS)
    ref = res.att_gt[res.att_gt["time"] == res.att_gt["group"] - 1]
    assert (ref["att"] == 0).all() and ref["se"].isna().all()


def test_anticipation_moves_the_base_period():
    df = staggered()
    a0 = att_gt(df, bootstrap=0, **KEYS).att_gt.set_index(["group", "time"])["att"]
    a1 = att_gt(df, anticipation=1, bootstrap=0, **KEYS).att_gt.set_index(["group", "time"])["att"]
    # with one anticipation period the post cells compare with g-2 instead of g-1
    assert not np.isclose(a0.loc[(2013, 2014)], a1.loc[(2013, 2014)])


def test_covariate_methods_agree_when_the_covariate_is_irrelevant():
    df = staggered()
    est = {m: att_gt(df, controls=["x"], method=m, bootstrap=0, **KEYS).att_gt["att"].to_numpy()
           for m in ("reg", "ipw", "dr")}  # fmt: skip
    assert np.allclose(est["reg"], est["dr"], atol=0.02) and np.allclose(
        est["reg"], est["ipw"], atol=0.02
    )


def test_clusters_nest_units_and_widen_nothing_when_they_are_units():
    df = staggered()
    a = att_gt(df, bootstrap=0, **KEYS).att_gt["se"]
    b = att_gt(df.assign(cl=df["unit"]), cluster="cl", bootstrap=0, **KEYS).att_gt["se"]
    c = att_gt(df, cluster="region", bootstrap=0, **KEYS)
    assert np.allclose(a, b, equal_nan=True)
    assert c.aggregate("dynamic").n_clusters == 6


def test_uniform_band_is_reproducible_and_seeded():
    df = staggered()
    r1 = att_gt(df, bootstrap=299, seed=5, **KEYS)
    r2 = att_gt(df, bootstrap=299, seed=5, **KEYS)
    assert r1.crit == r2.crit and r1.crit > 1.96


def test_aggregations_and_tidy():
    res = att_gt(staggered(), bootstrap=99, seed=1, **KEYS)
    for kind, col in (("dynamic", "event_time"), ("group", "group"), ("calendar", "time")):
        agg = res.aggregate(kind)
        assert list(agg.table.columns) == [col, "att", "se", "ci_low", "ci_high"]
        tidy = agg.tidy(column="x")
        assert tidy["term"].iloc[-1] == "ATT" and len(tidy) == len(agg.table) + 1
    simple = res.aggregate("simple")
    assert simple.table.empty and np.isfinite(simple.overall["se"])
    with pytest.raises(ConfigError):
        res.aggregate("cohort")


def test_att_gt_tidy_follows_the_tidy_format():
    from imtfp.tidy import TIDY_COLUMNS

    res = att_gt(staggered(), bootstrap=99, seed=1, **KEYS)
    tidy = res.tidy()
    assert list(tidy.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    assert len(tidy) == len(res.att_gt) and tidy["term"].iloc[0].startswith("g2013_t")
    assert np.allclose(tidy["band_low"], res.att_gt["ci_low"], equal_nan=True)
