"""Units read from the derived expressions, and labels held to them (issue 25: "人均光缆" was per
10 000 residents).

Expected units are worked by hand from src/imtfp/data/units.csv: population is in 万人 (10⁴
persons), money in 亿元 (10⁸ 元), fibre length in 公里, CO₂ in 百万吨 (10⁶ t).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from imtfp.report.stage import report_options
from imtfp.report.units import (
    indicator_facts,
    source_series,
    unit_text,
    variable_unit,
    variable_units,
)

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
CONFIGS = [ROOT / "config.yaml", ROOT / "configs" / "real_nbs.yaml"]


@pytest.mark.parametrize(
    ("expression", "zh", "en"),
    [
        # 公里 / 万人: kilometres per 10 000 persons, not per person
        ("fibre_length / population", "公里/万人", "km per 10 000 persons"),
        # 亿元 / 万人 × 10⁴ = 10⁸ 元 / 10⁴ 人 × 10⁴ … the printed number is 元 per person
        ("tech_market / population * 10000", "元/人", "yuan per person"),
        ("broadband_ports / population", "个/人", "units per person"),  # 万个 / 万人
        ("he_students / population", "人/万人", "persons per 10 000 persons"),
        ("fiscal_exp / gdp * 100", "%", "%"),
        ("co2 / gdp * 100", "吨/万元", "t per 10 000 yuan"),  # 10⁶ t / 10⁸ 元 × 100
        ("so2 / gdp", "吨/万元", "t per 10 000 yuan"),  # 10⁴ t / 10⁸ 元
        ("tertiary_va / secondary_va", "比值", "ratio"),
        ("ln(gdp / population * 10000)", "对数", "log"),
        ("lag(fiscal_exp) / gdp * 100", "%", "%"),
        ("secondary_va + tertiary_va", "亿元", "100 million yuan"),
        ("gdp + population", None, None),  # a sum of different units
        ("sqrt(gdp)", None, None),
    ],
)
def test_unit_of_an_expression(expression, zh, en):
    unit = variable_unit("x", {"x": expression})
    assert (unit_text(unit, "zh"), unit_text(unit, "en")) == (zh, en)


def test_derived_of_derived_and_catalog_units():
    derived = {"pop_k": "population * 10", "per_k": "fibre_length / pop_k"}
    # pop_k counts thousands (10 × a number of 10 000s): km per 1 000 persons
    assert unit_text(variable_unit("per_k", derived), "zh") == "公里/千人"
    assert unit_text(variable_unit("per_k", derived), "en") == "km per thousand persons"
    assert unit_text(variable_unit("robot_density", {}), "zh") == "台/万人"
    assert unit_text(variable_unit("pku_index", {}), "en") == "index"
    assert variable_unit("im_index", {}) is None  # a measure, not a catalog series
    assert source_series("per_k", derived) == ["fibre_length", "population"]


def _labels_of(config: dict, language: str):
    return report_options(config, language)[1]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_derived_label_says_what_its_expression_computes(path):
    """A label naming a rate per person (人均 / per resident) or per 10 000 persons (每万人 /
    per 10 000) must not contradict the unit of the variable's expression."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    derived = config["panel"]["derived"]
    zh, en = _labels_of(config, "zh"), _labels_of(config, "en")
    wrong = []
    for name in derived:
        unit = unit_text(variable_unit(name, derived), "zh") or ""
        if zh.entry("variables", name) is None:
            continue
        label_zh, label_en = zh.var(name), en.var(name)
        per_10k = unit.endswith("/万人")
        per_person = unit.endswith("/人")
        per_capita_en = any(w in label_en for w in ("per capita", "per resident", "per person"))
        if per_10k and ("人均" in label_zh or per_capita_en):
            wrong.append((name, unit, label_zh, label_en))
        if per_person and ("每万人" in label_zh or "10 000" in label_en):
            wrong.append((name, unit, label_zh, label_en))
    assert not wrong


@pytest.mark.parametrize("language", ["zh", "en"])
def test_indicator_facts_of_the_demo_index(language):
    config = yaml.safe_load(CONFIGS[0].read_text(encoding="utf-8"))
    facts = indicator_facts(config, language)
    assert set(facts) == {i for s in config["index"]["subsystems"].values() for i in s}
    assert facts["energy_intensity"]["direction"] == "−"
    assert facts["rd_intensity"]["direction"] == "+"
    assert facts["patents_per_10k"]["unit"] == ("件/万人" if language == "zh" else
                                                "items per 10 000 persons")  # fmt: skip
    source = facts["patents_per_10k"]["source"]
    assert source == ("发明专利授权数、年末常住人口" if language == "zh" else
                      "Invention patents granted; Resident population")  # fmt: skip
    units = variable_units(["gov", "im_index"], config, language)
    assert units == {"gov": "%"}  # the index has no unit of its own
