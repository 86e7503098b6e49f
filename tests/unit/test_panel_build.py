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
