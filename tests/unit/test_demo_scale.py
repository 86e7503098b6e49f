"""The scale demo: its simulated truth is recovered and every configured stage writes output."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from imtfp.demo_scale import run, simulate_panel

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.unit


def test_small_run_recovers_truth(tmp_path):
    config = yaml.safe_load(
        (ROOT / "configs" / "scale" / "demo_scale.yaml").read_text(encoding="utf-8")
    )
    config["out_dir"] = str(tmp_path)
    config["panels"] = {
        "tiny": {"entities": 120, "periods": 8, "keep": 0.9, "stages": ["baseline", "iv"]}
    }
    timings = run(config)
    assert list(timings["stage"]) == ["baseline", "iv"] and (timings["seconds"] >= 0).all()
    iv = pd.read_parquet(tmp_path / "tiny" / "models" / "iv.parquet").set_index(["column", "term"])
    est, se = iv.loc[("2sls", "x"), ["estimate", "se"]]
    assert abs(est - 0.4) < 4 * se  # total effect 0.3 + 0.2·0.5; OLS is biased upwards
    assert iv.loc[("ols", "x"), "estimate"] > est
    assert (tmp_path / "tiny" / "timings.csv").exists()


def test_simulated_panel_shape():
    df = simulate_panel(10, 5, keep=1.0, seed=1)
    assert len(df) == 50 and not df.duplicated(["unit", "year"]).any()
