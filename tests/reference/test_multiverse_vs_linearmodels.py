"""The multiverse engine against linearmodels ``PanelOLS`` fitted spec by spec.

Source of the reference numbers: linearmodels 7.1 (``PanelOLS``), called
directly in this file on data prepared by an independent pandas
implementation of the choices (sample filter, within-sample winsorising with
``Series.quantile``, lag with ``groupby().shift``, complete cases).

* ``dof="stata"``: ``PanelOLS(entity_effects=True)`` with a constant and year
  dummies (two-way) or a constant (entity), ``fit(cov_type="clustered",
  cluster_entity=True, debiased=True, group_debias=True)`` — Stata's
  ``xtreg y x i.year, fe vce(cluster id)`` (linearmodels docs: "debiased=True
  and group_debias=True give the clustered covariance of Stata's xtreg, fe").
* ``dof="linearmodels"``: ``PanelOLS(entity_effects=True, time_effects=...)``
  with a constant, the same ``fit`` call (auto_df counts both effects when two
  are absorbed).

Tolerance: 1e-8 relative on estimates and clustered standard errors (both are
exact closed forms; differences are rounding only).

Published check: Grunfeld (1958) investment data as shipped with R ``plm``;
the within estimates of ``inv ~ value + capital`` are 0.1101238 (value) and
0.3100653 (capital) (Baltagi, *Econometric Analysis of Panel Data*, Table 2.1;
plm vignette, ``plm(inv ~ value + capital, Grunfeld, model = "within")``),
asserted to the published 7 digits (abs 5e-8); the clustered SE is checked
against PanelOLS at 1e-8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS

from imtfp.models.multiverse import estimate_specifications, specification_grid
from imtfp.provinces import codes, region

pytestmark = pytest.mark.reference

SAMPLES = {
    "all": {},
    "drop_munic": {"drop_provinces": ["11", "12", "31", "50"]},
    "from2013": {"years": [2013, 2022]},
    "drop2020": {"drop_years": [2020]},
    "east_central": {"regions": ["east", "central"]},
}
CONTROL_SETS = {"none": [], "base": ["c1", "c2"], "full": ["c1", "c2", "c3"]}
RTOL = 1e-8
REGION_OF = {c: region(c) for c in codes()}


def simulated_panel(seed: int = 7) -> pd.DataFrame:
    """31 provinces × 12 years with fixed effects, serial correlation and a few missing cells."""
    rng = np.random.default_rng(seed)
    prov = codes()
    years = np.arange(2011, 2023)
    df = pd.DataFrame([(p, t) for p in prov for t in years], columns=["province", "year"])
    n = len(df)
    a = rng.normal(size=len(prov))[np.repeat(np.arange(len(prov)), len(years))]
    g = rng.normal(size=len(years))[np.tile(np.arange(len(years)), len(prov))]
    for c in ("c1", "c2", "c3"):
        df[c] = 0.5 * a + rng.normal(size=n)
    df["x1"] = a + g + 0.5 * df["c1"] + rng.standard_t(4, size=n)
    df["x2"] = -a + 0.3 * g + rng.normal(size=n)
    df["y1"] = (
        0.4 * df["x1"] + 0.2 * df["c1"] - 0.1 * df["c3"] + 2 * a + g + rng.standard_t(5, size=n)
    )
    df["y2"] = -0.3 * df["x2"] + 0.5 * df["c2"] + a - g + rng.normal(size=n) * (1 + np.abs(a))
    df.loc[rng.choice(n, 6, replace=False), "c3"] = np.nan
    df.loc[rng.choice(n, 4, replace=False), "y2"] = np.nan
    return df


def reference_fit(data: pd.DataFrame, spec: pd.Series, dof: str) -> tuple[float, float, int]:
    """Estimate and clustered SE of one specification with linearmodels."""
    df = data.sort_values(["province", "year"]).copy()
    df["xr"] = df.groupby("province")[spec.x].shift(1) if spec.lag else df[spec.x]
    rule = SAMPLES[spec["sample"]]
    if "drop_provinces" in rule:
        df = df[~df["province"].isin(rule["drop_provinces"])]
    if "drop_years" in rule:
        df = df[~df["year"].isin(rule["drop_years"])]
    if "years" in rule:
        df = df[(df["year"] >= rule["years"][0]) & (df["year"] <= rule["years"][1])]
    if "regions" in rule:
        df = df[df["province"].map(REGION_OF).isin(rule["regions"])]
    controls = CONTROL_SETS[spec.controls]
    cols = [spec.y, "xr", *controls]
    if spec.winsor > 0:
        for c in cols:
            lo, hi = df[c].quantile([spec.winsor, 1 - spec.winsor])
            df[c] = df[c].clip(lo, hi)
    df = df.dropna(subset=cols)
    panel = df.set_index(["province", "year"])
    exog = panel[["xr", *controls]].copy()
    exog.insert(0, "const", 1.0)
    twoway = spec.fe == "twoway"
    if dof == "stata":
        if twoway:
            dummies = pd.get_dummies(
                panel.index.get_level_values("year"), prefix="yr", drop_first=True, dtype=float
            )
            dummies.index = panel.index
            exog = pd.concat([exog, dummies], axis=1)
        model = PanelOLS(panel[spec.y], exog, entity_effects=True)
    else:
        model = PanelOLS(panel[spec.y], exog, entity_effects=True, time_effects=twoway)
    res = model.fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    return float(res.params["xr"]), float(res.std_errors["xr"]), int(res.nobs)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulated_panel()


@pytest.fixture(scope="module")
def chosen_specs() -> pd.DataFrame:
    grid = specification_grid(
        {
            "y": ["y1", "y2"],
            "x": ["x1", "x2"],
            "controls": ["none", "base", "full"],
            "sample": list(SAMPLES),
            "fe": ["twoway", "entity"],
            "winsor": [0.0, 0.05],
            "lag": [0, 1],
        }
    )
    chosen = grid.sample(n=28, random_state=3).sort_values("spec_id")
    for c in ("y", "x", "controls", "sample", "fe", "winsor", "lag"):
        assert chosen[c].nunique() == grid[c].nunique(), (
            f"the sample of specs misses a level of {c}"
        )
    return chosen


@pytest.mark.parametrize("dof", ["stata", "linearmodels"])
def test_engine_equals_panelols(panel, chosen_specs, dof):
    out = estimate_specifications(
        panel, chosen_specs, samples=SAMPLES, control_sets=CONTROL_SETS, dof=dof
    ).set_index("spec_id")
    for _, spec in chosen_specs.iterrows():
        est, se, nobs = reference_fit(panel, spec, dof)
        got = out.loc[spec.spec_id]
        assert got["nobs"] == nobs
        assert got["estimate"] == pytest.approx(est, rel=RTOL), spec.to_dict()
        assert got["se"] == pytest.approx(se, rel=RTOL), spec.to_dict()


def test_driscoll_kraay_equals_panelols_kernel(panel):
    """DK: PanelOLS(entity, time effects).fit(cov_type="kernel", kernel="bartlett", bandwidth=2), debiased
    (factor N/(N−K) with all effects), same 1e-8 tolerance."""
    specs = pd.DataFrame(
        {
            "spec_id": [0, 1],
            "y": ["y1", "y1"],
            "x": ["x1", "x1"],
            "controls": ["base", "base"],
            "cov": ["driscoll_kraay", "clustered"],
        }
    )
    out = estimate_specifications(
        panel, specs, samples=SAMPLES, control_sets=CONTROL_SETS, dk_bandwidth=2
    )
    p = panel.set_index(["province", "year"])
    exog = p[["x1", "c1", "c2"]].assign(const=1.0)
    res = PanelOLS(p["y1"], exog, entity_effects=True, time_effects=True).fit(
        cov_type="kernel", kernel="bartlett", bandwidth=2, debiased=True
    )
    assert out.loc[0, "estimate"] == pytest.approx(res.params["x1"], rel=RTOL)
    assert out.loc[0, "se"] == pytest.approx(res.std_errors["x1"], rel=RTOL)
    assert out.loc[1, "se"] != pytest.approx(out.loc[0, "se"], rel=1e-3)


def test_grunfeld_within_published(reference_data):
    g = pd.read_csv(reference_data / "Grunfeld_plm.csv")
    specs = pd.DataFrame(
        {
            "spec_id": [0, 1],
            "y": ["inv", "inv"],
            "x": ["value", "capital"],
            "controls": ["other_v", "other_c"],
            "fe": ["entity", "entity"],
        }
    )
    out = estimate_specifications(
        g,
        specs,
        entity="firm",
        time="year",
        control_sets={"other_v": ["capital"], "other_c": ["value"]},
    )
    assert out.loc[0, "estimate"] == pytest.approx(0.1101238, abs=5e-8)
    assert out.loc[1, "estimate"] == pytest.approx(0.3100653, abs=5e-8)
    p = g.set_index(["firm", "year"])
    res = PanelOLS(p["inv"], p[["value", "capital"]].assign(const=1.0), entity_effects=True).fit(
        cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True
    )
    assert out.loc[0, "se"] == pytest.approx(res.std_errors["value"], rel=RTOL)
    assert out.loc[1, "se"] == pytest.approx(res.std_errors["capital"], rel=RTOL)
    assert (out["nobs"] == 200).all() and (out["n_dropped"] == 0).all()
