"""Statistical recovery on the simulated demo: each stage recovers the known truth (data/raw/demo/truth.yaml).

The chain runs in-process (ingest -> panel -> index -> capital -> TFP -> analysis frame) with the
repository's config.yaml, i.e. exactly what the Snakemake rules call.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import spearmanr

from imtfp.analysis import analysis_frame
from imtfp.index import build_index
from imtfp.ingest.manifest import load_manifest
from imtfp.panel import build_panel
from imtfp.tfp import build_tfp, capital_from_series
from imtfp.warehouse import ingest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def truth():
    return yaml.safe_load((DEMO / "truth.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def latent():
    return pd.read_csv(DEMO / "latent.csv", dtype={"province": str})


@pytest.fixture(scope="module")
def chain(config):
    wh = ingest(load_manifest(DEMO / "manifest.yaml"))
    panel = build_panel(wh.observations, config["panel"])
    idx = build_index(panel["panel"], {**config["index"], "coupling": config["coupling"]})
    capital = capital_from_series(panel["series"], config["tfp"])
    tfp = build_tfp(panel["panel"], capital, config["tfp"])
    return {"panel": panel, "index": idx, "capital": capital, "tfp": tfp}


@pytest.fixture(scope="module")
def frame(chain, latent):
    idx = chain["index"]
    out = analysis_frame(chain["panel"]["panel"], idx["index"], idx["coupling"], chain["tfp"])
    return out.merge(latent, on=["province", "year"], suffixes=("", "_true"), validate="one_to_one")


def test_index_is_the_simulated_regressor(frame):
    # The DGP's regressor is the index of the written indicators: equal up to the 10 digits latent.csv keeps.
    assert np.allclose(frame["im_index"], frame["im_index_true"], rtol=1e-8, atol=1e-9)


def test_index_ranks_like_the_latent_capacity(frame):
    # Monte Carlo over seeds 1..20 of imtfp.demo.simulate: Spearman(im_index, L) min 0.947,
    # mean 0.970, sd 0.010. Bound 0.93 = mean - 4 sd: fails only if the index stops tracking L.
    assert spearmanr(frame["im_index"], frame["L"]).statistic > 0.93
    for k in ("technology", "factors", "industry"):
        assert spearmanr(frame[k], frame[f"S_{k}"]).statistic > 0.93


def test_capital_stock_recovers_the_simulated_stock(chain, latent, truth, config):
    """The perpetual inventory K_t = (1 − δ)K_{t−1} + I_t/P_t with the true δ (truth.yaml).

    The pipeline's K̂ differs from the simulated K only through the initial stock (Hall–Jones
    start vs the DGP's steady state, see truth.yaml ``capital_base``) and the rounding of the
    written investment and price series. With the same δ and the same real investment, the gap
    D_t = K̂_t − K_t obeys D_t = (1 − δ)D_{t−1}, so D_2022 = (1 − δ)^11 D_2011 up to rounding (< 1 %
    of K here). A wrong depreciation rate breaks the law: with δ = 0.05, 0.08 or 0.11 the gap
    grows by 6–33 % of K; the final-year level error is 0.75 % with the true δ and ≥ 2 % for
    δ ∉ [0.09, 0.10].
    """
    delta = truth["delta"]
    assert config["tfp"]["capital"]["delta"] == delta
    k = chain["capital"].merge(
        latent, on=["province", "year"], suffixes=("", "_true"), validate="one_to_one"
    )
    gap = (
        (k["capital"] - k["capital_true"])
        .groupby([k["province"], k["year"]])
        .first()
        .unstack("year")
    )
    k_true = k.set_index(["province", "year"])["capital_true"].unstack("year")
    first, last = gap.columns.min(), gap.columns.max()
    law = (gap[last] - (1 - delta) ** (last - first) * gap[first]) / k_true[last]
    assert np.abs(law).max() < 0.01
    assert np.abs(np.log(1 + gap[last] / k_true[last])).max() < 0.015


def test_solow_residual_recovers_ln_a(chain, latent, truth, config):
    """ln TFP = ln Y − α ln K − (1 − α) ln L with the DGP's α, so that, the capital error removed,

        tfp_solow − ln A + α (ln K̂ − ln K) = ln Ŷ − ln Y − (1 − α)(ln L̂ − ln L)

    is only the measurement error of output and labour: the written GRP index (上年=100) is rounded
    to 0.1, a log error ≤ 0.05/95 per year, chained over the 11 years from the 2011 base: ≤ 0.0058.
    A wrong α adds (α − α̂) ln(K/L): 0.046 for |α − α̂| = 0.01, which fails the bound.
    """
    alpha = truth["alpha"]
    assert config["tfp"]["alpha"] == alpha
    # the TFP frame carries the K̂ it used (the capital stage's); latent.csv's capital is the true K
    f = (
        chain["tfp"]
        .rename(columns={"capital": "capital_hat"})
        .merge(latent, on=["province", "year"], validate="one_to_one")
    )
    measurement = f["tfp_solow"] - f["lnA"] + alpha * np.log(f["capital_hat"] / f["capital"])
    n_years = f["year"].max() - f["year"].min()
    assert np.abs(measurement).max() <= n_years * 0.05 / 95


@pytest.fixture(scope="module")
def models_spec(config):
    from imtfp.models.registry import model_spec

    spec = dict(config["models"])
    spec["mediation"] = {**spec["mediation"], "bootstrap": 999}
    return model_spec(spec)  # as rule `estimate` passes it: the schema's defaults filled in


def test_baseline_recovers_the_total_effect(frame, truth, config, models_spec):
    from imtfp.models.stages import estimate_baseline

    tidy = estimate_baseline(frame, models_spec, seed=config["seed"])
    last = tidy[(tidy["column"] == tidy["column"].iloc[-1]) & (tidy["term"] == "im_index")].iloc[0]
    assert last["entity_fe"] and last["time_fe"]
    # The DGP's total effect of the index on ln A is beta + sum_k a_k b_k (truth.yaml).
    assert last["ci_low"] <= truth["total_effect"] <= last["ci_high"]


def test_mediation_recovers_each_indirect_effect(frame, truth, config, models_spec):
    from imtfp.models.stages import estimate_mediation

    tidy = estimate_mediation(frame, models_spec, seed=config["seed"])
    for channel, true in truth["channels"].items():
        rows = tidy[tidy["column"] == channel].set_index("term")
        assert (
            rows.loc["indirect", "ci_low"] <= true["indirect"] <= rows.loc["indirect", "ci_high"]
        ), channel
        assert rows.loc["a", "ci_low"] <= true["a"] <= rows.loc["a", "ci_high"], channel
