import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.panel import build_panel, derive, fill_missing

pytestmark = pytest.mark.unit


def _obs():
    rows = []
    for prov in ("11", "12"):
        for year in range(2010, 2015):
            if (prov, year) == ("11", 2012) or (prov, year) == ("12", 2014):
                continue  # gaps: one inside, one at the end
            rows.append((prov, year, "gdp", float(year - 2000 + int(prov))))
            rows.append((prov, year, "population", 10.0))
    return pd.DataFrame(rows, columns=["province", "year", "indicator", "value"])


def test_interpolation_flags_every_filled_cell():
    out = build_panel(_obs(), {"years": [2010, 2014], "missing": "interpolate", "drop_provinces": [],
                               "derived": {"gdp_pc": "gdp / population"}})  # fmt: skip
    p = out["panel"].set_index(["province", "year"])
    assert p.loc[("11", 2012), "gdp"] == pytest.approx(23.0)  # midway between 22 and 24
    assert p.loc[("12", 2014), "gdp"] == pytest.approx(25.0)  # nearest observed at the end
    assert p.loc[("11", 2012), "gdp_pc"] == pytest.approx(2.3)
    imp = out["imputed"]
    assert set(map(tuple, imp[["province", "year", "indicator", "method"]].values.tolist())) >= {
        ("11", 2012, "gdp", "interpolate"), ("12", 2014, "gdp", "carry")}  # fmt: skip
    # the other 29 provinces have no data at all: they stay missing, nothing invented
    assert p.xs("13", level="province")["gdp"].isna().all()
    assert out["panel"]["region"].notna().all()


def test_policy_none_leaves_gaps():
    panel, imputed = fill_missing(
        pd.DataFrame({"province": ["11"] * 3, "year": [1, 2, 3], "x": [1, np.nan, 3]}),
        ["x"],
        "none",
    )
    assert panel["x"].isna().sum() == 1 and imputed.empty


def test_derived_expression_names_unknown_indicator():
    with pytest.raises(ConfigError, match="'gpd' is not an indicator"):
        derive(pd.DataFrame({"gdp": [1.0]}), {"y": "gpd * 2"})
    with pytest.raises(ConfigError, match="does not parse"):
        derive(pd.DataFrame({"gdp": [1.0]}), {"y": "gdp; DROP TABLE x"})


# ---- issue 23 item 5: derived names never replace a column; non-finite results are not data -----


def test_a_derived_name_may_not_shadow_an_indicator():
    spec = {"years": [2010, 2014], "missing": "none", "derived": {"gdp": "gdp * 2"}}
    with pytest.raises(ConfigError, match="'panel.derived.gdp'.*indicator 'gdp'"):
        build_panel(_obs(), spec)
    with pytest.raises(ConfigError, match="'panel.derived.population'.*panel column"):
        derive(_obs().pivot_table(index=["province", "year"], columns="indicator",
                                  values="value").reset_index(), {"population": "gdp"})  # fmt: skip


def test_the_config_refuses_a_derived_name_that_is_an_indicator_of_the_dataset():
    from imtfp.config import check_derived_names

    config = {"panel": {"derived": {"gdp_pc": "gdp / population"}},
              "robustness": {"chk": {"panel": {"derived": {"gdp": "gdp * 2"}}}}}  # fmt: skip
    with pytest.raises(ConfigError, match="'robustness.chk.panel.derived.gdp'.*indicator 'gdp'"):
        check_derived_names(config, ["gdp", "population"])
    check_derived_names(config, ["gdp_real", "population"])


def _obs_with_zero_population():
    obs = _obs()
    hit = (obs["province"] == "11") & (obs["year"] == 2011) & (obs["indicator"] == "population")
    return obs.assign(value=obs["value"].mask(hit, 0.0))


def test_non_finite_derived_cells_are_refused():
    spec = {"years": [2010, 2014], "missing": "none", "derived": {"gdp_pc": "gdp / population"}}
    with pytest.raises(ConfigError, match="'panel.derived.gdp_pc'.*not finite.*11 2011"):
        build_panel(_obs_with_zero_population(), spec)


def test_non_finite_derived_cells_are_rejects_under_reject():
    spec = {"years": [2010, 2014], "missing": "none",
            "derived": {"gdp_pc": "gdp / population", "l": "ln(gdp - gdp)", "s": "sqrt(0 - population)"}}  # fmt: skip
    out = build_panel(_obs_with_zero_population(), spec, on_bad_cell="reject")
    p = out["panel"].set_index(["province", "year"])
    assert np.isnan(p.loc[("11", 2011), "gdp_pc"])
    assert np.isfinite(p["gdp_pc"].dropna()).all() and p["l"].isna().all()
    rej = out["rejected"]
    assert rej.loc[rej["indicator"] == "gdp_pc", ["province", "year", "value"]].values.tolist() == [
        ["11", 2011, "inf"]
    ]
    # ln(0) = -inf and sqrt(-10) = NaN from observed inputs are rejects; missing inputs are not
    assert (rej["indicator"] == "l").sum() == 8 and (rej["indicator"] == "s").sum() == 7
    assert set(rej["reason"]) == {"derived value is not finite (division by zero, log of 0 or "
                                  "a negative number, overflow)"}  # fmt: skip


def test_panel_replace_substitutes_an_indicator_on_purpose():
    obs = _obs()
    spec = {"years": [2010, 2014], "missing": "none", "replace": {"population": "population * 2"},
            "derived": {"gdp_pc": "gdp / population"}}  # fmt: skip
    p = build_panel(obs, spec)["panel"].set_index(["province", "year"])
    assert p.loc[("11", 2010), "population"] == 20.0 and p.loc[("11", 2010), "gdp_pc"] == 21 / 20
    with pytest.raises(ConfigError, match="'panel.replace.pop'.*not an indicator"):
        build_panel(obs, {**spec, "replace": {"pop": "population"}})
