"""SFA-based TFP decomposition (:func:`imtfp.tfp.sfa.sfa_tfp`): identities and a known truth.

* Quadratic identity (Diewert 1976): for a translog frontier the change of fitted log output
  net of inefficiency, :math:`\\Delta(\\hat f + \\ln TE)`, equals
  :math:`\\sum_j\\bar\\varepsilon_j\\Delta\\ln x_j + TC + TEC` exactly, with :math:`\\bar\\varepsilon_j`
  the mean of the elasticities at t and t−1 and TC the mean of ∂f/∂t. Hence
  :math:`TC + TEC + SEC = \\Delta(\\hat f + \\ln TE) - \\sum_j\\overline{(\\varepsilon_j/\\varepsilon)}\\Delta\\ln x_j`
  (Orea 2002). Checked on riceProdPhil (R frontier's data) to 1e-10: this tests the analytic
  elasticities and ∂f/∂t against the fitted function itself.
* Elasticities equal central differences of the fitted frontier in ln x_j (1e-6).
* Cobb–Douglas with a time trend: TC is the trend coefficient, SEC is
  :math:`(\\varepsilon-1)/\\varepsilon\\,\\sum_j\\beta_j\\Delta\\ln x_j`.
* A simulated Cobb–Douglas panel with technical change 0.02 a year, constant returns and
  BC92 inefficiency decaying at η = 0.05 recovers TC, TEC > 0 and SEC ≈ 0 (fixed seed).
"""

import numpy as np
import pandas as pd
import pytest

from imtfp.tfp.sfa import sfa_tfp, translog

pytestmark = pytest.mark.reference

INPUTS = ["AREA", "LABOR", "NPK"]


@pytest.fixture(scope="module")
def rice(reference_data):
    return pd.read_csv(reference_data / "riceProdPhil_frontier.csv")


@pytest.fixture(scope="module")
def decomposition(rice):
    return sfa_tfp(rice, "PROD", INPUTS, entity="FMERCODE", time="YEARDUM")


def _lag(frame, col):
    return frame.groupby("FMERCODE")[col].shift(1)


def test_quadratic_identity(rice, decomposition):
    out = decomposition
    data = rice.sort_values(["FMERCODE", "YEARDUM"]).reset_index(drop=True)
    net = out["sfa_frontier"] + np.log(out["sfa_te"])
    lhs = net - _lag(out.assign(net=net), "net")
    share_growth = 0.0
    for c in INPUTS:
        share = out[f"sfa_elas_{c}"] / out["sfa_rts"]
        dx = np.log(data[c]) - np.log(data.groupby("FMERCODE")[c].shift(1))
        share_growth = share_growth + 0.5 * (share + _lag(out.assign(s=share), "s")) * dx
    expected = (lhs - share_growth).dropna()
    got = out.loc[expected.index, "sfa_tfpch"]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    assert out["sfa_tfpch"].isna().sum() == 43  # the first year of each farm
    first = out.groupby("FMERCODE")["tfp_sfa"].first()
    np.testing.assert_allclose(first, 1.0)
    cum = np.exp(out.groupby("FMERCODE")["sfa_tfpch"].apply(lambda s: s.fillna(0).cumsum()))
    np.testing.assert_allclose(out["tfp_sfa"], cum.to_numpy(), rtol=1e-12)


def test_elasticities_are_derivatives_of_the_frontier(rice, decomposition):
    data = rice.sort_values(["FMERCODE", "YEARDUM"]).reset_index(drop=True)
    terms = translog(data, "PROD", INPUTS, time="YEARDUM")
    rhs = list(terms.columns[1:])
    X = np.column_stack([np.ones(len(data)), terms[rhs]])
    # the fitted frontier is linear in the translog terms: its coefficients are recovered exactly
    beta = np.linalg.lstsq(X, decomposition["sfa_frontier"].to_numpy(), rcond=None)[0]
    h = 1e-5
    for c in INPUTS:
        up, dn = data.copy(), data.copy()
        up[c] = up[c] * np.exp(h)
        dn[c] = dn[c] * np.exp(-h)
        fu = np.column_stack(
            [np.ones(len(data)), translog(up, "PROD", INPUTS, time="YEARDUM")[rhs]]
        )
        fd = np.column_stack(
            [np.ones(len(data)), translog(dn, "PROD", INPUTS, time="YEARDUM")[rhs]]
        )
        numeric = (fu @ beta - fd @ beta) / (2 * h)
        np.testing.assert_allclose(decomposition[f"sfa_elas_{c}"], numeric, atol=1e-6)


def test_cobb_douglas_closed_forms(rice):
    out = sfa_tfp(rice, "PROD", INPUTS, entity="FMERCODE", time="YEARDUM", form="cobb_douglas")
    data = rice.sort_values(["FMERCODE", "YEARDUM"]).reset_index(drop=True)
    elas = {c: out[f"sfa_elas_{c}"].iloc[0] for c in INPUTS}
    for c in INPUTS:
        np.testing.assert_allclose(out[f"sfa_elas_{c}"], elas[c], rtol=0, atol=1e-12)
    rts = sum(elas.values())
    tc = out["sfa_tc"].dropna()
    np.testing.assert_allclose(tc, tc.iloc[0], atol=1e-12)
    dx = sum(
        elas[c] * (np.log(data[c]) - np.log(data.groupby("FMERCODE")[c].shift(1))) for c in INPUTS
    )
    np.testing.assert_allclose(out["sfa_sec"].dropna(), ((rts - 1) / rts * dx).dropna(), atol=1e-12)


def test_simulated_panel_recovers_technical_change():
    rng = np.random.default_rng(11)
    n_units, years = 200, np.arange(2001, 2011)
    entity = np.repeat(np.arange(n_units), len(years))
    year = np.tile(years, n_units)
    base = rng.normal(size=(2, n_units))[:, entity]  # inputs: farm level, trend, small noise
    lk, ll = base + np.array([[0.05], [0.01]]) * (year - 2001) + rng.normal(0, 0.05, base.shape)
    t = year - 2000.0
    u = np.exp(-0.05 * (year - years.max())) * (np.abs(rng.normal(size=n_units)) * 0.3)[entity]
    ly = 1.0 + 0.4 * lk + 0.6 * ll + 0.02 * t + rng.normal(scale=0.1, size=entity.size) - u
    data = pd.DataFrame(
        {"id": entity, "year": year, "Y": np.exp(ly), "K": np.exp(lk), "L": np.exp(ll)}
    )
    out = sfa_tfp(data, "Y", ["K", "L"], entity="id", time="year", form="cobb_douglas")
    assert out["sfa_tc"].mean() == pytest.approx(0.02, abs=0.003)
    assert out["sfa_tec"].dropna().gt(0).all()  # eta > 0: efficiency improves every year
    assert out["sfa_sec"].abs().max() < 0.005  # returns to scale ~ 1, small input changes
    assert out["sfa_rts"].iloc[0] == pytest.approx(1.0, abs=0.03)
