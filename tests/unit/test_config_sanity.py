"""Config mistakes the schema cannot see stop at load naming the full key (issues 13 and 16)."""

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

import imtfp.config as cfg
from imtfp.errors import ConfigError
from imtfp.panel import build_panel

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "path", [ROOT / "config.yaml", *sorted((ROOT / "configs").glob("*.yaml"))], ids=lambda p: p.name
)
def test_repository_configs_pass_every_check(path):
    cfg.validate_all(yaml.safe_load(path.read_text(encoding="utf-8")))


def _with(**changes):
    config = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = config
        *head, last = dotted.split("__")
        for part in head:
            node = node.setdefault(part, {})
        node[last] = value
    return config


@pytest.mark.parametrize(
    "changes, key",
    [
        ({"panel__years": [2022, 2011]}, "panel.years"),
        ({"panel__drop_provinces": ["西藏", "火星"]}, r"panel.drop_provinces\[1\]"),
        ({"panel__derived": {"select": "gdp"}}, "panel.derived.select"),
        (
            {"models__heterogeneity__periods": {"early": [2016, 2011]}},
            "models.heterogeneity.periods.early",
        ),
        (
            {"models__heterogeneity__periods": {"early": [1990, 1995]}},
            "models.heterogeneity.periods.early",
        ),
        (
            {"multiverse__samples__x": {"drop_provinces": ["99"]}},
            r"multiverse.samples.x.drop_provinces\[0\]",
        ),
    ],
)
def test_sanity_errors_name_the_key(changes, key):
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        cfg.validate_all(_with(**changes))


@pytest.mark.parametrize(
    "overlay, key",
    [
        ({"models": {"modles": 1}}, "robustness.chk.models.modles"),
        ({"modles": {"x": "ccd"}}, "robustness.chk.modles"),
        ({"panel": {"drop_provinces": ["火星"]}}, r"robustness.chk.panel.drop_provinces\[0\]"),
        ({"panel": {"years": [2020, 2012]}}, "robustness.chk.panel.years"),
        ({"dataset": {"manifest": "other.yaml"}}, "robustness.chk.dataset"),
        ({"seed": 7}, "robustness.chk.seed"),
        ({"report": {"languages": ["en"]}}, "robustness.chk.report"),
    ],
)
def test_overlay_errors_carry_the_full_key_path(overlay, key):
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        cfg.validate_all(_with(robustness={"chk": overlay}))


def test_overlays_that_change_a_check_section_are_accepted():
    cfg.validate_all(
        _with(
            robustness={"a": {"models": {"cov": "robust"}}, "b": {"panel": {"drop_years": [2020]}}}
        )
    )


def _obs(years):
    rows = [(p, y, "gdp", float(y - 2000)) for p in ("11", "12") for y in years]
    return pd.DataFrame(rows, columns=["province", "year", "indicator", "value"])


def test_years_outside_the_data_fail_naming_the_span():
    with pytest.raises(
        ConfigError, match=r"\[2000, 2005\] does not overlap the data \(observed years 2011–2015\)"
    ):
        build_panel(_obs(range(2011, 2016)), {"years": [2000, 2005], "missing": "interpolate"})


def test_reversed_years_fail_at_build():
    with pytest.raises(ConfigError, match="first year 2015 is after last year 2011"):
        build_panel(_obs(range(2011, 2016)), {"years": [2015, 2011]})


def test_extrapolation_beyond_the_observed_span_is_limited():
    obs = pd.concat([_obs(range(2011, 2021)), _obs(range(2011, 2014)).assign(indicator="rd")])
    spec = {"years": [2011, 2020], "missing": "interpolate"}
    with pytest.raises(ConfigError, match=r"rd \(70%\)"):
        build_panel(obs, spec)
    # 7 of 10 years carried: accepted above the share, or when the indicator is listed as a known splice
    assert len(build_panel(obs, {**spec, "max_extrapolated_share": 0.7})["imputed"]) == 14
    assert len(build_panel(obs, {**spec, "extrapolation_allowed": ["rd"]})["imputed"]) == 14


def test_unknown_province_in_drop_provinces_is_a_config_error_at_build():
    with pytest.raises(ConfigError, match=r"panel.drop_provinces\[0\]': '火星'"):
        build_panel(_obs(range(2011, 2016)), {"years": [2011, 2015], "drop_provinces": ["火星"]})
