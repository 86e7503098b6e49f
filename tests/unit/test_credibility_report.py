"""The credibility report (imtfp.credibility): every section, the rules it reads, one language each."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from imtfp import credibility, messages
from imtfp.errors import ConfigError, ReportError
from imtfp.models.power import within_share

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]

# Words of three or more Latin letters the Chinese page may print: standard abbreviations and the
# names of the people a method is named after (the report's own vocabulary; the tables' list is
# wider). Everything else in Latin letters would be English or a raw code.
ALLOWED_LATIN = {"TFP", "MDE", "DID", "ATT", "BJS", "TWFE", "CRITIC", "PCA", "Oster", "Rambachan",
                 "Roth", "Malmquist", "Solow"}  # fmt: skip
LATIN_RUN = re.compile(r"[A-Za-z]{3,}")
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]+")


def foreign(text: str, lang: str) -> list[str]:
    """Runs of another language: Latin words outside ALLOWED_LATIN in zh, Chinese in en."""
    if lang == "zh":
        return [w for w in LATIN_RUN.findall(text) if w not in ALLOWED_LATIN]
    return CHINESE.findall(text)


def demo_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def _analysis() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    prov, year = np.meshgrid(np.arange(8), np.arange(2011, 2017), indexing="ij")
    level = rng.normal(size=8)[prov]
    return pd.DataFrame({
        "province": prov.ravel().astype(str), "year": year.ravel(),
        "tfp_solow": (3 * level + 0.1 * rng.normal(size=prov.shape)).ravel(),
        "im_index": (level + 0.5 * rng.normal(size=prov.shape)).ravel(),
    })  # fmt: skip


def _row(column, term, estimate, **kw):
    return {"column": column, "term": term, "estimate": estimate, **kw}


def _baseline(p_fe: float = 0.22) -> pd.DataFrame:
    common = {"n_clusters": 30.0, "controls": "gov,open"}
    return pd.DataFrame([
        _row("(1)", "im_index", 1.9, se=0.2, p=0.0001, wild_p=0.0, entity_fe=False, time_fe=False, **common),
        _row("(1)", "mde", 0.57, entity_fe=False, time_fe=False, **common),
        _row("(2)", "im_index", -0.139, se=0.11, p=p_fe, wild_p=0.19, entity_fe=True, time_fe=True, **common),
        _row("(2)", "gov", -0.001, se=0.002, p=0.6, entity_fe=True, time_fe=True, **common),
        _row("(2)", "mde", 0.318, entity_fe=True, time_fe=True, **common),
    ])  # fmt: skip


def _heterogeneity(central_clusters: float = 9.0) -> pd.DataFrame:
    return pd.DataFrame([
        _row("region=east", "im_index", -0.06, p=0.5, wild_p=0.41, n_clusters=10.0, nobs=70, merged_from=""),
        _row("region=central", "im_index", 0.27, p=0.44, wild_p=0.55, n_clusters=central_clusters, nobs=63,
             merged_from="northeast"),
        _row("period=early", "im_index", -0.17, p=0.22, wild_p=0.23, n_clusters=30.0, nobs=120, merged_from=""),
        _row("moderator=human_capital", "im_index", -0.01, p=0.9, n_clusters=30.0, nobs=210),
        _row("equality:region", "equality_F", 0.134, p=0.915, p_analytic=0.875, n_clusters=30.0),
    ])  # fmt: skip


def _falsification(p_base: float = 0.22) -> pd.DataFrame:
    return pd.DataFrame([
        _row("baseline", "im_index", -0.139, p=p_base), _row("lead1", "im_index", -0.15, p=0.5),
        _row("lead1", "F1.im_index", -0.033, p=0.897), _row("permutation", "im_index", -0.139, p=0.414),
        _row("permutation", "ri_p", 0.414), _row("permutation", "ri_draws", 999.0),
        _row("trends", "im_index", 0.002, p=0.987), _row("oster", "oster_beta", -0.115),
        _row("oster", "oster_delta", 4.392), _row("oster", "oster_r2", 0.125),
        _row("oster", "oster_rmax", 0.162),
    ])  # fmt: skip


def _multiverse() -> pd.DataFrame:
    return pd.DataFrame([{
        "y": "tfp_solow", "n_specs": 504, "n_headline": 252, "require_time_effects": True,
        "share_significant": 0.0794, "share_significant_positive": 0.0,
        "share_significant_negative": 0.0794, "share_same_sign": 0.976, "median_std": -0.144,
        "q25_std": -0.204, "q75_std": -0.089, "share_significant_no_time_effects": 0.778,
    }])  # fmt: skip


def _design() -> pd.DataFrame:
    base = {"outcome": "tfp_solow", "pretrend_df": 7, "breakdown_rm_first": 0.0, "breakdown_sd": 0.0,
            "breakdown_sd_first": 0.0, "pretest_alpha": 0.05, "min_breakdown": 1.0}  # fmt: skip
    return pd.DataFrame([
        {**base, "estimator": "cs", "att": 2.204, "p": 0.015, "pretrend_p": 0.004, "ri_p": 0.027,
         "breakdown_rm": 0.0, "flag_pretrend": True, "flag_breakdown": True, "stars_allowed": False},
        {**base, "estimator": "twfe_static", "att": 0.8, "p": 0.03, "pretrend_p": 0.6, "ri_p": 0.31,
         "breakdown_rm": 1.7, "flag_pretrend": False, "flag_breakdown": False, "stars_allowed": True},
        {**base, "estimator": "bjs", "att": 0.1, "p": 0.6, "pretrend_p": 0.5, "ri_p": np.nan,
         "breakdown_rm": 1.2, "flag_pretrend": False, "flag_breakdown": False, "stars_allowed": True},
    ])  # fmt: skip


def report(lang: str, **kw) -> str:
    args = {
        "heterogeneity": _heterogeneity(), "falsification": _falsification(),
        "multiverse": _multiverse(), "designs": {"pilot_zone": _design()},
    }  # fmt: skip
    args.update(kw)
    baseline = args.pop("baseline", _baseline())
    return credibility.credibility_report(
        baseline, _analysis(), args.pop("config", demo_config()), language=lang, **args
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_section_is_present_in_one_language(lang):
    text = report(lang)
    for key in ("headline", "columns", "clusters", "overlap", "falsification", "did", "multiverse"):
        heading = messages.text(f"cred.h.{key}", lang=lang, x="", y="").split("{")[0]
        assert heading[:6] in text, key
    assert messages.text("cred.not_run", lang=lang) not in text  # every input was given
    assert not foreign(text, lang), foreign(text, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_missing_models_say_so_and_stay_pure(lang):
    text = report(lang, heterogeneity=None, falsification=None, multiverse=None, designs=None)
    assert text.count(messages.text("cred.not_run", lang=lang)) == 4
    assert not foreign(text, lang)


def test_headline_reads_the_stored_mde_and_the_within_shares():
    text = report("en")
    frame = _analysis()
    x_share = within_share(frame, "im_index")
    assert "| MDE (80% power, 5% size) | 0.318 |" in text
    assert f"| \\|β\\| / MDE | {0.139 / 0.318:.2f} |" in text
    assert f"{100 * x_share:.1f}%" in text
    assert f"{100 * within_share(frame, 'tfp_solow'):.1f}%" in text
    # the headline is the last fixed-effects column, not the pooled one
    assert "| Baseline column | (2) |" in text and "| (1) | none | 2 | 1.900 |" in text
    assert "Randomisation-inference p (999 permutations) | 0.414" in text
    assert "detect only effects of at least 0.318" in text
    low = x_share < credibility.LOW_WITHIN_SHARE
    assert ("of the regressor's variance is left after" in text) == low


def test_a_regressor_with_little_within_variation_is_read_so():
    frame = _analysis()
    frame["im_index"] = (
        frame.groupby("province")["tfp_solow"].transform("mean") + 0.01 * frame["year"]
    )
    frame.loc[frame.index[::7], "im_index"] += 0.05
    share = within_share(frame, "im_index")
    assert share < credibility.LOW_WITHIN_SHARE
    base = _baseline()
    text = credibility.credibility_report(base, frame, demo_config(), language="en")
    assert f"Only {100 * share:.1f}% of the regressor's variance is left after" in text


def test_oster_delta_only_when_beta_is_significant():
    withheld = messages.text("cred.v.oster_withheld", lang="en", size="5%")
    assert withheld in report("en")
    shown = report("en", baseline=_baseline(p_fe=0.01), falsification=_falsification(p_base=0.01))
    assert withheld not in shown
    assert "Oster δ (selection ratio that drives β to 0) | 4.39 |" in shown
    assert "Oster bias-adjusted β (δ = 1)" in shown
    assert "β is significant at 5% (p = 0.010)" in shown
    # a significant β that randomisation inference does not support is read so
    assert "randomisation-inference p of 0.414 does not support" in shown


def test_clusters_per_subgroup_against_the_floor():
    text = report("zh")
    assert "| 中部（含东北） | 9 | 63 |" in text
    assert messages.text("cred.clusters.ok", lang="zh") in text
    assert "调节变量" not in text  # moderator columns are the full sample, not subgroups
    assert "F = 0.134，野聚类自助法 p 值 = 0.915，F 分布 p 值 = 0.875" in text
    low = report("en", heterogeneity=_heterogeneity(central_clusters=3.0))
    assert "Subgroups below the floor: Central (incl. Northeast)." in low


def test_did_stars_follow_the_summary_and_randomisation_inference():
    text = report("en")
    rows = {line.split(" | ")[1]: line for line in text.splitlines() if line.startswith("| TFP")}
    assert rows["CS"].endswith(
        "| withheld (the pre-trend test rejects, the breakdown M̄ is below the rule) |"
    )
    assert "| 0.004 (7) |" in rows["CS"] and "| 0.00 / 0.00 |" in rows["CS"]
    assert rows["Static TWFE"].endswith("| kept, but RI p ≥ 0.1 |")
    assert rows["BJS"].endswith("| none (not significant) |")
    # a design without a label is numbered, never printed by its key
    assert "pilot_zone" not in text and "### DID design 1" in text


def test_multiverse_share_by_outcome():
    text = report("en")
    assert (
        "| Multiverse: share significant at 5%, same outcome | 7.9% of 252 specifications |" in text
    )
    assert "| 504 | 252 | 7.9% | 0.0% | 7.9% | 97.6% | -0.144 [-0.204, -0.089] | 77.8% |" in text
    other = _multiverse().assign(y="tfp_malmquist")
    assert "the multiverse does not vary this outcome" in report("en", multiverse=other)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_source_overlaps_of_the_real_config(lang):
    """The real config's TFP and IM index share industry output and employment (imtfp.lineage)."""
    real = yaml.safe_load((ROOT / "configs/real_nbs.yaml").read_text(encoding="utf-8"))
    base = _baseline().replace({"term": {"im_index": "im_index"}})
    frame = _analysis().rename(columns={"tfp_solow": "tfp_industry_solow"})
    text = credibility.credibility_report(
        base, frame, real, language=lang, multiverse=_multiverse().assign(y="tfp_industry_solow")
    )
    name = "工业增加值" if lang == "zh" else "Industrial value added"
    section = text.split("## 4")[1].split("## 5")[0]
    assert name in section and name in text.split("## 2")[0]
    assert not foreign(text, lang), foreign(text, lang)


