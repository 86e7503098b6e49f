"""Split samples, centred moderation and the equality test."""

import numpy as np
import pytest

from imtfp.core.vcov import InferenceLimits
from imtfp.errors import ConfigError, EstimationError
from imtfp.models.heterogeneity import group_equality_test, moderation, split_samples
from imtfp.models.panel import twfe
from imtfp.results import ResultSet

pytestmark = pytest.mark.unit


def test_split_equals_subset_fit(panel):
    # the northeast has 3 provinces: refused by default (issue 16), reported with a warning on request
    with pytest.raises(EstimationError, match="region=northeast: .*only 3 clusters"):
        split_samples(panel, y="y", x="x", controls=["z"])
    with pytest.warns(UserWarning, match="3 clusters"):
        fits = split_samples(panel, y="y", x="x", controls=["z"], periods={"early": [2011, 2016]},
                             limits=InferenceLimits(few_clusters="warn"))  # fmt: skip
    assert isinstance(fits, ResultSet)
    out = fits.tidy(table="heterogeneity")
    east = out[(out["column"] == "region=east") & (out["term"] == "x")].iloc[0]
    ref = (
        twfe(panel[panel.region == "east"], y="y", x="x", controls=["z"])
        .tidy()
        .set_index("term")
        .loc["x"]
    )
    assert east.estimate == pytest.approx(ref.estimate) and east.se == pytest.approx(ref.se)
    early = out[out["column"] == "period=early"]
    assert early["nobs"].iloc[0] == 31 * 6
    assert set(out["column"]) == {
        "region=central",
        "region=east",
        "region=northeast",
        "region=west",
        "period=early",
    }


def test_bad_period(panel):
    with pytest.raises(ConfigError, match="start <= end"):
        split_samples(panel, y="y", x="x", by=None, periods={"bad": [2020, 2012]})


def test_moderation_marginal_effects(panel):
    res = moderation(panel, y="y", x="x", moderator="z", quantiles=(0.5,))
    out = res.tidy(column="moderator=z").set_index("term")
    beta, theta = out.loc["x", "estimate"], out.loc["x_x_z_c", "estimate"]
    zc = np.quantile(panel["z"], 0.5) - panel["z"].mean()
    assert out.loc["me_q50", "estimate"] == pytest.approx(beta + theta * zc)
    # the interaction is absent in the simulation: a 4-se band
    assert abs(theta) < 4 * out.loc["x_x_z_c", "se"]
    # the protocol: the marginal effect is a term with the variance of β + m·θ (AVA')
    assert res.params["me_q50"] == out.loc["me_q50", "estimate"]
    assert res.bse["me_q50"] == pytest.approx(out.loc["me_q50", "se"], rel=1e-12)
    i, j = res.terms.index("x"), res.terms.index("x_x_z_c")
    V = res.vcov
    assert V[i, -1] == pytest.approx(V[i, i] + zc * V[i, j], rel=1e-10)


def test_equality_test_detects_difference(panel):
    same = group_equality_test(panel, y="y", x="x", group="region", controls=["z"])
    assert same.df_num == 3 and same.F >= 0 and 0 <= same.p <= 1
    # the protocol covers the three differences from the base group; a single one is t² = F
    assert list(same.params.index) == [f"x_x_region={g}" for g in same.groups[1:]]
    one = group_equality_test(
        panel[panel.region.isin(["central", "east"])], y="y", x="x", group="region", controls=["z"]
    )
    assert one.tvalues.iloc[0] ** 2 == pytest.approx(one.F) and one.pvalues.iloc[
        0
    ] == pytest.approx(one.p)
    df = panel.copy()
    df.loc[df.region == "west", "y"] += 2.0 * df.loc[df.region == "west", "x"]
    diff = group_equality_test(df, y="y", x="x", group="region", controls=["z"])
    assert diff.p < 1e-3 and diff.differences["west"] == pytest.approx(
        2.0 + same.differences["west"], abs=0.3
    )
