"""twfe / inference_panel: recovery of a known slope, invariants and error paths."""

import warnings

import numpy as np
import pytest
import statsmodels.formula.api as smf

from imtfp.core.vcov import InferenceLimits
from imtfp.errors import ConfigError, EstimationError
from imtfp.models.panel import fit_twfe, inference_panel, twfe
from imtfp.tidy import TIDY_COLUMNS

pytestmark = pytest.mark.unit


def test_tidy_format_and_recovery(panel):
    out = twfe(panel, y="y", x="x", controls=["z", "m"]).tidy()
    assert list(out.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    row = out.set_index("term").loc["x"]
    # truth 0.5; with 31 clusters a 4-se band fails with probability < 1e-4
    assert abs(row.estimate - 0.5) < 4 * row.se
    assert row.entity_fe and row.time_fe and row.nobs == 372 and row["cov"] == "clustered"
    assert row.ci_low < row.estimate < row.ci_high


def test_lsdv_equivalence(panel):
    """Two-way within estimates equal OLS with explicit province and year dummies."""
    fit = fit_twfe(panel, y="y", x="x", controls=["z"], cov="unadjusted")
    ref = smf.ols("y ~ x + z + C(province) + C(year)", data=panel).fit()
    np.testing.assert_allclose(fit.params, ref.params[["x", "z"]], rtol=1e-9)
    np.testing.assert_allclose(
        fit.se, ref.bse[["x", "z"]], rtol=1e-9
    )  # same K: slopes + dummies + constant


def test_no_effects_matches_statsmodels_cluster(panel):
    fit = fit_twfe(panel, y="y", x="x", controls=["z"], effects="none")
    ref = smf.ols("y ~ x + z", data=panel).fit(
        cov_type="cluster", cov_kwds={"groups": panel["province"].astype("category").cat.codes}
    )
    np.testing.assert_allclose(fit.params, ref.params[["x", "z"]], rtol=1e-9)
    np.testing.assert_allclose(
        fit.se, ref.bse[["x", "z"]], rtol=1e-9
    )  # statsmodels uses the same Stata factor


def test_driscoll_kraay_warns_short_panel(panel):
    # issue 16: refused below models.dk_min_periods unless models.dk_force, then warned
    with (
        pytest.raises(EstimationError, match="T = 12 periods, below the minimum of 20"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", UserWarning)
        fit_twfe(panel, y="y", x="x", cov="driscoll_kraay")
    with pytest.warns(UserWarning, match="T = 12"):
        fit_twfe(panel, y="y", x="x", cov="driscoll_kraay", limits=InferenceLimits(dk_force=True))


def test_inference_panel_columns(panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = inference_panel(panel, y="y", x="x", controls=["z"], bootstrap=199, seed=3,
                              limits=InferenceLimits(dk_force=True))  # fmt: skip
    out = res.tidy(table="inference")
    assert list(out["column"]) == [
        "clustered",
        "driscoll_kraay",
        "twoway_clustered",
        "wild_bootstrap",
    ]
    assert out["estimate"].nunique() == 1
    wild = out.iloc[3]
    assert 0 <= wild.p <= 1 and wild.ci_low < wild.estimate < wild.ci_high
    # the protocol: the wild member's p-value and interval are the bootstrap's
    assert res["wild_bootstrap"].pvalues["x"] == wild.p
    assert res["wild_bootstrap"].conf_int().loc["x", "lower"] == wild.ci_low
    assert res.params["clustered:x"] == wild.estimate


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(effects="both"), ConfigError, "'both'"),
        (dict(cov="hc3"), ConfigError, "'hc3'"),
        (dict(x="nope"), ConfigError, "nope"),
        (dict(x="y"), EstimationError, "also a regressor"),
        (dict(entity=None, effects="entity"), ConfigError, "entity"),
    ],
)
def test_bad_options(panel, kwargs, err, match):
    args = dict(y="y", x="x") | kwargs
    with pytest.raises(err, match=match):
        twfe(panel, **args)


def test_absorbed_regressor(panel):
    df = panel.assign(const_in_prov=panel["province"].astype(int) * 1.0)
    with pytest.raises(EstimationError):
        twfe(df, y="y", x="const_in_prov")


def test_duplicates_rejected(panel):
    with pytest.raises(EstimationError, match="duplicate"):
        twfe(panel.iloc[[0, 0, 1, 2]].reset_index(drop=True), y="y", x="x")


def test_missing_rows_dropped(panel):
    df = panel.copy()
    df.loc[:9, "z"] = np.nan
    fit = fit_twfe(df, y="y", x="x", controls=["z"])
    assert fit.nobs == len(panel) - 10


def _unbalanced_panel(seed=0, E=60, T=9):
    import pandas as pd

    rng = np.random.default_rng(seed)
    e, t = np.repeat(np.arange(E), T), np.tile(np.arange(T), E)
    keep = rng.random(E * T) < 0.6
    keep[e == 0] = False
    keep[(e == 0) & (t == 3)] = True  # a singleton entity
    e, t = e[keep], t[keep]
    n = len(e)
    a, g = rng.normal(size=E)[e], rng.normal(size=T)[t]
    df = pd.DataFrame(
        {"id": e, "yr": 2000 + t, "x": rng.normal(size=n) + a, "z": rng.normal(size=n) + g}
    )
    df["y"] = 0.7 * df.x - 0.2 * df.z + a + g + rng.normal(size=n)
    return df


def test_unbalanced_with_singletons_matches_panelols():
    """Slopes of the engine equal linearmodels PanelOLS (the test oracle) on an unbalanced panel."""
    from linearmodels import PanelOLS

    df = _unbalanced_panel()
    fit = fit_twfe(df, y="y", x="x", controls=["z"], entity="id", time="yr", cov="unadjusted")
    assert fit.n_singletons >= 1 and fit.nobs == len(df) - fit.n_singletons
    ref = PanelOLS(
        df.set_index(["id", "yr"]).y,
        df.set_index(["id", "yr"])[["x", "z"]],
        entity_effects=True,
        time_effects=True,
    ).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params[["x", "z"]].to_numpy(), rtol=1e-8)


