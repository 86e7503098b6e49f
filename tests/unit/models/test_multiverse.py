"""Unit tests of the multiverse engine: grid, chunks, missing values, summary, options.

Invariants and independent second implementations only (no stored outputs of
the engine); the comparison with linearmodels lives in
tests/reference/test_multiverse_vs_linearmodels.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.core.wild import wild_cluster_bootstrap
from imtfp.errors import ConfigError, EstimationError
from imtfp.models.multiverse import (
    choice_influence,
    chunk_specs,
    estimate_specifications,
    specification_curve_summary,
    specification_grid,
)

pytestmark = pytest.mark.unit

SAMPLES = {
    "all": {},
    "no_munic": {"drop_provinces": ["11", "12", "31", "50"]},
    "to2019": {"years": [2011, 2019]},
}
CONTROL_SETS = {"none": [], "base": ["c1"], "full": ["c1", "c2"]}


def toy_panel(seed: int = 1, G: int = 31, T: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    prov = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(2011, 2011 + T), G)
    mu = rng.normal(size=G)[prov]
    lam = rng.normal(size=T)[year - 2011]
    df = pd.DataFrame({"province": [f"{11 + p:02d}" for p in prov], "year": year})
    df["c1"] = mu + rng.normal(size=G * T)
    df["c2"] = lam + rng.normal(size=G * T)
    df["x1"] = 0.5 * mu + lam + rng.normal(size=G * T)
    df["x2"] = rng.normal(size=G * T)
    df["y"] = 0.5 * df["x1"] + 0.3 * df["c1"] + mu + lam + rng.normal(size=G * T)
    return df


def grid() -> pd.DataFrame:
    return specification_grid(
        {
            "y": ["y"],
            "x": ["x1", "x2"],
            "controls": ["none", "base", "full"],
            "sample": list(SAMPLES),
            "fe": ["twoway", "entity"],
            "winsor": [0.0, 0.02],
            "lag": [0, 1],
            "cov": ["clustered", "driscoll_kraay"],
        }
    )


def run(data, specs, **kw):
    return estimate_specifications(data, specs, samples=SAMPLES, control_sets=CONTROL_SETS, **kw)


# ---------------------------------------------------------------- grid and chunks


def test_grid_is_the_full_product_with_stable_ids():
    choices = {"a": [1, 2, 3], "b": ["u", "v"], "c": [0.0, 0.5, 1.0, 2.0]}
    g = specification_grid(choices)
    assert len(g) == 3 * 2 * 4
    assert g["spec_id"].tolist() == list(range(24))
    assert list(g.columns) == ["spec_id", "a", "b", "c"]
    assert not g.duplicated(subset=["a", "b", "c"]).any()
    pd.testing.assert_frame_equal(g, specification_grid(choices))
    assert g.iloc[1][["a", "b", "c"]].tolist() == [1, "u", 0.5]  # last choice varies fastest


def test_grid_rejects_bad_choice_sets():
    with pytest.raises(ConfigError, match="twice"):
        specification_grid({"a": [1, 1]})
    with pytest.raises(ConfigError, match="no levels"):
        specification_grid({"a": []})
    with pytest.raises(ConfigError, match="reserved"):
        specification_grid({"estimate": [1]})


@pytest.mark.parametrize("n_chunks", [1, 3, 7, 500])
def test_chunks_partition_the_grid(n_chunks):
    g = grid()
    parts = [chunk_specs(g, n_chunks, c) for c in range(n_chunks)]
    ids = np.concatenate([p["spec_id"].to_numpy() for p in parts])
    assert np.array_equal(ids, g["spec_id"].to_numpy())  # each spec once, in order
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1


def test_chunk_rejects_bad_index():
    with pytest.raises(ConfigError, match="chunk"):
        chunk_specs(grid(), 3, 3)
    with pytest.raises(ConfigError, match="n_chunks"):
        chunk_specs(grid(), 0, 0)


def test_chunked_run_equals_serial_run_exactly():
    data = toy_panel()
    data.loc[[5, 40, 100], "c2"] = np.nan
    g = grid()
    serial = run(data, g)
    chunked = pd.concat([run(data, chunk_specs(g, 5, c)) for c in range(5)], ignore_index=True)
    pd.testing.assert_frame_equal(chunked, serial, check_exact=True)
    # a single spec alone gives the very same floats as inside the full run
    alone = run(data, g.iloc[[137]]).iloc[0]
    assert (
        alone["estimate"] == serial.iloc[137]["estimate"] and alone["se"] == serial.iloc[137]["se"]
    )


# ---------------------------------------------------------------- missing values


def test_missing_values_are_dropped_per_spec_and_counted():
    data = toy_panel()
    data.loc[[3, 50, 51], "c2"] = np.nan  # province 11 (row 3) and 15 (rows 50, 51)
    data.loc[[200], "x1"] = np.nan
    specs = pd.DataFrame(
        {
            "spec_id": range(5),
            "y": "y",
            "x": ["x1", "x1", "x1", "x2", "x1"],
            "controls": ["none", "base", "full", "full", "full"],
            "sample": ["all", "all", "all", "all", "no_munic"],
            "lag": [0, 0, 0, 0, 1],
        }
    )
    out = run(data, specs)
    n, g = len(data), data["province"].nunique()
    # expected counts from an independent pandas computation
    assert out["n_dropped"].tolist()[:4] == [1, 1, 4, 3]
    kept = data[~data["province"].isin(["11", "12", "31", "50"])].copy()
    lagged = kept.merge(
        data.assign(year=data["year"] + 1)[["province", "year", "x1"]].rename(
            columns={"x1": "Lx1"}
        ),
        on=["province", "year"],
        how="left",
    )
    expected = int(lagged[["y", "Lx1", "c1", "c2"]].isna().any(axis=1).sum())
    assert out.loc[4, "n_dropped"] == expected and expected > g - 4  # first year + the holes
    assert (out["nobs"].iloc[:4] + out["n_dropped"].iloc[:4] == n).all()
    assert out.loc[4, "nobs"] + out.loc[4, "n_dropped"] == len(kept)


def test_lag_uses_the_previous_year_of_the_same_entity():
    """x1 lagged with the engine equals the regression on a hand-built lag column."""
    data = toy_panel()
    data["Lx1"] = data.groupby("province")["x1"].shift(1)
    lag = run(data, pd.DataFrame({"spec_id": [0], "y": ["y"], "x": ["x1"], "lag": [1]}))
    hand = run(data, pd.DataFrame({"spec_id": [0], "y": ["y"], "x": ["Lx1"], "lag": [0]}))
    assert lag.loc[0, "estimate"] == pytest.approx(hand.loc[0, "estimate"], rel=1e-12)
    assert lag.loc[0, "se"] == pytest.approx(hand.loc[0, "se"], rel=1e-12)
    assert lag.loc[0, "n_dropped"] == data["province"].nunique()


# ---------------------------------------------------------------- agreement with the project's own TWFE and WCR


def test_baseline_equals_fit_twfe():
    """The multiverse baseline must reproduce the main table (imtfp.models.panel, Stata df convention)."""
    from imtfp.models.panel import fit_twfe

    data = toy_panel()
    spec = pd.DataFrame(
        {"spec_id": [0, 1], "y": "y", "x": "x1", "controls": "full", "fe": ["twoway", "entity"]}
    )
    out = run(data, spec)
    for i, eff in enumerate(["twoway", "entity"]):
        row = (
            fit_twfe(data, y="y", x="x1", controls=["c1", "c2"], effects=eff, cov="clustered")
            .tidy()
            .iloc[0]
        )
        assert out.loc[i, "estimate"] == pytest.approx(row["estimate"], rel=1e-10)
        assert out.loc[i, "se"] == pytest.approx(row["se"], rel=1e-10)
        assert out.loc[i, "p"] == pytest.approx(row["p"], rel=1e-8)


def test_wild_p_equals_wcr_with_explicit_dummies():
    """p_wild (effects absorbed) equals the WCR test on the dummy-variable regression (same seed and weights)."""
    data = toy_panel()
    spec = pd.DataFrame(
        {"spec_id": [0, 1], "y": "y", "x": ["x1", "x2"], "controls": "base", "fe": "twoway"}
    )
    out = run(data, spec, bootstrap=399, seed=11)
    for i, x in enumerate(["x1", "x2"]):
        D = pd.get_dummies(data["province"], dtype=float).to_numpy()
        Tm = pd.get_dummies(data["year"], dtype=float).to_numpy()[:, 1:]
        X = np.column_stack([data[[x, "c1"]].to_numpy(), D, Tm])
        ref = wild_cluster_bootstrap(
            X,
            data["y"].to_numpy(),
            data["province"].to_numpy(),
            param=0,
            bootstrap=399,
            weights="webb",
            seed=11,
            level=None,
        )
        assert out.loc[i, "p_wild"] == pytest.approx(ref.p_value, abs=1.5 / 399)
    assert (
        out.loc[0, "p_wild"] < 0.01 and out.loc[1, "p_wild"] > 0.01
    )  # x1 has a strong effect, x2 none


# ---------------------------------------------------------------- options, errors, progress


def test_bad_options_raise_naming_the_value():
    data = toy_panel()
    with pytest.raises(ConfigError, match="'random'"):
        run(data, pd.DataFrame({"y": ["y"], "x": ["x1"], "fe": ["random"]}))
    with pytest.raises(ConfigError, match="'nowhere'"):
        run(data, pd.DataFrame({"y": ["y"], "x": ["x1"], "sample": ["nowhere"]}))
    with pytest.raises(ConfigError, match="'kitchen'"):
        run(data, pd.DataFrame({"y": ["y"], "x": ["x1"], "controls": ["kitchen"]}))
    with pytest.raises(ConfigError, match="'ols'"):
        estimate_specifications(data, pd.DataFrame({"y": ["y"], "x": ["x1"]}), dof="ols")


def test_absorbed_regressor_raises_estimation_error():
    data = toy_panel()
    data["prov_const"] = data["province"].astype(int) * 1.0
    with pytest.raises(EstimationError, match="specification 0"):
        run(data, pd.DataFrame({"spec_id": [0], "y": ["y"], "x": ["prov_const"], "fe": ["entity"]}))


def test_progress_reports_about_every_five_percent():
    calls = []
    g = grid()
    run(toy_panel(), g, progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == len(g) and all(t == len(g) for _, t in calls)
    assert 5 <= len(calls) <= 21 + 1


# ---------------------------------------------------------------- summary


def toy_results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "spec_id": [0, 1, 2, 3],
            "fe": ["twoway", "twoway", "entity", "entity"],
            "lag": [0, 1, 0, 1],
            "estimate": [1.0, 2.0, -1.0, 4.0],
            "se": 1.0,
            "t": [1.0, 2.0, -1.0, 4.0],
            "p": [0.30, 0.04, 0.30, 0.001],
            "ci_low": [0.0, 1.0, -2.0, 3.0],
            "ci_high": [2.0, 3.0, 0.0, 5.0],
            "nobs": 10,
            "n_dropped": 0,
            "p_wild": [0.5, 0.06, 0.4, 0.01],
        }
    )


def test_summary_on_a_known_toy():
    s = specification_curve_summary(toy_results(), baseline_spec_id=0, truth=-1.5).iloc[0]
    assert s["n_specs"] == 4
    assert s["share_same_sign"] == 0.75
    assert s["share_significant"] == 0.5
    assert s["share_significant_same_sign"] == 0.5
    assert s["share_significant_wild"] == 0.25
    assert s["median"] == 1.5 and s["q25"] == 0.5 and s["q75"] == 2.5 and s["iqr"] == 2.0
    assert s["min"] == -1.0 and s["max"] == 4.0
    assert not s["truth_in_estimate_range"] and s["truth_in_ci_range"]
    assert s["share_ci_cover_truth"] == 0.25 and s["n_truth_specs"] == 4
    # means by fe: twoway 1.5, entity 1.5 -> 0; by lag: 0 -> 0, 1 -> 3 -> range 3
    assert s["most_influential_choice"] == "lag" and s["influence"] == 3.0


def test_truth_is_compared_only_with_the_baselines_regressor_and_outcome():
    """A truth about x on y says nothing about another regressor (other units): those specs are left out."""
    res = toy_results().assign(y="tfp", x=["im", "im", "ccd", "im"])
    s = specification_curve_summary(res, baseline_spec_id=0, truth=-1.5).iloc[0]
    assert s["n_truth_specs"] == 3
    # the only spec whose CI covers -1.5 is spec 2, a different regressor: now no coverage at all
    assert not s["truth_in_ci_range"] and s["share_ci_cover_truth"] == 0.0
    assert s["min"] == -1.0  # the curve statistics still describe every specification
    res = res.assign(x="im", y=["tfp", "tfp", "tfp_malmquist", "tfp"])
    assert (
        specification_curve_summary(res, baseline_spec_id=0, truth=-1.5).iloc[0]["n_truth_specs"]
        == 3
    )


def test_choice_influence_is_sorted():
    infl = choice_influence(toy_results())
    assert infl["choice"].tolist() == ["lag", "fe"]
    assert infl["range_of_means"].tolist() == [3.0, 0.0]
    assert infl.loc[0, "level_max"] == "1"


def test_choice_influence_ignores_the_columns_the_summaries_add():
    """A real run named ci_high_std the choice that moves estimates most: the standardised
    estimates, time_effects and headline are derived columns, not choices."""
    res = toy_results()
    res = res.assign(
        estimate_std=res["estimate"] * 10, ci_low_std=0.0, ci_high_std=res["estimate"] * 100,
        time_effects=True, headline=res["estimate"] > 0,
    )  # fmt: skip
    assert choice_influence(res)["choice"].tolist() == ["lag", "fe"]


def test_summary_needs_the_baseline():
    with pytest.raises(ConfigError, match="99"):
        specification_curve_summary(toy_results(), baseline_spec_id=99)


def test_find_spec_locates_the_baseline():
    from imtfp.models.multiverse import find_spec

    g = grid()
    values = {
        "y": "y",
        "x": "x2",
        "controls": "full",
        "sample": "all",
        "fe": "entity",
        "winsor": 0.02,
        "lag": 0,
        "cov": "clustered",
    }
    sid = find_spec(g, values)
    row = g.loc[g["spec_id"] == sid].iloc[0]
    assert all(row[k] == v for k, v in values.items())
    with pytest.raises(ConfigError, match="matches 2"):
        find_spec(g, {k: v for k, v in values.items() if k != "lag"})


def test_specification_curve_protocol():
    """SpecificationCurve: params/bse by spec_id; p and CI from each spec's own t(df_inf), as the columns."""
    from imtfp.models.multiverse import SpecificationCurve

    data = toy_panel()
    specs = specification_grid(
        {
            "y": ["y"],
            "x": ["x1"],
            "controls": ["none", "base"],
            "cov": ["clustered", "driscoll_kraay"],
        }
    )
    out = run(data, specs, seed=1)
    curve = SpecificationCurve(out)
    assert list(curve.params.index) == out["spec_id"].tolist()
    np.testing.assert_allclose(curve.pvalues, out["p"], rtol=1e-12)
    ci = curve.conf_int(0.95)
    np.testing.assert_allclose(ci["lower"], out["ci_low"], rtol=1e-12)
    np.testing.assert_allclose(ci["upper"], out["ci_high"], rtol=1e-12)
    g, t = data["province"].nunique(), data["year"].nunique()
    assert set(out["df_inf"]) == {g - 1, t - 1} and (out["n_clusters"] == g).all()
    assert "specification curve, 4 specifications" in curve.summary()
    assert list(curve.tidy()["term"]) == [f"spec{i}" for i in out["spec_id"]]