def test_options_and_inputs_are_checked():
    with pytest.raises(ConfigError, match="language"):
        credibility.credibility_report(_baseline(), _analysis(), demo_config(), language="both")
    with pytest.raises(ReportError, match="no row of the regressor"):
        credibility.headline_column(_baseline(), "ccd")


def test_rule_inputs_follow_the_models_of_the_run():
    cfg = {"multiverse": {"chunks": 1}, "designs": {"pilot_zone": {}}}
    paths = credibility.report_inputs(cfg, models=["baseline", "falsification"])
    assert paths == {
        "baseline": "models/baseline.parquet", "analysis": "measure/analysis.parquet",
        "falsification": "models/falsification.parquet",
        "multiverse": "robustness/multiverse/summary_by_outcome.parquet",
        "design_pilot_zone": "designs/pilot_zone/summary.parquet",
    }  # fmt: skip
    frames = {k: pd.DataFrame() for k in paths}
    args = credibility.report_arguments(frames)
    assert set(args["designs"]) == {"pilot_zone"} and "design_pilot_zone" not in args
    assert credibility.report_arguments({"baseline": pd.DataFrame()})["designs"] is None


def test_run_summary_points_to_the_report(tmp_path):
    assert credibility.summary_pointer(tmp_path, lang="en") == ""
    (tmp_path / "quality").mkdir()
    for rel in credibility.REPORT_FILES.values():
        (tmp_path / rel).write_text("x", encoding="utf-8")
    line = credibility.summary_pointer(tmp_path, lang="zh")
    assert "可信度报告" in line and "quality/credibility.zh.md、quality/credibility.en.md" in line
