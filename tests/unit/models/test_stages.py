"""Stage functions: tidy output per stage, config example valid against the schema fragment."""

from pathlib import Path

import jsonschema
import pytest
import yaml

from imtfp.models import stages
from imtfp.tidy import TIDY_COLUMNS

pytestmark = pytest.mark.unit

NOTES = Path(__file__).resolve().parents[3] / "notes"

SPEC = dict(
    y="y", x="x", controls=["z"], cov="clustered",
    baseline=dict(stepwise=True, with_fe=[False, True]),
    inference=dict(wild_bootstrap=dict(B=199, weights="webb")),
    mediation=dict(channels={"chan": "m"}, bootstrap=99),
    heterogeneity=dict(regions=True, periods={"early": [2011, 2016]}, moderators={"mz": "z"}),
    iv=dict(instruments=["w"], lag=1),
    threshold=dict(q="q", grid=50, bootstrap=19),
)


@pytest.mark.filterwarnings("ignore:Driscoll")
@pytest.mark.parametrize("name", ["baseline", "inference", "mediation", "heterogeneity", "iv", "threshold"])
def test_stage_tidy(panel, name):
    out = getattr(stages, f"{name}_table")(panel, SPEC, seed=1)
    assert list(out.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    assert (out["table"] == name).all() and len(out)


def test_baseline_columns(panel):
    out = stages.baseline_table(panel, SPEC, seed=0)
    assert list(out["column"].unique()) == ["(1)", "(2)", "(3)", "(4)"]
    assert out.groupby("column")["entity_fe"].first().tolist() == [False, False, True, True]


def test_config_example_valid():
    schema = yaml.safe_load((NOTES / "schema_models.yaml").read_text(encoding="utf-8"))
    cfg = yaml.safe_load((NOTES / "config_models.yaml").read_text(encoding="utf-8"))
    full = {"$defs": schema["$defs"], **schema["models"]}
    jsonschema.validate(cfg["models"], full)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(cfg["models"] | {"cov": "cluster"}, full)
    jsonschema.validate(SPEC, full)
