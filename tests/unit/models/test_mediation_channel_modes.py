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
    assert terms["m_two"] == {"a"}  # X→M only
