"""The fixest-style formula interface: parsing, interactions, and equality with the keyword calls."""

from __future__ import annotations

import numpy as np
import pytest

from imtfp.errors import ConfigError
from imtfp.models.formula import (
    add_interactions,
    feiv,
    feols,
    mediate,
    parse_formula,
    parse_iv_formula,
)
from imtfp.models.iv import iv_2sls
from imtfp.models.mediation_analysis import mediation
from imtfp.models.panel import fit_twfe

pytestmark = pytest.mark.unit


def _se(fit) -> np.ndarray:
    """Standard errors by the result protocol's name (bse), or PanelFit's (se)."""
    return np.asarray(fit.bse if hasattr(fit, "bse") else fit.se)


def test_parse_plain_and_absorbed():
    assert parse_formula("y ~ x + z | province + year") == ("y", ["x", "z"], ["province", "year"])
    assert parse_formula("  tfp~im_index  ") == ("tfp", ["im_index"], [])


def test_interactions_colon_and_star():
    assert parse_formula("y ~ x:z | a + b")[1] == ["x:z"]
    assert parse_formula("y ~ x*z + w")[1] == ["x", "z", "x:z", "w"]
    # a term repeated by the expansion appears once
    assert parse_formula("y ~ x + x*z")[1] == ["x", "z", "x:z"]


def test_iv_formula_parts():
    f = parse_iv_formula("y ~ z | province + year | x ~ w + q")
    assert (f.y, f.x, f.absorbed, f.endog, f.instruments) == (
        "y",
        ("z",),
        ("province", "year"),
        ("x",),
        ("w", "q"),
    )
    f0 = parse_iv_formula("y ~ 1 | x ~ w")
    assert f0.x == () and f0.absorbed == ()


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y x", "needs the form"),
        ("y ~ x + | a", "empty term"),
        ("y ~ y + x", "also a regressor"),
        ("y ~ x | a | b", "more than one part of absorbed"),
        ("y ~ x | a | x2 ~ w", "IV part"),
        ("y ~ log(x)", "not a column name"),
        ("y ~ 1", "no regressor"),
    ],
)
def test_bad_formulas_name_the_formula(formula, message):
    with pytest.raises(ConfigError, match=message) as err:
        parse_formula(formula)
    assert repr(formula) in str(err.value)


def test_iv_needs_enough_instruments():
    with pytest.raises(ConfigError, match="instrument"):
        parse_iv_formula("y ~ z | a + b | x + m ~ w")


def test_add_interactions_is_the_product(panel):
    out = add_interactions(panel, ["x:z", "x"])
    np.testing.assert_array_equal(out["x:z"].to_numpy(), (panel["x"] * panel["z"]).to_numpy())
    assert "x:z" not in panel.columns  # the input frame is not changed
    with pytest.raises(ConfigError, match="no column 'nope'"):
        add_interactions(panel, ["x:nope"])


def test_feols_equals_the_keyword_call(panel):
    by_formula = feols("y ~ x + z | province + year", panel, controls=["z"])
    by_keywords = fit_twfe(panel, y="y", x="x", controls=["z"], entity="province", time="year")
    np.testing.assert_allclose(
        np.asarray(by_formula.params), np.asarray(by_keywords.params), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(_se(by_formula), _se(by_keywords), rtol=0, atol=1e-12)
    assert by_formula.controls == ["z"]


def test_feols_interaction_equals_a_hand_made_product(panel):
    data = panel.assign(xz=panel["x"] * panel["z"])
    fit = feols("y ~ x*z | province + year", panel)
    ref = fit_twfe(data, y="y", x=["x", "z", "xz"], entity="province", time="year")
    assert fit.terms == ["x", "z", "x:z"]
    np.testing.assert_allclose(np.asarray(fit.params), np.asarray(ref.params), rtol=0, atol=1e-12)


def test_feols_one_way_and_pooled(panel):
    year_only = feols("y ~ x | year", panel)
    assert (year_only.entity_fe, year_only.time_fe) == (False, True)
    ent_only = feols("y ~ x | province", panel)
    assert (ent_only.entity_fe, ent_only.time_fe) == (True, False)
    pooled = feols("y ~ x", panel, cov="robust")
    assert (pooled.entity_fe, pooled.time_fe) == (False, False)


def test_feiv_equals_the_keyword_call(panel):
    got = feiv("y ~ z | province + year | x ~ w", panel)
    ref = iv_2sls(panel, y="y", endog="x", instruments=["w"], controls=["z"])
    np.testing.assert_allclose(
        got.tidy()["estimate"].to_numpy(), ref.tidy()["estimate"].to_numpy(), rtol=0, atol=1e-12
    )


def test_mediate_equals_the_keyword_call(panel):
    got = mediate("y ~ x + z | province + year", panel, m="m", seed=7, bootstrap=50)
    ref = mediation(panel, y="y", x="x", m="m", controls=["z"], seed=7, bootstrap=50)
    assert got.indirect == pytest.approx(ref.indirect, abs=1e-12)
    assert got.ci_percentile == pytest.approx(ref.ci_percentile, abs=1e-12)
