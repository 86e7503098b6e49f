"""mediation.channel_modes: two_step (Jiang 2022) for one channel, stepwise for the others."""

from __future__ import annotations

import pytest

from imtfp.models import stages
from imtfp.models.registry import model_spec

pytestmark = pytest.mark.unit


def test_channel_modes_override_the_mode_per_channel(panel):
    spec = {
        "y": "y",
        "x": "x",
        "controls": ["z"],
        "mediation": {
            "channels": {"m_step": "m", "m_two": "m"},
            "bootstrap": 49,
            "channel_modes": {"m_two": "two_step"},
        },
    }
    out = stages.estimate_mediation(panel, model_spec(spec), seed=1)
    terms = out.groupby("column")["term"].apply(set)
    assert "indirect" in terms["m_step"] and "b" in terms["m_step"]
    # X→M only, with its wild cluster bootstrap p-value and interval
    assert terms["m_two"] == {"a", "a_wild_p", "a_wild_ci"}


def test_two_step_wild_p_is_the_inference_tables_for_the_same_regression(panel):
    """The X→M row's wild bootstrap is the one the inference table runs (same function, model,
    draws and seed), so a mediator regressed on x reads the same p in both tables."""
    from imtfp.core.vcov import InferenceLimits
    from imtfp.models import inference_panel, mediation

    res = mediation(panel, y="y", x="x", m="m", controls=["z"], bootstrap=199, seed=5,
                    mode="two_step")  # fmt: skip
    # the table's DK column needs dk_force on 12 years; only the wild member is read
    inf = inference_panel(panel, y="m", x="x", controls=["z"], bootstrap=199, seed=5,
                          limits=InferenceLimits(dk_force=True)).tidy(table="inference")  # fmt: skip
    wild = inf[inf["column"] == "wild_bootstrap"].iloc[0]
    tidy = res.tidy().set_index("term")
    assert tidy.at["a_wild_p", "estimate"] == pytest.approx(wild["p"], rel=1e-12)
    assert tidy.at["a_wild_ci", "ci_low"] == pytest.approx(wild["ci_low"], rel=1e-9)
    assert tidy.at["a_wild_ci", "ci_high"] == pytest.approx(wild["ci_high"], rel=1e-9)
