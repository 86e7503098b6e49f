"""The model registry and every place that lists models agree (issue 26).

The registry (imtfp.models.registry.MODELS) is the one list of models; the rule wildcards, the
schema, the report options, the table inputs and builders, the wild-bootstrap flags and the public
names of imtfp.models are derived from it. Each test below fails when one of them disagrees.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import yaml

import imtfp.models
from imtfp.config import load_schema, validate
from imtfp.models import registry
from imtfp.models.clusters import WILD_STAGES
from imtfp.models.registry import (
    ESTIMATE_MODELS,
    ESTIMATE_WILDCARD,
    MODELS,
    REPORT_TABLES,
    configured,
    design_spec,
    fill_defaults,
    model_spec,
)
from imtfp.report import builders, stage
from imtfp.report.labels import load_catalog
from imtfp.report.options import TABLE_KEYS
from imtfp.results import Estimates

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "workflow" / "rules"
#: Object-valued keys of `models:` that configure all models rather than switch one on.
SHARED_MODEL_SECTIONS = {"transforms"}


def test_at_least_the_eight_pipeline_models_are_registered():
    assert set(MODELS) >= {
        "baseline", "inference", "mediation", "heterogeneity", "iv", "threshold",
        "falsification", "did",
    }  # fmt: skip
    assert all(m.name == name for name, m in MODELS.items())


@pytest.mark.parametrize("name", list(MODELS))
def test_every_entry_resolves(name):
    m = MODELS[name]
    assert callable(m.stage_function()) and callable(m.table_builder())
    assert issubclass(m.result_type(), Estimates), m.result
    params = inspect.signature(m.stage_function()).parameters
    assert list(params)[:2] in (["panel", "spec"], ["frame", "spec"]), list(params)
    assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY
    assert m.schema()["type"] == "object"  # its config fragment is in the schema
    for name in m.exports:
        module, sep, attribute = name.rpartition(":")
        module = module if sep else m.module
        assert hasattr(__import__(module, fromlist=[attribute]), attribute), (module, attribute)


def test_the_estimate_rule_and_the_workflow_use_the_registry():
    estimate = (RULES / "estimate.smk").read_text(encoding="utf-8")
    assert "model=ESTIMATE_WILDCARD" in estimate
    assert ESTIMATE_WILDCARD.split("|") == list(ESTIMATE_MODELS)
    common = (RULES / "common.smk").read_text(encoding="utf-8")
    assert "return configured(config)" in common and "MODEL_TABLES" not in common
    designs = (RULES / "designs.smk").read_text(encoding="utf-8")
    assert designs.count('"|".join(MODELS["did"]') == 2
    # no rule or script of its own besides `estimate` for a registry model (falsification had one)
    scripts = {p.stem for p in (ROOT / "workflow" / "scripts").glob("*.py")}
    assert not scripts & set(ESTIMATE_MODELS)


def test_schema_sections_and_enum_follow_the_registry():
    schema = load_schema()
    models = schema["properties"]["models"]["properties"]
    sections = {k for k, v in models.items() if v.get("type") == "object"}
    registered = {m.section.split(".")[1] for m in MODELS.values() if m.rule == "estimate"}
    assert sections - SHARED_MODEL_SECTIONS == registered
    enum = schema["properties"]["report"]["properties"]["tables"]["items"]["enum"]
    assert enum == list(REPORT_TABLES) == list(TABLE_KEYS)
    assert MODELS["did"].section == "designs" and "designs" in schema["properties"]


def test_report_inputs_builders_and_wild_flags_follow_the_registry():
    for name in ESTIMATE_MODELS:
        assert stage.TABLE_INPUTS[name]["results"] == f"models/{name}.parquet"
    assert set(stage.TABLE_INPUTS) == set(REPORT_TABLES)
    assert set(builders.MODEL_TABLES) == {*ESTIMATE_MODELS, "robustness"}
    assert WILD_STAGES == tuple(n for n, m in MODELS.items() if m.wild)
    did_source = inspect.getsource(__import__("imtfp.report.did", fromlist=["did_table"]))
    for kind in MODELS["did"].tables:  # the keys of did_table's dispatch
        assert re.search(rf'"{kind}": \w+[,}}]', did_source), kind
    for kind in MODELS["did"].figures:
        assert f'"{kind}"' in did_source, kind


@pytest.mark.parametrize("name", list(MODELS))
def test_every_label_a_model_needs_is_in_the_catalog(name):
    catalog = load_catalog()
    keys = list(MODELS[name].labels)
    if MODELS[name].rule == "estimate":
        keys.append(f"titles.{name}")
    for key in keys:
        section, _, entry = key.partition(".")
        found = catalog.get(section, {}).get(entry)
        assert found and found.get("zh") and found.get("en"), key


def test_public_names_of_imtfp_models_are_the_registry_exports():
    exports = registry.exports()
    assert imtfp.models.__all__ == sorted(exports)
    modules = {m.rsplit(".", 1)[1] for m in exports.values()}
    assert not modules & set(exports), "an implementation module named like a public function"


def test_configured_models_follow_the_config():
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert configured(cfg) == [n for n in ESTIMATE_MODELS if n in cfg["models"] or n == "baseline"]
    assert configured({"models": {"y": "y", "x": "x"}}) == ["baseline"]
    assert configured({"models": {"y": "y", "x": "x", "threshold": {"q": "q"}}}) == [
        "baseline",
        "threshold",
    ]


def test_defaults_come_from_the_schema_only():
    spec = model_spec({"y": "y", "x": "x", "iv": {}})
    assert spec["controls"] == [] and spec["cov"] == "clustered" and spec["cluster"] is None
    assert spec["iv"] == {"lag": 1, "instruments": []}
    assert spec["inference"]["wild_bootstrap"] == {"bootstrap": 9999, "weights": "webb"}
    assert "mediation" not in spec  # a section switches a model on: never filled in
    assert model_spec(spec) == spec  # idempotent
    assert fill_defaults({"cluster": None}, {"properties": {"cluster": {"default": "x"}}}) == {
        "cluster": None
    }
    design = design_spec({"pilots": "p.csv", "policy": "p", "level": "province",
                          "outcomes": ["y"], "checks": {"a": {}}})  # fmt: skip
    assert "checks" not in design and design["estimators"] == ["cs", "sa", "bjs", "twfe"]
    validate({"seed": 1, "dataset": {"manifest": "m"}, "panel": {"years": [2011, 2012]},
              "models": spec, "designs": {"d": design}})  # fmt: skip
    # no literal default of a model option is repeated in the code that reads the spec
    for path in ("stages.py", "clusters.py", "did/stages.py", "frontier.py", "dynamic.py",
                 "spatial/stages.py"):  # fmt: skip
        text = (ROOT / "src" / "imtfp" / "models" / path).read_text(encoding="utf-8")
        assert not re.search(r"spec(\[[^]]+\])*\.get\(\"[a-z_]+\", [^)]", text), path
