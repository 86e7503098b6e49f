"""DiD tables and figures from stored design results, in every format and language."""

import warnings

import numpy as np
import pandas as pd
import pytest

from imtfp.models.did.stages import design_checks, design_multiverse, design_results
from imtfp.report import write_table
from imtfp.report.did import did_figure, did_table
from imtfp.report.labels import LabelWarning
from imtfp.report.table import Provenance

pytestmark = pytest.mark.unit
PROV = Provenance(source="test", vintage="v1", config_hash="abc", versions={"imtfp": "0"})
DESIGN = {"d": {"zh": "试点政策", "en": "Pilot policy"}}


def cfg_in(language: str) -> dict:
    """A config in one language; the design ``d`` labelled (a DiD title names its design)."""
    return {"report": {"languages": [language], "variable_labels": DESIGN}}


def sim() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(24):
        g = (2014, 2016, 0)[i % 3]
        mu = rng.normal()
        for t in range(2011, 2020):
            eff = 0.2 * (t - g + 1) if g and t >= g else 0.0
            rows.append({"province": f"{i:02d}", "year": t, "first_treated": g,
                         "tfp_solow": mu + 0.05 * t + eff + rng.normal(0, 0.05)})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def inputs():
    spec = {"pilots": "x", "policy": "p", "level": "province", "outcomes": ["tfp_solow"], "bootstrap": 99,
            "ri_draws": 99, "multiverse": {"control_group": ["never_treated", "not_yet_treated"]}}  # fmt: skip
    frame = sim()
    out = design_results(frame, spec, design="d", seed=1)
    out["checks"] = design_checks({"baseline": out["summary"], "drop_2020": out["summary"]})
    out["multiverse"] = design_multiverse(frame, spec, design="d", seed=1)
    return out


@pytest.mark.parametrize("kind", ["results", "att_gt", "honest", "checks", "multiverse"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_table_in_every_format(inputs, kind, language, tmp_path):
    cfg = cfg_in(language)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelWarning)  # every word has a label
        table = did_table(kind, inputs, cfg, design="d", prov=PROV, simulated=True)
    paths = write_table(table, tmp_path / kind, ("tex", "docx", "md", "csv"))
    assert all(p.stat().st_size > 0 for p in paths)
    md = (tmp_path / f"{kind}.md").read_text(encoding="utf-8")
    assert ("Simulated" in md) or ("模拟数据" in md)


def test_results_table_reports_pretrend_ri_and_breakdown(inputs):
    table = did_table("results", inputs, cfg_in("en"), design="d", prov=PROV, simulated=False)
    labels = [r.label for r in table.rows]
    assert {
        "Pre-trend test p",
        "Randomisation-inference p",
        "Breakdown M̄ (relative magnitudes)",
    } <= set(labels)
    ri = next(r for r in table.rows if r.label == "Randomisation-inference p")
    assert ri.cells[0].text == "0.010"  # CS column: 1/(1+99), the true effect is large


@pytest.mark.parametrize("kind", ["event_study", "bacon"])
def test_figures(inputs, kind, tmp_path):
    from imtfp.report.figures import save_figure

    fig = did_figure(kind, inputs, cfg_in("en"), design="d", simulated=True)
    paths = save_figure(fig, tmp_path / kind)
    assert all(p.stat().st_size > 1000 for p in paths)
    if kind == "event_study":
        assert len(fig.axes[0].containers) == 4  # one errorbar series per estimator


@pytest.mark.parametrize("language", ["zh", "en"])
def test_flagged_estimates_print_without_stars_and_a_note_says_why(inputs, language):
    s = inputs["summary"].copy()
    assert {
        "stars_allowed",
        "flag_pretrend",
        "flag_breakdown",
        "pretrend_p",
        "breakdown_rm",
    } <= set(s)
    cs = s["estimator"] == "cs"
    s.loc[cs, ["stars_allowed", "flag_pretrend"]] = [False, True]
    flagged = {**inputs, "summary": s}
    cfg = cfg_in(language)
    before = did_table("results", inputs, cfg, design="d", prov=PROV, simulated=False)
    after = did_table("results", flagged, cfg, design="d", prov=PROV, simulated=False)
    att_before, att_after = before.rows[0].cells, after.rows[0].cells
    assert "*" in att_before[0].text and "*" not in att_after[0].text  # CS is the first column
    assert att_after[1].text == att_before[1].text  # the others keep their stars
    note = " ".join(after.notes)
    reason = "pre-trend test rejects" if language == "en" else "平行趋势检验拒绝"
    assert reason in note and "0.05" in note and reason not in " ".join(before.notes)


def test_no_note_when_only_insignificant_estimates_are_flagged(inputs):
    s = inputs["summary"].copy()
    s[["stars_allowed", "flag_breakdown", "p"]] = [False, True, 0.5]  # nothing would have stars
    table = did_table("results", {**inputs, "summary": s}, cfg_in("en"),
                      design="d", prov=PROV, simulated=False)  # fmt: skip
    assert "diagnostics contradict" not in " ".join(table.notes)
