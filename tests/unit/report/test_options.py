"""Report options: the config section, the config schema and the run-time checks agree."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import jsonschema
import pytest
import yaml

from imtfp.config import load_schema, merge, validate
from imtfp.errors import ConfigError
from imtfp.report.options import ReportOptions, options_from_config
from imtfp.report.stage import report_options

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
CONFIGS = ["config.yaml", "configs/real_nbs.yaml"]


def _load(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema():
    return load_schema()["properties"]["report"]


@pytest.fixture(scope="module")
def base():
    return _load("config.yaml")


@pytest.mark.parametrize("path", CONFIGS)
def test_config_validates_and_builds_options(path):
    jsonschema.Draft202012Validator.check_schema(load_schema())
    config = _load(path)
    validate(config)
    section = dict(config["report"])
    section.pop("variable_labels", None)  # label overrides: read by report_options, not an option
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}
    expected = ReportOptions(**kwargs, language=kwargs.get("languages", ("zh",))[0])
    assert options_from_config(section) == expected
    assert report_options(config)[0] == expected


def test_schema_and_options_name_the_same_keys(schema):
    assert schema["additionalProperties"] is False
    # variable_labels is the one key that is no ReportOptions field (stage.report_options reads it);
    # language is the one field that is no key (the language of the table being built: one of
    # report.languages).
    options = {f.name for f in fields(ReportOptions)}
    assert set(schema["properties"]) == (options - {"language"}) | {"variable_labels"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("languages", ["fr"]),
        ("provenance", "footer"),
        ("stars", [0.1, 1.5]),
        ("decimals", -1),
        ("formats", ["pdf"]),
        ("font", "simhei"),
        ("tables", ["nonsense"]),
        ("control_terms", "maybe"),
    ],
)
def test_bad_values_rejected_by_schema_and_named_at_run_time(base, key, value):
    with pytest.raises(ConfigError, match=re.escape(f"config key 'report.{key}")):
        validate(merge(base, {"report": {key: value}}))
    with pytest.raises(ConfigError, match=key):
        options_from_config({key: value})


def test_unknown_key_rejected(base):
    with pytest.raises(ConfigError, match=re.escape("config key 'report.colour'")):
        validate(merge(base, {"report": {"colour": "red"}}))
    with pytest.raises(ConfigError, match="colour"):
        options_from_config({"colour": "red"})


def test_star_levels_sorted_descending():
    assert ReportOptions(stars=(0.01, 0.1, 0.05)).stars == (0.1, 0.05, 0.01)
