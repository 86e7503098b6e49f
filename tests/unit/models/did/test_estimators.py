import numpy as np
import pytest
from _did_sim import staggered

from imtfp.models.did import (
    bacon_decomposition,
    did_imputation,
    honest_did,
    pretrend_test,
    randomization_inference,
    static_twfe,
    sun_abraham,
    twfe_event_study,
)

pytestmark = pytest.mark.unit
KEYS = dict(y="y", entity="unit", time="year", group="g")


def true_dynamic(e: int) -> float:
    # equal-size cohorts 2013 (slope .3) and 2015 (slope .1); 2015 is observed up to e = 4
    return (0.3 * (e + 1) + 0.1 * (e + 1)) / 2 if e <= 4 else 0.3 * (e + 1)


@pytest.mark.parametrize("fn", [sun_abraham, did_imputation])
def test_event_studies_recover_dynamic_effects(fn):
    es = fn(staggered(), bootstrap=199, seed=1, **KEYS)
    tab = es.table.set_index("event_time")
    for e in range(0, 7):
        assert abs(tab.loc[e, "att"] - true_dynamic(e)) < 4 * tab.loc[e, "se"], e
    pre = tab[tab.index < 0]
    assert (pre["ci_low"] <= 0).all() and (pre["ci_high"] >= 0).all()


def test_static_twfe_is_biased_and_bacon_explains_it():
    df = staggered()
    st = static_twfe(df, **KEYS)
    bacon = bacon_decomposition(df, **KEYS)
    comparisons = bacon.comparisons
    assert abs(comparisons["weight"].sum() - 1) < 1e-12
    assert abs(bacon.twfe - st.att) < 1e-10
    # forbidden comparisons (already treated as controls) carry negative estimates here
    assert (comparisons.loc[comparisons["type"] == "later_vs_earlier", "estimate"] < 0).all()
    # the protocol: weighted averages by comparison type, whose weighted sum is the TWFE estimate
    assert abs(float(bacon.params @ bacon.weights) - st.att) < 1e-10
    assert st.params["ATT"] == st.att and st.bse["ATT"] == st.se


def test_twfe_event_study_bins_endpoints():
    es = twfe_event_study(staggered(), leads=2, lags=3, bootstrap=0, **KEYS)
    assert list(es.index) == [-2, 0, 1, 2, 3]


def test_pretrend_test_rejects_a_built_in_pre_trend():
    df = staggered()
    trend = np.where(df["g"] > 0, 0.05 * (df["year"] - 2010), 0.0)
    ok = pretrend_test(sun_abraham(df, bootstrap=0, **KEYS))
    bad = pretrend_test(sun_abraham(df.assign(y=df["y"] + trend), bootstrap=0, **KEYS))
    assert ok.p > 0.01 and bad.p < 1e-6
    assert all(t.startswith("e-") for t in bad.terms) and bad.df == len(bad.terms)


def test_honest_intervals_widen_and_breakdown_is_where_zero_enters():
    from imtfp.models.did import att_gt, honest_intervals
    from imtfp.models.did.sensitivity import event_study_inputs

    es = att_gt(staggered(), base_period="universal", bootstrap=0, **KEYS).aggregate("dynamic")
    res = honest_did(es, mbar=(0, 1, 2, 4), max_pre=3, max_post=5)
    grid = res.table
    rm = grid[(grid["restriction"] == "relative_magnitude") & (grid["target"] == "average")]
    assert (np.diff(rm["ub"] - rm["lb"]) > 0).all()
    b, V, times, n_pre, n_post = event_study_inputs(es, max_pre=3, max_post=5)
    l_avg = (times[n_pre:] >= 0) / (times[n_pre:] >= 0).sum()
    sets = honest_intervals(b, V, num_pre=n_pre, num_post=n_post, target=l_avg,
                            M=[res.breakdown_rm, res.breakdown_rm + 0.02])  # fmt: skip
    below, above = sets.iloc[0], sets.iloc[1]
    assert below["lb"] > 0 or below["ub"] < 0  # still excludes 0 at the breakdown value
    assert above["lb"] <= 0 <= above["ub"]


def test_randomization_inference_p_values():
    strong = randomization_inference(staggered(), bootstrap=199, seed=1, **KEYS)
    assert strong.p == 1 / 200 and strong.draws == 199 and strong.pvalues["ATT"] == strong.p
    null = staggered(slope=(0.0, 0.0, 0.0))
    ps = [
        randomization_inference(null.assign(y=null["y"] + 0 * s), bootstrap=99, seed=s, **KEYS).p
        for s in range(3)
    ]
    assert all(0 < p <= 1 for p in ps)
    # p-values under the null of many independent panels are roughly uniform
    ps = [randomization_inference(staggered(seed=s, slope=(0, 0, 0)), bootstrap=99, seed=s, **KEYS).p
          for s in range(40)]  # fmt: skip
    assert 0.02 <= np.mean(np.array(ps) < 0.2) <= 0.45
    tw = randomization_inference(staggered(), statistic="twfe", bootstrap=99, seed=1, **KEYS)
    assert tw.p == 0.01
