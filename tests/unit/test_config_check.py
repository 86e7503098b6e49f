"""Everything the config names is checked when it loads, with the closest names (issue 22, item 2),
and overlays add to the lists that read as additions (item 4)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import imtfp.config as cfg
from imtfp import messages
from imtfp.errors import ConfigError

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # the demo manifest's path is relative to the project
    monkeypatch.setenv("IMTFP_LANG", "en")


def _error(change) -> ConfigError:
    config = copy.deepcopy(BASE)
    change(config)
    with pytest.raises(ConfigError) as info:
        cfg.validate_all(config)
    return info.value


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c["panel"].update(yeras=[2011, 2022]),
         "config key 'panel.yeras' is not a setting of this section; did you mean 'years'?"),
        (lambda c: c["models"]["inference"].update(wild_boostrap={}),
         "config key 'models.inference.wild_boostrap' is not a setting of this section; did you mean 'wild_bootstrap'?"),
        (lambda c: c["models"].update(controls=["gov", "rd_intensty"]),
         "config key 'models.controls[1]': there is no variable 'rd_intensty'"),
        (lambda c: c["index"]["subsystems"]["technology"].update(rd_intensty="+"),
         "config key 'index.subsystems.technology.rd_intensty': there is no variable 'rd_intensty'"),
        (lambda c: c["models"]["falsification"].update(placebo_outcomes=["iurr"]),
         "config key 'models.falsification.placebo_outcomes[0]': there is no variable 'iurr'"),
        (lambda c: c["models"]["mediation"]["channels"].update(innovation="inov"),
         "config key 'models.mediation.channels.innovation': there is no variable 'inov'"),
        (lambda c: c["checks"]["yoy_breaks"]["thresholds"].update(gpd=3),
         "config key 'checks.yoy_breaks.thresholds.gpd': there is no variable 'gpd'"),
        (lambda c: c["panel"]["derived"].update(x="ln(gdpp)"),
         "config key 'panel.derived.x': there is no variable 'gdpp'"),
        (lambda c: c["robustness"].update(chk={"models": {"x": "im_indx"}}),
         "config key 'robustness.chk.models.x': there is no variable 'im_indx'"),
        (lambda c: c["models"].update(y="tfp_malmquist", x="im_index") or c["tfp"].update(methods=["solow"]),
         "config key 'models.y': there is no variable 'tfp_malmquist'"),
        (lambda c: c.pop("tfp"), "config section 'tfp' is missing"),
    ],
)  # fmt: skip
def test_names_fail_at_load_naming_the_key_and_the_closest_names(change, expected):
    err = _error(change)
    assert str(err).startswith(expected), str(err)
    assert err.msg_id and "np." not in str(err)


def test_suggestions_name_the_close_ones_only():
    err = _error(lambda c: c["models"].update(controls=["gov", "rd_intensty"]))
    assert str(err).endswith("; did you mean 'rd_intensity'?")


def test_the_message_in_chinese(monkeypatch):
    monkeypatch.setenv("IMTFP_LANG", "zh")
    err = _error(lambda c: c["panel"].update(yeras=[2011, 2022]))
    assert str(err) == "配置项 'panel.yeras' 不是这一节的设置；您是否指 'years'？"
    assert messages.render(err, "en").endswith("did you mean 'years'?")


def test_a_missing_design_file_is_named_with_its_key():
    from imtfp.config_check import check_design_files

    config = copy.deepcopy(BASE)
    check_design_files(config)
    config["designs"]["pilot"]["pilots"] = "pilot/missing.csv"
    with pytest.raises(
        ConfigError,
        match="'designs.pilot.pilots': the file data/raw/demo/pilot/missing.csv does not exist",
    ):
        check_design_files(config)


def test_tfp_inputs_must_be_in_the_manifest(tmp_path):
    manifest = yaml.safe_load((ROOT / "data/raw/demo/manifest.yaml").read_text(encoding="utf-8"))
    manifest["files"] = [f for f in manifest["files"] if f["indicator"] != "gfcf"]
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    err = _error(lambda c: c["dataset"].update(manifest=str(tmp_path / "m.yaml")))
    assert "TFP needs the indicator(s) gfcf" in str(err)


def test_the_demo_and_the_real_configs_pass():
    cfg.validate_all(copy.deepcopy(BASE))


# ---- overlays (imtfp.config.merge) -------------------------------------------------------------


def test_a_check_adds_to_the_provinces_the_baseline_drops_and_its_header_says_so():
    from imtfp.report.stage import check_label, report_options

    config = copy.deepcopy(BASE)
    config["panel"]["drop_provinces"] = ["西藏"]
    overlay = config["robustness"]["drop_municipalities"]
    merged = cfg.merge(config, overlay)
    assert merged["panel"]["drop_provinces"] == ["西藏", "北京", "天津", "上海", "重庆"]
    _, labels = report_options(config)
    assert check_label("drop_municipalities", config, overlay, labels)[0] == (
        "剔除西藏、北京、天津、上海、重庆"
    )
    replaced = {"panel": {"drop_provinces": {"replace": ["北京"]}}}
    assert cfg.merge(config, replaced)["panel"]["drop_provinces"] == ["北京"]
    assert check_label("only_beijing", config, replaced, labels)[0] == "剔除北京"
    cfg.validate_all({**config, "robustness": {"only_beijing": replaced}})


def test_other_lists_still_replace():
    merged = cfg.merge(BASE, {"models": {"controls": ["urban_rate"]}})
    assert merged["models"]["controls"] == ["urban_rate"]
    assert cfg.merge(
        {"panel": {"drop_years": [2020]}}, {"panel": {"drop_years": [2020, 2021]}}
    ) == {"panel": {"drop_years": [2020, 2021]}}


def test_the_industrial_chain_columns_are_those_the_chain_writes():
    """config_check lists the industrial chain's columns without importing it (scipy.optimize):
    the lists must agree with imtfp.tfp.industry."""
    from imtfp.config_check import INDUSTRY_COLUMNS, INDUSTRY_METHODS
    from imtfp.tfp import industry

    assert set(industry.INPUT_COLUMNS.values()) <= set(INDUSTRY_COLUMNS)
    assert tuple(industry.INDUSTRY_DEFAULTS["methods"]) == INDUSTRY_METHODS
    assert {"tau_k", "tau_l", "misalloc_k", "misalloc_l"} <= set(INDUSTRY_COLUMNS)


def test_measure_columns_follow_the_tfp_chains():
    """The columns a config may name include those its TFP chains write: the whole economy's (with
    the K it used and tfp_sfa) and, where the industrial chain is configured, its own."""
    from imtfp.config_check import measure_columns

    economy = measure_columns({"tfp": {"methods": ["solow", "sfa"]}})
    assert {"tfp_solow", "tfp_sfa", "gdp_real", "capital", "labour"} <= economy
    assert "tfp_industry_solow" not in economy and "va_real_industry" not in economy
    industry = measure_columns(
        {"tfp": {"chains": ["industry"], "industry": {"methods": ["solow", "malmquist"]}}}
    )
    assert {"tfp_industry_solow", "tfp_industry_malmquist", "va_real_industry"} <= industry
    assert {"capital_industry", "labour_industry", "misalloc_k"} <= industry
