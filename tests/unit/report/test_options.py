"""Report options: the config section, its schema fragment and run-time checks agree."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import jsonschema
import pytest
import yaml

from imtfp.report.options import ReportOptions, options_from_config

pytestmark = pytest.mark.unit
NOTES = Path(__file__).resolve().parents[3] / "notes"


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load((NOTES / "schema_report.yaml").read_text(encoding="utf-8"))["report"]


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((NOTES / "config_report.yaml").read_text(encoding="utf-8"))["report"]


def test_config_validates_and_builds_options(schema, config):
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(config, schema)
    assert options_from_config(config) == ReportOptions(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
    )


def test_schema_and_options_name_the_same_keys(schema):
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {f.name for f in fields(ReportOptions)}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("language", "fr"),
        ("stars", [0.1, 1.5]),
        ("decimals", -1),
        ("formats", ["pdf"]),
        ("font", "simhei"),
        ("tables", ["nonsense"]),
        ("control_terms", "maybe"),
    ],
)
def test_bad_values_rejected_by_schema_and_named_at_run_time(schema, key, value):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({key: value}, schema)
    with pytest.raises(ValueError, match=key):
        options_from_config({key: value})


def test_unknown_key_rejected(schema):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"colour": "red"}, schema)
    with pytest.raises(ValueError, match="colour"):
        options_from_config({"colour": "red"})


def test_star_levels_sorted_descending():
    assert ReportOptions(stars=(0.01, 0.1, 0.05)).stars == (0.1, 0.05, 0.01)
