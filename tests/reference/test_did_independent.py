"""DiD estimators against independent second implementations on ``mpdta``.

* Static TWFE and the Bacon decomposition: linearmodels ``PanelOLS`` (entity and time effects) gives
  the TWFE coefficient; the decomposition's weights must sum to 1 and its weighted 2×2 estimates
  must equal that coefficient (Goodman-Bacon 2021, Theorem 1), to 1e-10.
* Sun–Abraham without covariates, never-treated control and reference period -1 equals
  Callaway–Sant'Anna with a universal base period at every event time (Sun & Abraham 2021, §4;
  fixest/did documentation), to 1e-10.
* BJS imputation point estimates equal Gardner's two-stage DiD: statsmodels OLS of y on unit and
  year dummies on the untreated observations, then mean residuals of the treated by event time.
* Randomisation inference: its statistic at the identity permutation equals the CS overall ATT.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from linearmodels import PanelOLS

from imtfp.models.did import (
    att_gt,
    bacon_decomposition,
    did_imputation,
    randomization_inference,
    static_twfe,
    sun_abraham,
)

pytestmark = pytest.mark.reference
DATA = Path(__file__).resolve().parents[1] / "data" / "reference" / "mpdta.csv"
KEYS = dict(y="lemp", entity="countyreal", time="year", group="first.treat")


@pytest.fixture(scope="module")
def mpdta():
    return pd.read_csv(DATA)


def test_static_twfe_and_bacon_match_linearmodels(mpdta):
    df = mpdta.assign(
        D=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(float)
    )
    fit = PanelOLS(df.set_index(["countyreal", "year"])["lemp"], df.set_index(["countyreal", "year"])[["D"]],
                   entity_effects=True, time_effects=True).fit()  # fmt: skip
    ours = static_twfe(mpdta, **KEYS)
    assert abs(ours.att - fit.params["D"]) < 1e-10
    bacon = bacon_decomposition(mpdta, **KEYS).comparisons
    assert abs(bacon["weight"].sum() - 1) < 1e-10
    assert abs(float(bacon["weight"] @ bacon["estimate"]) - fit.params["D"]) < 1e-10
    assert set(bacon["type"]) == {"treated_vs_never", "earlier_vs_later", "later_vs_earlier"}


def test_sun_abraham_equals_cs_universal_base(mpdta):
    sa = sun_abraham(mpdta, bootstrap=0, **KEYS)
    cs = att_gt(mpdta, base_period="universal", bootstrap=0, **KEYS).aggregate("dynamic")
    cs_tab = cs.table.set_index("event_time")["att"]
    for e, b in zip(sa.index, sa.coef, strict=True):
        assert abs(b - cs_tab.loc[e]) < 1e-10, e


def test_imputation_equals_two_stage(mpdta):
    df = mpdta.copy()
    rel = np.where(df["first.treat"] > 0, df["year"] - df["first.treat"], np.nan)
    treated = rel >= 0
    first = smf.ols("lemp ~ C(countyreal) + C(year)", data=df[~treated]).fit()
    resid = df.loc[treated, "lemp"] - first.predict(df[treated])
    by_e = resid.groupby(rel[treated]).mean()
    ours = did_imputation(mpdta, bootstrap=0, **KEYS)
    got = dict(zip(ours.index, ours.coef, strict=True))
    for e, v in by_e.items():
        assert abs(got[e] - v) < 1e-8, e
    assert abs(ours.overall["att"] - resid.mean()) < 1e-8


def test_permutation_statistic_is_the_cs_estimate(mpdta):
    for cg in ("never_treated", "not_yet_treated"):
        ri = randomization_inference(mpdta, control_group=cg, bootstrap=0, **KEYS)
        cs = att_gt(mpdta, control_group=cg, bootstrap=0, **KEYS).aggregate("dynamic")
        assert abs(ri.estimate - cs.overall["att"]) < 1e-12
