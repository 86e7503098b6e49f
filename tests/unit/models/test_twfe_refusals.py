"""Issue 23 item 8: twfe refuses non-finite values in its sample and y among its regressors."""

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError, EstimationError
from imtfp.models.panel import twfe

pytestmark = pytest.mark.unit


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {"province": np.repeat(np.arange(6), 5), "year": np.tile(np.arange(2010, 2015), 6)}
    )
    df["x"] = rng.normal(size=len(df))
    df["z"] = rng.normal(size=len(df))
    df["y"] = df["x"] + rng.normal(size=len(df))
    return df


@pytest.mark.parametrize("column", ["x", "y", "z"])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_twfe_refuses_infinite_values_naming_column_and_rows(column, value):
    df = _panel()
    df.loc[7, column] = value
    with pytest.raises(EstimationError, match=f"non-finite.*'{column}'.*province 1, year 2012"):
        twfe(df, y="y", x="x", controls=["z"])


def test_twfe_formula_refuses_infinite_values():
    df = _panel()
    df.loc[0, "x"] = np.inf
    with pytest.raises(EstimationError, match="non-finite.*'x'"):
        twfe(df, "y ~ x | province + year")


def test_missing_values_are_still_dropped_not_refused():
    df = _panel()
    df.loc[7, "x"] = np.nan
    assert twfe(df, y="y", x="x").nobs == len(df) - 1


@pytest.mark.parametrize("kw", [dict(y="y", x="y"), dict(y="y", x="x", controls=["y"])])
def test_twfe_refuses_y_among_the_regressors(kw):
    with pytest.raises(EstimationError, match="dependent variable 'y' is also a regressor"):
        twfe(_panel(), **kw)


def test_twfe_formula_refuses_y_among_the_regressors():
    # the formula parser refuses it first, as a ConfigError (an ImtfpError, never a bare ValueError)
    with pytest.raises(ConfigError, match="'y'.*regressor"):
        twfe(_panel(), "y ~ y + x | province + year")
