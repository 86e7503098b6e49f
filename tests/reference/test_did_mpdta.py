"""Callaway–Sant'Anna on ``mpdta`` against the numbers the R package ``did`` publishes.

Source of every number: the README of bcallaway11/did (pkgdown home page, "A short example",
``att_gt(yname="lemp", gname="first.treat", idname="countyreal", tname="year", xformla=~1,
data=mpdta, est_method="reg")`` and ``aggte(out, type="dynamic"|"group")``), and the vignette
"Getting Started with the did Package" (same call with the default ``est_method="dr"``, identical
point estimates without covariates). Data: tests/data/reference/mpdta.csv (see README there).

Tolerance: point estimates and the pre-test p-value to the printed digits (half a unit of the last
printed digit). Standard errors: R prints multiplier-bootstrap SEs that differ across versions by up
to 7 % (0.0233–0.0246 for ATT(2004,2004) across the README and vignette); our analytical
influence-function SEs must lie within 12 % of the printed README values.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from imtfp.models.did import att_gt

pytestmark = pytest.mark.reference
DATA = Path(__file__).resolve().parents[1] / "data" / "reference" / "mpdta.csv"

# (group, time): (ATT, printed bootstrap SE) — did README, summary(out)
PUBLISHED_ATT_GT = {
    (2004, 2004): (-0.0105, 0.0246),
    (2004, 2005): (-0.0704, 0.0332),
    (2004, 2006): (-0.1373, 0.0397),
    (2004, 2007): (-0.1008, 0.0357),
    (2006, 2004): (0.0065, 0.0229),
    (2006, 2005): (-0.0028, 0.0197),
    (2006, 2006): (-0.0046, 0.0179),
    (2006, 2007): (-0.0412, 0.0192),
    (2007, 2004): (0.0305, 0.0154),
    (2007, 2005): (-0.0027, 0.0164),
    (2007, 2006): (-0.0311, 0.0184),
    (2007, 2007): (-0.0261, 0.0170),
}
PUBLISHED_PRETEST_P = 0.16812
# aggte(out, type = "dynamic"): event time -> estimate; overall ATT -0.0772 (SE 0.0219)
PUBLISHED_DYNAMIC = {
    -3: 0.0305,
    -2: -0.0006,
    -1: -0.0245,
    0: -0.0199,
    1: -0.0510,
    2: -0.1373,
    3: -0.1008,
}
PUBLISHED_DYNAMIC_OVERALL = (-0.0772, 0.0219)
# aggte(out, type = "group"): overall -0.031 (SE 0.0126)
PUBLISHED_GROUP = {2004: -0.0797, 2006: -0.0229, 2007: -0.0261}
PUBLISHED_GROUP_OVERALL = (-0.031, 0.0126)


@pytest.fixture(scope="module")
def mpdta():
    df = pd.read_csv(DATA)
    assert df.shape == (2500, 6) and df["countyreal"].nunique() == 500
    return df


@pytest.fixture(scope="module", params=["reg", "dr", "ipw"])
def result(mpdta, request):
    return att_gt(mpdta, y="lemp", entity="countyreal", time="year", group="first.treat",
                  control_group="never_treated", method=request.param, bootstrap=999, seed=1)  # fmt: skip


def test_every_group_time_att(result):
    tab = result.att_gt.set_index(["group", "time"])
    assert len(tab) == len(PUBLISHED_ATT_GT)
    for (g, t), (att, se) in PUBLISHED_ATT_GT.items():
        assert abs(tab.loc[(g, t), "att"] - att) <= 0.5e-4, (g, t)
        assert abs(tab.loc[(g, t), "se"] / se - 1) < 0.12, (g, t)


def test_pretest_p_value(result):
    assert abs(result.pretest.p - PUBLISHED_PRETEST_P) <= 0.5e-5
    assert result.pretest.df == 5


def test_dynamic_aggregation(result):
    es = result.aggregate("dynamic")
    got = dict(zip(es.table["event_time"].astype(int), es.table["att"], strict=True))
    assert set(got) == set(PUBLISHED_DYNAMIC)
    for e, att in PUBLISHED_DYNAMIC.items():
        assert abs(got[e] - att) <= 0.5e-4, e
    assert abs(es.overall["att"] - PUBLISHED_DYNAMIC_OVERALL[0]) <= 0.5e-4
    assert abs(es.overall["se"] / PUBLISHED_DYNAMIC_OVERALL[1] - 1) < 0.12


def test_group_aggregation(result):
    agg = result.aggregate("group")
    got = dict(zip(agg.table["group"].astype(int), agg.table["att"], strict=True))
    for g, att in PUBLISHED_GROUP.items():
        assert abs(got[g] - att) <= 0.5e-4, g
    assert abs(agg.overall["att"] - PUBLISHED_GROUP_OVERALL[0]) <= 0.5e-3
    assert abs(agg.overall["se"] / PUBLISHED_GROUP_OVERALL[1] - 1) < 0.12


def test_uniform_band_is_wider_than_pointwise(result):
    tab = result.att_gt
    half = (tab["ci_high"] - tab["att"]) / tab["se"]
    # the README's 95% simultaneous bands use critical values about 2.6-2.8 for 12 cells
    assert np.allclose(half, result.crit) and 2.4 < result.crit < 3.0
