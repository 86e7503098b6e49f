import numpy as np
import pytest
import yaml

from imtfp.config import validate
from imtfp.errors import ConfigError
from imtfp.models.did.stages import credibility_flags, credibility_rule, design_spec

pytestmark = pytest.mark.unit


def _design(**credibility) -> dict:
    return {"level": "province", "policy": "p", "outcomes": ["y"], "pilots": "p.csv",
            **({"credibility": credibility} if credibility else {})}  # fmt: skip


def test_default_rule_flags_a_rejected_pretest_or_a_small_breakdown():
    rule = credibility_rule(design_spec(_design()))
    assert rule == {"pretest_alpha": 0.05, "min_breakdown": 1.0}  # the schema's defaults
    assert credibility_flags(0.2, 1.5, rule)["stars_allowed"]
    bad = credibility_flags(0.004, 0.28, rule)
    assert bad["flag_pretrend"] and bad["flag_breakdown"] and not bad["stars_allowed"]
    assert not credibility_flags(0.2, 0.99, rule)["stars_allowed"]
    # a diagnostic that could not be computed raises no flag
    assert credibility_flags(np.nan, np.nan, rule)["stars_allowed"]


def test_config_changes_the_rule_and_the_rule_is_stored():
    rule = credibility_rule(design_spec(_design(pretest_alpha=0.01, min_breakdown=0)))
    out = credibility_flags(0.02, 0.1, rule)
    assert out["stars_allowed"] and out["pretest_alpha"] == 0.01 and out["min_breakdown"] == 0


@pytest.mark.parametrize("bad", [{"pretest_p": 0.1}, {"pretest_alpha": 1.5}])
def test_the_schema_refuses_an_unknown_or_out_of_range_rule(bad):
    config = yaml.safe_load(open("config.yaml", encoding="utf-8"))
    name = next(iter(config["designs"]))
    config["designs"][name]["credibility"] = bad
    with pytest.raises(ConfigError, match="credibility"):
        validate(config)
