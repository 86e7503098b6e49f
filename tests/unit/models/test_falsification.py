"""Falsification and sensitivity tests (imtfp.models.falsification)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.models.falsification import (
    apply_transforms,
    falsification_tests,
    lead,
    oster_beta,
    oster_delta,
    oster_moments,
    permutation_test,
    winsorize,
)

pytestmark = pytest.mark.unit


def test_lead_takes_the_same_entity_k_periods_later(panel):
    f2 = lead(panel, "x", entity="province", time="year", k=2)
    row = panel[(panel["province"] == "12") & (panel["year"] == 2013)].index[0]
    later = panel[(panel["province"] == "12") & (panel["year"] == 2015)]["x"].iloc[0]
    assert f2[row] == later
    assert f2[panel["year"] >= 2021].isna().all()


def test_permutation_p_is_small_for_a_real_effect_and_not_for_a_null(panel):
    strong = permutation_test(panel, y="y", x="x", controls=["z"], bootstrap=199, seed=3)
    assert strong["p"] == pytest.approx(1 / 200)
    rng = np.random.default_rng(9)
    null = panel.assign(y=rng.normal(size=len(panel)))
    assert permutation_test(null, y="y", x="x", controls=["z"], bootstrap=199, seed=3)["p"] > 0.05
    again = permutation_test(null, y="y", x="x", controls=["z"], bootstrap=199, seed=3)
    assert again == permutation_test(null, y="y", x="x", controls=["z"], bootstrap=199, seed=3)


@pytest.mark.parametrize("effects", ["twoway", "entity", "none"])
def test_vectorised_permutations_equal_refitting_each_draw(panel, effects):
    # second implementation: permute x trajectories explicitly and refit the model for each draw
    from imtfp.models.falsification import trajectory_permutations
    from imtfp.models.panel import fit_twfe

    rng = np.random.default_rng(4)
    data = panel.drop(index=panel.index[(panel["province"] == "12") & (panel["year"] == 2014)])
    data = data.assign(y=rng.normal(size=len(data)))  # unbalanced: one province has a gap
    got = permutation_test(
        data, y="y", x="x", controls=["z"], effects=effects, bootstrap=30, seed=5
    )
    df = data.sort_values(["province", "year"]).reset_index(drop=True)
    rows, n_perm = trajectory_permutations(df["province"].to_numpy(), df["year"].to_numpy(),
                                           bootstrap=30, seed=5)  # fmt: skip
    assert n_perm == df["province"].nunique() - 1  # the province with a gap cannot swap
    kw = dict(y="y", controls=["z"], entity="province", time="year", effects=effects)
    beta = float(fit_twfe(df, x="x", **kw).params["x"])
    betas = [float(fit_twfe(df.assign(x=df["x"].to_numpy()[r]), x="x", **kw).params["x"])
             for r in rows]  # fmt: skip
    assert got["estimate"] == pytest.approx(beta, rel=1e-10)
    assert got["p"] == (1 + sum(abs(b) >= abs(beta) * (1 - 1e-12) for b in betas)) / 31


def test_province_trends_absorb_a_trend_that_biases_the_baseline(panel):
    # x and y share province-specific trends: the baseline is biased, the trends column is not
    slope = {p: s for p, s in zip(sorted(panel["province"].unique()), np.linspace(-1, 1, 31))}
    t = panel["year"] - 2011
    trend = panel["province"].map(slope) * t
    data = panel.assign(x=panel["x"] + trend, y=panel["y"] + 2 * trend)
    spec = {"y": "y", "x": "x", "controls": ["z"], "falsification": {"trends": True}}
    out = falsification_tests(data, spec, seed=1).set_index(["column", "term"])["estimate"]
    assert abs(out[("trends", "x")] - 0.5) < abs(out[("baseline", "x")] - 0.5)


def test_every_configured_test_is_a_column(panel):
    spec = {
        "y": "y",
        "x": "x",
        "controls": ["z"],
        "falsification": {
            "leads": [1, 2],
            "permutation": {"bootstrap": 99},
            "placebo_outcomes": ["q"],
            "trends": True,
            "oster": {"rmax": 1.3},
        },
    }
    out = falsification_tests(panel, spec, seed=1)
    assert list(dict.fromkeys(out["column"])) == [
        "baseline",
        "lead1",
        "lead2",
        "permutation",
        "placebo:q",
        "trends",
        "oster",
    ]
    assert {"F1.x", "F2.x", "ri_p", "ri_draws", "oster_beta", "oster_delta", "oster_rmax"} <= set(
        out["term"]
    )
    assert (out["table"] == "falsification").all()


def oster_population(beta: float, n: int = 400_000, seed: int = 0) -> pd.DataFrame:
    """y = βx + w1 + w2 + e, x = w1 + w2 + u: the unobserved w2 is selected on exactly as the
    observed w1 (δ = 1), and R_max is the R² of the regression that includes w2."""
    rng = np.random.default_rng(seed)
    w1, w2, u, e = rng.normal(size=(4, n))
    x = w1 + w2 + u
    return pd.DataFrame(
        {
            "y": beta * x + w1 + w2 + e,
            "x": x,
            "w1": w1,
            "w2": w2,
            "province": np.arange(n) % 100,
            "year": np.arange(n) // 100,
        }
    )


def test_oster_recovers_the_true_effect_under_proportional_selection():
    # Oster (2019, Proposition 2): with the true δ and R_max, β* is the effect of the long model.
    beta = 0.3
    df = oster_population(beta)
    m = oster_moments(df, y="y", x="x", controls=["w1"], effects="none")
    assert m["beta_t"] == pytest.approx(beta + 0.5, abs=0.01)  # the controlled estimate is biased
    full = np.linalg.lstsq(
        np.column_stack([df[["x", "w1", "w2"]], np.ones(len(df))]), df["y"], rcond=None
    )
    r_max = 1 - np.sum(
        (df["y"] - np.column_stack([df[["x", "w1", "w2"]], np.ones(len(df))]) @ full[0]) ** 2
    ) / ((len(df) - 1) * df["y"].var())
    assert oster_beta(m, r_max, delta=1.0) == pytest.approx(beta, abs=0.01)
    assert oster_delta(m, r_max, beta=beta) == pytest.approx(1.0, abs=0.02)


def test_oster_delta_and_beta_are_inverse():
    # the δ that drives β* to 0 (closed form) is a root of the cubic that gives β* for a δ
    df = oster_population(0.8, n=50_000, seed=2)
    m = oster_moments(df, y="y", x="x", controls=["w1"], effects="none")
    for r_max in (0.6, 0.8, 1.0):
        d = oster_delta(m, r_max)
        assert d != pytest.approx(1.0, abs=1e-3)
        assert oster_beta(m, r_max, delta=d) == pytest.approx(0.0, abs=1e-8)
    # δ = 1 (quadratic) is the limit of the general cubic
    assert oster_beta(m, 0.9, 1.0) == pytest.approx(oster_beta(m, 0.9, 1.0 + 1e-7), abs=1e-5)


def test_transforms_log_and_winsorize(panel):
    data = panel.assign(pos=np.exp(panel["x"]))
    out = apply_transforms(
        data,
        {
            "y": "y",
            "x": "x",
            "controls": ["z"],
            "transforms": {"log": ["pos"], "winsorize": {"level": 0.05}},
        },
    )
    assert np.allclose(out["pos"], panel["x"])
    assert out["y"].max() == pytest.approx(panel["y"].quantile(0.95))
    assert out["q"].equals(panel["q"])  # not a model variable: untouched
    assert apply_transforms(panel, {"y": "y", "x": "x"}) is panel
    with pytest.raises(ConfigError, match="'x' has values ≤ 0"):
        apply_transforms(panel, {"y": "y", "x": "x", "transforms": {"log": ["x"]}})
    with pytest.raises(ConfigError):
        winsorize(panel["x"], 0.6)
