"""The label catalog: completeness, fallbacks and look-up rules."""

from __future__ import annotations

import warnings

import pytest

from imtfp.errors import ConfigError
from imtfp.report.labels import Labels, LabelWarning, load_catalog

pytestmark = pytest.mark.unit


def _entries(catalog):
    for section, body in catalog.items():
        if isinstance(body, dict):
            for key, entry in body.items():
                yield section, key, entry
        else:
            for entry in body:
                yield section, entry.get("key", entry.get("re")), entry


def test_every_entry_has_string_key_and_both_languages():
    for section, key, entry in _entries(load_catalog()):
        # YAML 1.1 turns bare yes/no/on/off keys into booleans: keys must stay strings
        assert isinstance(key, str), (section, key)
        assert str(entry.get("zh", "")).strip() and str(entry.get("en", "")).strip(), (section, key)


def test_entries_have_only_known_fields():
    # an unquoted comma inside a YAML flow mapping silently splits a value into a new key
    allowed = {"zh", "en", "format", "kind", "re", "key", "se_zh", "se_en"}
    for section, key, entry in _entries(load_catalog()):
        assert set(entry) <= allowed, (section, key, set(entry) - allowed)
        assert entry.get("format", "decimal") in ("int", "decimal", "ci"), (section, key)


def test_unknown_variable_falls_back_to_raw_name_with_one_warning():
    labels = Labels("zh")
    with pytest.warns(LabelWarning, match="no_such_var"):
        assert labels.var("no_such_var") == "no_such_var"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert labels.var("no_such_var") == "no_such_var"  # warned once per name


def test_column_numbers_and_years_are_self_labelled_without_warning():
    labels = Labels("en")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [labels.column(c) for c in ("(3)", "2015", "2011-2015")] == [
            "(3)",
            "2015",
            "2011-2015",
        ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh", "智能制造指数"), ("en", "IM index")],
)
def test_language(language, expected):
    assert Labels(language).var("im_index") == expected


def test_bad_language_is_named():
    with pytest.raises(ConfigError, match="'fr'"):
        Labels("fr")


def test_patterns_interactions_and_statistics():
    zh, en = Labels("zh"), Labels("en")
    assert zh.term("threshold_2").label == "门槛值 γ2" and zh.term("threshold_2").kind == "stat"
    assert en.term("im_index_regime1").label == "IM index (regime 1)"
    assert en.term("im_index_regime1").kind == "coef"
    assert en.var("im_index:human_capital") == "IM index × Human capital"
    assert zh.term("first_stage_F").kind == "stat" and zh.term("nobs").format == "int"
    assert zh.term("boot_ci").format == "ci"
    assert en.var("L.im_index") == "L.IM index"


def test_coupling_levels_by_key_name_and_band():
    labels = Labels("zh")
    assert labels.coupling_level(5) == labels.coupling_level("barely_coordinated") == "勉强协调"
    assert labels.coupling_level("优质协调") == "优质协调"
    assert labels.coupling_level(3.0) == "轻度失调"


@pytest.mark.parametrize(
    ("d", "level"),
    # METHODS.md: ten bands of width 0.1, lowest 极度失调, highest 优质协调;
    # a band includes its lower edge
    [
        (0.0, "极度失调"),
        (0.0999, "极度失调"),
        (0.1, "严重失调"),
        (0.3, "轻度失调"),
        (0.5, "勉强协调"),
        (0.8999, "良好协调"),
        (0.9, "优质协调"),
        (1.0, "优质协调"),
    ],
)
def test_level_of_bands(d, level):
    assert Labels("zh").level_of(d) == level
