"""Stage functions: tidy output per stage; the configs' models: sections pass the schema."""

import re
from pathlib import Path

import pytest
import yaml

from imtfp.config import merge, validate
from imtfp.errors import ConfigError
from imtfp.models import stages
from imtfp.models.registry import ESTIMATE_MODELS, model_spec
from imtfp.tidy import TIDY_COLUMNS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

SPEC = dict(
    y="y",
    x="x",
    controls=["z"],
    cov="clustered",
    baseline=dict(stepwise=True, with_fe=[False, True]),
    inference=dict(wild_bootstrap=dict(bootstrap=199, weights="webb")),
    mediation=dict(channels={"chan": "m"}, bootstrap=99),
    heterogeneity=dict(
        regions=True,
        periods={"early": [2011, 2016]},
        moderators={"mz": "z"},
        merge={"northeast": "central"},
    ),  # 3 provinces: a subgroup is refused
    iv=dict(instruments=["w"], lag=1),
    threshold=dict(q="q", grid=50, bootstrap=19),
    falsification=dict(leads=[1], permutation=dict(bootstrap=99), trends=True),
    sfa=dict(output="y", inputs=["x", "z"], log=False),  # a frontier in levels: y can be < 0
    dynamic=dict(method=["difference", "system"]),
    spatial=dict(weights=["economic"], economic_column="q", draws=100),  # codes are not provinces
    few_clusters="warn",  # the northeast has 3 provinces (issue 16: refused unless the config says so)
    dk_force=True,  # 12 years < models.dk_min_periods
)


@pytest.mark.filterwarnings("ignore:Driscoll")
@pytest.mark.filterwarnings("ignore:.*clusters, below the minimum")
@pytest.mark.parametrize("name", ESTIMATE_MODELS)
def test_stage_tidy(panel, name):
    out = stages.estimate_model(name, panel, SPEC, seed=1)
    assert list(out.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    assert (out["table"] == name).all() and len(out)
    assert {"n_clusters", "n_periods", "wild_p"} <= set(out.columns)


def test_baseline_columns(panel):
    out = stages.estimate_baseline(panel, model_spec(SPEC), seed=0)
    assert list(out["column"].unique()) == ["(1)", "(2)", "(3)", "(4)"]
    assert out.groupby("column")["entity_fe"].first().tolist() == [False, False, True, True]


@pytest.mark.parametrize("path", ["config.yaml", "configs/real_nbs.yaml"])
def test_config_example_valid(path):
    cfg = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    validate(cfg)
    with pytest.raises(ConfigError, match=re.escape("config key 'models.cov'")):
        validate(merge(cfg, {"models": {"cov": "cluster"}}))
    validate({**cfg, "models": SPEC})  # the spec these tests run is a valid models: section
