"""Multiverse summaries by outcome on standardised β (imtfp.robustness.collect_multiverse)."""

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.models.multiverse import estimate_specifications, specification_grid
from imtfp.models.multiverse_summary import outcome_summaries, standardise, within_sd
from imtfp.robustness import collect_multiverse

pytestmark = pytest.mark.unit
CONTROL_SETS = {"none": [], "full": ["c"]}
SAMPLES = {"all": {}}


def panel(seed: int = 2, G: int = 31, T: int = 10) -> pd.DataFrame:
    # y1 responds to x within provinces; y2 (in other units) only through a common trend in x,
    # which the year effects absorb and the entity-only specifications do not
    rng = np.random.default_rng(seed)
    prov = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(2011, 2011 + T), G)
    mu = rng.normal(size=G)[prov]
    trend = 0.3 * (year - 2011)
    df = pd.DataFrame({"province": [f"{11 + p:02d}" for p in prov], "year": year})
    df["x"] = mu + trend + rng.normal(size=G * T)
    df["c"] = rng.normal(size=G * T)
    df["y1"] = 0.4 * df["x"] + mu + rng.normal(size=G * T)
    df["y2"] = 50 * (mu + trend + rng.normal(size=G * T))
    return df


SPEC = {
    "choices": {"y": ["y1", "y2"], "x": ["x"], "controls": ["none", "full"], "fe": ["twoway", "entity"]},
    "baseline": {"y": "y1", "x": "x", "controls": "full", "fe": "twoway"},
}  # fmt: skip


@pytest.fixture(scope="module")
def chunks():
    specs = specification_grid(SPEC["choices"])
    out = estimate_specifications(
        panel(), specs, samples=SAMPLES, control_sets=CONTROL_SETS, seed=1
    )
    return [out]


def test_within_sd_is_xtsums_within():
    df = panel()
    got = within_sd(df, ["x", "y2", "nope"])
    for col in ("x", "y2"):
        dev = [v - df.loc[df.province == p, col].mean() + df[col].mean()
               for p, v in zip(df.province, df[col], strict=True)]  # fmt: skip
        assert got[col] == pytest.approx(np.std(dev, ddof=1), rel=1e-12)
    assert np.isnan(got["nope"])


def test_standardised_beta_is_free_of_units(chunks):
    df = panel()
    scaled = df.assign(x=df["x"] * 7.0, y1=df["y1"] * 0.01)
    specs = specification_grid(SPEC["choices"])
    again = estimate_specifications(
        scaled, specs, samples=SAMPLES, control_sets=CONTROL_SETS, seed=1
    )
    a = standardise(chunks[0], within_sd(df, ["x", "y1", "y2"]))
    b = standardise(again, within_sd(scaled, ["x", "y1", "y2"]))
    assert np.allclose(a["estimate_std"], b["estimate_std"], rtol=1e-9)
    assert not np.allclose(a["estimate"], b["estimate"])


def test_summaries_are_per_outcome_and_leave_out_specs_without_time_effects(chunks):
    results, summary, by = collect_multiverse(chunks, SPEC, data=panel())
    assert list(by["y"]) == ["y1", "y2"]
    assert (by["n_specs"] == 4).all() and (by["n_headline"] == 2).all()
    assert (by["n_no_time_effects"] == 2).all() and by["require_time_effects"].all()
    y1, y2 = by.set_index("y").loc["y1"], by.set_index("y").loc["y2"]
    assert y1["share_significant"] == 1.0 and y1["share_same_sign"] == 1.0
    # y2 moves with x only through the common trend: significant without year effects alone
    assert y2["share_significant"] == 0.0 and y2["share_significant_no_time_effects"] == 1.0
    assert y2["share_significant_all"] == 0.5
    assert set(results.loc[~results["headline"], "fe"]) == {"entity"}
    # the one-row headline is the baseline outcome's curve with time effects
    row = summary.iloc[0]
    assert len(summary) == 1 and row["outcome"] == "y1" and row["n_specs"] == 2
    assert row["n_specs_all"] == 8 and row["n_excluded"] == 4
    base = results.loc[
        (results.y == "y1") & (results.controls == "full") & (results.fe == "twoway")
    ]
    assert row["baseline_estimate"] == base["estimate"].iloc[0]
    assert y1["baseline_estimate"] == row["baseline_estimate"]


def test_the_switch_puts_specs_without_time_effects_back(chunks):
    spec = {**SPEC, "summary": {"require_time_effects": False}}
    results, summary, by = collect_multiverse(chunks, spec, data=panel())
    assert results["headline"].all() and not by["require_time_effects"].any()
    assert (by["n_headline"] == 4).all() and summary.iloc[0]["n_specs"] == 4
    assert by.set_index("y").loc["y2", "share_significant"] == 0.5


def test_a_baseline_without_time_effects_needs_the_switch(chunks):
    spec = {**SPEC, "baseline": {**SPEC["baseline"], "fe": "entity"}}
    with pytest.raises(ConfigError, match="require_time_effects"):
        collect_multiverse(chunks, spec, data=panel())


def test_without_data_no_standardised_columns(chunks):
    results, _, by = collect_multiverse(chunks, SPEC)
    assert "estimate_std" not in results and by["median_std"].isna().all()
    assert outcome_summaries(results).shape[0] == 2
