"""annotate_inference: clusters, periods and wild p of every model column."""

from __future__ import annotations

import numpy as np
import pytest

from imtfp.core.vcov import InferenceLimits
from imtfp.models import stages
from imtfp.models.clusters import annotate_inference
from imtfp.models.panel import inference_panel
from imtfp.models.registry import model_spec

pytestmark = pytest.mark.unit


def test_clusters_and_periods_follow_each_column_sample(panel):
    spec = model_spec(
        {
            "y": "y",
            "x": "x",
            "controls": ["z"],
            "inference": {"wild_bootstrap": {"bootstrap": 199}},
            "heterogeneity": {"periods": {"early": [2011, 2016]}, "equality_test": False,
                              "merge": {"northeast": "central"}},  # the Northeast has 3 provinces
        }
    )  # fmt: skip
    out = annotate_inference(
        stages.estimate_heterogeneity(panel, spec, seed=1), panel, spec, seed=1
    )
    core = out[out["term"] == "x"].set_index("column")
    expected = panel.replace({"region": {"northeast": "central"}}).groupby("region")["province"]
    for region, n in expected.nunique().items():
        assert core.loc[f"region={region}", "n_clusters"] == n
    assert core.loc["period=early", "n_periods"] == 6
    assert "region=northeast" not in core.index
    assert core.loc["region=central", "merged_from"] == "northeast"
    assert core["wild_p"].between(0, 1).all()


def test_wild_p_matches_the_inference_table_for_the_same_model_and_seed(panel):
    # y unrelated to x (beyond the controls), so the p-value is not trivially 0
    rng = np.random.default_rng(5)
    data = panel.assign(y=panel["z"] + rng.normal(size=len(panel)) + 0.05 * panel["x"])
    spec = model_spec(
        {
            "y": "y",
            "x": "x",
            "controls": ["z"],
            "inference": {"wild_bootstrap": {"bootstrap": 999}},
            "baseline": {"with_fe": [True], "stepwise": False},
        }
    )
    base = annotate_inference(stages.estimate_baseline(data, spec, seed=11), data, spec, seed=11)
    forced = InferenceLimits(
        dk_force=True
    )  # the inference table also prints Driscoll-Kraay (T = 12)
    with pytest.warns(UserWarning, match="Driscoll"):
        ref = inference_panel(
            data, y="y", x="x", controls=["z"], bootstrap=999, seed=11, limits=forced
        )
    wild = float(ref["wild_bootstrap"].pvalues["x"])
    assert 0.01 < wild < 0.99
    assert base.loc[base["term"] == "x", "wild_p"].iloc[0] == pytest.approx(wild, abs=1e-12)


def test_no_wild_p_for_columns_it_cannot_rebuild(panel):
    spec = model_spec(
        {
            "y": "y",
            "x": "x",
            "controls": ["z"],
            "inference": {"wild_bootstrap": {"bootstrap": 199}},
            "heterogeneity": {"regions": False, "moderators": {"q": "q"}},
        }
    )
    out = annotate_inference(
        stages.estimate_heterogeneity(panel, spec, seed=1), panel, spec, seed=1
    )
    assert out["wild_p"].isna().all()  # the moderation column has an interaction
    assert (out["n_clusters"] == 31).all()
    off = annotate_inference(
        stages.estimate_baseline(panel, spec, seed=1), panel, spec, seed=1, wild=False
    )
    assert off["wild_p"].isna().all() and (off["n_clusters"] == 31).all()
