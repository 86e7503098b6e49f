"""The industrial TFP chain (imtfp.tfp.industry): pieces by hand, and recovery of the demo's truth.

The demo simulates industry with ``ln A_I = μ_i + λ_t + β_I·IM + ε`` and ``Y = A K^α L^(1−α)``
(imtfp.demo.simulate_industry; α = 0.40, β_I = 0.25 in truth.yaml under ``industry``), K and L
exogenous. Recovery bounds come from the simulation's own Monte Carlo spread (20 seeds, same IM).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from imtfp import demo
from imtfp.core.fe import demean, group_codes
from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp import build_tfp_chains, industry_capital, industry_checks
from imtfp.tfp.industry import build_industry_tfp, industry_spec, price_level

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
SEED = 20241128


@cache
def _tfp_spec() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["tfp"]


@cache
def _im() -> pd.DataFrame:
    return demo.simulate(SEED)["latent"][["province", "year", "im_index"]]


def _run(seed: int, *, methods=("solow",), **industry) -> dict:
    spec = {
        **_tfp_spec(),
        "industry": {**_tfp_spec()["industry"], **industry, "methods": list(methods)},
    }
    ind = demo.simulate_industry(seed, _im())
    wide = ind["wide"]
    panel = wide[wide["year"] >= demo.YEARS[0]].merge(_im(), on=["province", "year"])
    cap = industry_capital(wide, spec)
    frame, el = build_industry_tfp(panel, cap, spec)
    return {"truth": ind["truth"], "frame": frame.merge(_im()), "el": el, "cap": cap, "spec": spec}


def _within(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    groups = [group_codes(frame["province"].to_numpy()), group_codes(frame["year"].to_numpy())]
    return demean(frame[cols].to_numpy(float), groups)


def _beta_im(frame: pd.DataFrame, col: str) -> float:
    w = _within(frame, [col, "im_index"])
    return float(w[:, 1] @ w[:, 0] / (w[:, 1] @ w[:, 1]))


@cache
def _monte_carlo() -> pd.DataFrame:
    rows = []
    for seed in range(20):
        r = _run(seed)
        rows.append(
            {"alpha": r["el"]["alpha"].iloc[0], "beta": _beta_im(r["frame"], "tfp_industry_solow")}
        )
    return pd.DataFrame(rows)


def test_capital_stock_is_the_simulated_one():
    """The pipeline's PIM from the written investment, price index and net fixed assets is the
    simulated K (the truth is built from the same rounded files): equal to rounding error."""
    r = _run(SEED)
    m = r["truth"].merge(r["cap"], on=["province", "year"], suffixes=("_true", ""))
    assert len(m) == 31 * 12
    np.testing.assert_allclose(m["capital"], m["capital_true"], rtol=1e-10)


def test_elasticity_and_tfp_recovered():
    truth = yaml.safe_load((ROOT / "data/raw/demo/truth.yaml").read_text(encoding="utf-8"))
    alpha, beta = truth["industry"]["alpha"], truth["industry"]["beta_im"]
    mc = _monte_carlo()
    sd_a, sd_b = mc["alpha"].std(ddof=1), mc["beta"].std(ddof=1)
    # unbiased over the replications (3 Monte Carlo standard errors)
    assert abs(mc["alpha"].mean() - alpha) < 3 * sd_a / np.sqrt(len(mc))
    assert abs(mc["beta"].mean() - beta) < 3 * sd_b / np.sqrt(len(mc))
    r = _run(SEED)
    el = r["el"].iloc[0]
    assert abs(el["alpha"] - alpha) < 3 * sd_a
    # the reported clustered standard error is of the size of the Monte Carlo spread
    assert 0.5 * sd_a < el["se_alpha"] < 2 * sd_a
    assert el["returns_to_scale"] == pytest.approx(1.0)
    assert abs(_beta_im(r["frame"], "tfp_industry_solow") - beta) < 3 * sd_b
    # ln Â follows ln A within provinces and years
    m = r["truth"].merge(r["frame"], on=["province", "year"])
    w = _within(m, ["lnA", "tfp_industry_solow"])
    assert np.corrcoef(w.T)[0, 1] > 0.99


def test_income_share_elasticity_is_one_minus_the_labour_share():
    r = _run(SEED, elasticities="income_share")
    el = r["el"].iloc[0]
    assert el["method"] == "income_share"
    assert el["alpha"] == pytest.approx(0.40, abs=0.01)  # 1 − (0.60 + N(0, 0.02)) on 372 rows
    assert el["alpha_min"] < el["alpha"] < el["alpha_max"]
    first = r["frame"].groupby("province")["year"].transform("min") == r["frame"]["year"]
    assert (r["frame"].loc[first, "tfp_industry_solow"] == 0).all()  # cumulative Törnqvist


def test_malmquist_and_misallocation_columns():
    r = _run(SEED, methods=("solow", "malmquist"))
    f = r["frame"]
    first = f.groupby("province")["year"].transform("min") == f["year"]
    assert (f.loc[first, "tfp_industry_malmquist"] == 1.0).all()
    # misallocation: output-share weighted τ sums to zero within a year only if …; its degree ≥ 0
    assert (f[["misalloc_k", "misalloc_l"]] >= 0).all().all()
    assert np.allclose(f["misalloc_k"], f["tau_k"].abs())


def test_price_level_chains_the_index_to_the_base_year():
    frame = pd.DataFrame({"province": ["11"] * 3, "year": [2010, 2011, 2012]})
    level = price_level(frame, np.array([105.0, 102.0, 110.0]), base_year=2011)
    np.testing.assert_allclose(level, [1 / 1.02, 1.0, 1.10])


def test_spec_errors_name_the_key():
    with pytest.raises(ConfigError, match="tfp.industry.labour is required"):
        industry_spec({"industry": {"investment": "x", "initial_stock": "y", "base_year": 2011}})
    with pytest.raises(ConfigError, match="tfp.industry: unknown keys"):
        industry_spec({"industry": {"outputs": "x"}})
    spec = {**_tfp_spec()["industry"], "methods": ["sfa"]}
    with pytest.raises(ConfigError, match="tfp.industry.methods item"):
        industry_spec({"industry": spec})
    with pytest.raises(ConfigError, match="income_share needs"):
        industry_spec({"industry": {**_tfp_spec()["industry"], "elasticities": "income_share",
                                    "labour_share": None}})  # fmt: skip


def test_elasticity_outside_the_unit_interval_is_an_error():
    r = _run(SEED)
    ind = demo.simulate_industry(SEED, _im())
    panel = ind["wide"][ind["wide"]["year"] >= demo.YEARS[0]]
    panel = panel.merge(r["cap"][["province", "year", "capital"]], on=["province", "year"])
    # output times (L/K)²: ln(Y/L) falls with ln(K/L), a capital elasticity near α − 2 < 0
    panel["industry_va"] *= (panel["manuf_employment"] / panel["capital"]) ** 2
    with pytest.raises(EstimationError, match="not both in \\(0, 1\\)"):
        build_industry_tfp(panel.drop(columns="capital"), r["cap"], r["spec"])


def test_chains_build_both_and_check_the_outcome():
    r = _run(SEED)
    spec = {**r["spec"], "chains": ["industry"], "outcome": "tfp_industry_solow"}
    ind = demo.simulate_industry(SEED, _im())
    panel = ind["wide"][ind["wide"]["year"] >= demo.YEARS[0]]
    out = build_tfp_chains(panel, {"industry": r["cap"]}, spec)
    assert "tfp_industry_solow" in out["tfp"] and len(out["elasticities"]) == 1
    with pytest.raises(ConfigError, match="not produced"):
        build_tfp_chains(panel, {"industry": r["cap"]}, {**spec, "outcome": "tfp_solow"})
    with pytest.raises(ConfigError, match="no capital stock given"):
        build_tfp_chains(panel, {}, spec)


def _with_break(r: dict, province: str, year: int, factor: float) -> pd.DataFrame:
    """Capital frame with real investment of ``province`` multiplied by ``factor`` from ``year``."""
    cap = r["cap"].copy()
    hit = (cap["province"] == province) & (cap["year"] >= year)
    cap.loc[hit, "real_invest"] *= factor
    out = []
    for _, g in cap.groupby("province", sort=False):
        k = g["capital"].to_numpy().copy()
        inv = g["real_invest"].to_numpy()
        for t in range(1, len(k)):
            k[t] = (1 - 0.096) * k[t - 1] + inv[t]
        out.append(g.assign(capital=k))
    return pd.concat(out)


def test_capital_break_check_fails_on_a_statistics_break_and_passes_without():
    r = _run(SEED)
    spec = {**r["spec"], "industry": {**r["spec"]["industry"], "checks": {
        "capital_breaks": {"kind": "capital_break", "severity": "fail", "threshold": 40,
                           "max_points": 0.5}}}}  # fmt: skip
    clean = industry_checks(r["frame"], r["cap"], spec)
    assert clean["status"].tolist() == ["pass"]
    broken = _with_break(r, "21", 2016, 0.3)  # Liaoning-like: investment −70 % from 2016
    # TFP as the chain would compute it on the broken capital (same α)
    frame = r["frame"].merge(broken[["province", "year", "capital"]], on=["province", "year"])
    alpha = frame["alpha_industry"]
    frame["tfp_industry_solow"] = (
        np.log(frame["va_real_industry"]) - alpha * np.log(frame["capital"])
        - (1 - alpha) * np.log(frame["labour_industry"])
    )  # fmt: skip
    frame["capital_industry"] = frame.pop("capital")
    res = industry_checks(frame, broken, spec)
    assert res["status"].tolist() == ["fail"]
    assert res["provinces"].iloc[0] == ["辽宁"] and res["years"].iloc[0] == [2016]
    # accepted with a reason: reported, not counted
    accept = {"accept": [{"province": "辽宁", "year": 2016, "reason": "documented"}]}
    spec["industry"]["checks"]["capital_breaks"].update(accept)
    res = industry_checks(frame, broken, spec)
    assert res["status"].tolist() == ["pass"] and "documented" in res["accepted"].iloc[0]


def test_investment_splice_bridges_the_break():
    """The same break declared in ``splice.investment`` is bridged before the accumulation."""
    r = _run(SEED)
    spec = r["spec"]
    ind = demo.simulate_industry(SEED, _im())
    wide = ind["wide"].copy()
    hit = (wide["province"] == "21") & (wide["year"] >= 2016)
    wide.loc[hit, "fai_manufacturing"] *= 0.3
    splice = {"investment": [{"province": "辽宁", "year": 2016, "growth_from": "before"}]}
    cap = industry_capital(wide, {**spec, "industry": {**spec["industry"], "splice": splice}})
    ln = cap[cap["province"] == "21"].set_index("year")["real_invest"]
    before = r["cap"][r["cap"]["province"] == "21"].set_index("year")["real_invest"]
    g = (before[2015] / before[2013]) ** 0.5  # growth across the seam = mean of the two before
    assert ln[2016] / ln[2015] == pytest.approx(g, rel=1e-9)
    assert ln[2017] / ln[2016] == pytest.approx(before[2017] / before[2016], rel=1e-9)