def test_unbalanced_lsdv_standard_errors():
    """Conventional SEs equal OLS on explicit dummies once the singletons are removed."""
    df = _unbalanced_panel(1)
    fit = fit_twfe(df, y="y", x="x", controls=["z"], entity="id", time="yr", cov="unadjusted")
    used = fit.sample
    ref = smf.ols("y ~ x + z + C(id) + C(yr)", data=used).fit()
    np.testing.assert_allclose(fit.params, ref.params[["x", "z"]], rtol=1e-8)
    np.testing.assert_allclose(fit.se, ref.bse[["x", "z"]], rtol=1e-8)


def test_result_protocol(panel):
    fit = twfe(panel, y="y", x="x", controls=["z"])
    assert list(fit.params.index) == ["x", "z"] and fit.bse["x"] > 0
    assert fit.pvalues["x"] < 0.05 and fit.n_clusters == 31 and fit.df_inf == 30
    ci = fit.conf_int()
    assert ci.loc["x", "lower"] < fit.params["x"] < ci.loc["x", "upper"]
    text = fit.summary()
    assert "No. clusters" in text and "entity + time" in text and "x" in text


def test_collinear_control_omitted_with_warning(panel):
    df = panel.assign(z2=2 * panel["z"] - panel["x"])
    with pytest.warns(UserWarning, match=r"\['z2'\] omitted because of collinearity"):
        fit = fit_twfe(df, y="y", x="x", controls=["z", "z2"])
    assert fit.terms == ["x", "z"] and fit.omitted == ["z2"]


def test_constant_and_absorbed_regressors_named(panel):
    with pytest.raises(EstimationError, match=r"\['one'\] are constant"):
        fit_twfe(panel.assign(one=1.0), y="y", x="x", controls=["one"], effects="none")
    year_only = panel.assign(trend=panel["year"] * 1.0)
    with pytest.raises(
        EstimationError, match=r"\['trend'\] are absorbed by the entity \+ time fixed effects"
    ):
        fit_twfe(year_only, y="y", x="x", controls=["trend"])
