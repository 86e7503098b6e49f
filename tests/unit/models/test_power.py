"""Minimum detectable effect and within share of variance (imtfp.models.power)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from imtfp.errors import ConfigError, MissingColumnError
from imtfp.models.panel import fit_twfe
from imtfp.models.power import mde_factor, minimum_detectable_effect, within_share
from imtfp.models.registry import model_spec
from imtfp.models.stages import estimate_baseline

pytestmark = pytest.mark.unit


def test_mde_factor_is_the_textbook_multiplier():
    """Bloom (1995, Evaluation Review 19(5), p. 550): with a two-sided 5 % test and 80 % power the
    minimum detectable effect is 2.8 standard errors for large samples (1.960 + 0.842)."""
    assert mde_factor(None) == pytest.approx(2.80, abs=0.005)
    assert mde_factor(29) == pytest.approx(stats.t(29).ppf(0.975) + stats.t(29).ppf(0.8), rel=1e-12)
    assert mde_factor(29) > mde_factor(None)  # fewer clusters, a larger multiplier
    with pytest.raises(ConfigError):
        mde_factor(10, power=1.0)


def _panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p, t = np.repeat(np.arange(30), 10), np.tile(np.arange(2008, 2018), 30)
    x = rng.normal(size=300) + 0.5 * p
    return pd.DataFrame({"province": p, "year": t, "x": x, "y": 0.3 * x + rng.normal(size=300)})


def test_mde_uses_the_fit_standard_error_and_t_reference():
    fit = fit_twfe(_panel(), y="y", x="x")
    assert fit.df_inf == 29
    assert minimum_detectable_effect(fit, "x") == pytest.approx(
        (stats.t(29).ppf(0.975) + stats.t(29).ppf(0.8)) * fit.stderr("x"), rel=1e-12
    )
    with pytest.raises(ConfigError, match="not a term"):
        minimum_detectable_effect(fit, "z")


def test_baseline_columns_end_with_an_mde_row():
    out = estimate_baseline(_panel(), model_spec({"y": "y", "x": "x", "controls": []}), seed=0)
    for _column, rows in out.groupby("column", sort=False):
        assert rows["term"].iloc[-1] == "mde"
        x = rows[rows["term"] == "x"].iloc[0]
        df = 29
        assert rows["estimate"].iloc[-1] == pytest.approx(mde_factor(df) * x["se"], rel=1e-12)
    assert out["column"].iloc[-1] == out["column"].unique()[-1]  # robustness reads the last column


def test_within_share_by_hand():
    d = _panel()
    # a variable made of province and year effects only has no within variation
    d["fe_only"] = d["province"] * 0.7 + (d["year"] - 2008) ** 2
    assert within_share(d, "fe_only") == pytest.approx(0.0, abs=1e-12)
    # balanced two-way: x − x̄_i − x̄_t + x̄
    x = d["x"]
    dd = x - x.groupby(d["province"]).transform("mean") - x.groupby(d["year"]).transform("mean")
    dd = dd + x.mean()
    assert within_share(d, "x") == pytest.approx(float(np.var(dd) / np.var(x)), rel=1e-10)
    assert 0 < within_share(d, "x", time=None) <= 1
    with pytest.raises(MissingColumnError):
        within_share(d, "nope")
