"""IV-2SLS against Stata ``ivreg2`` on Griliches (1976): coefficients, SEs, Kleibergen–Paap, Cragg–Donald.

Data: ``tests/data/reference/griliches76.csv`` (758 young men; see the README
there). Published output: Stata ``ivreg2`` 02.2.08 (Baum, Schaffer and
Stillman), as recorded digit for digit in statsmodels'
``statsmodels/sandbox/regression/tests/results_ivreg2_griliches.py``
(``results_small`` and ``results_small_robust``), with the Wu–Hausman F of
``ivendog`` in the same file::

    ivreg2 lw expr tenure rns smsa dyear* (s iq=med kww age mrt), small [robust]
    ivendog

The year dummies are absorbed here as time effects (the same column space as
the dummies and the constant), so this also checks the absorbed-effects path.
``small`` makes ivreg2 use N/(N-K) and t(N-K) as ``iv_2sls`` does.
Tolerance: 1e-6 relative (Stata stores these doubles to ~15 digits; the data
are float32 in the .dta file, read identically on both sides).
"""

from pathlib import Path

import pandas as pd
import pytest

from imtfp.models.iv import iv_2sls

pytestmark = pytest.mark.reference

DATA = Path(__file__).parents[1] / "data" / "reference" / "griliches76.csv"
TERMS = ["s", "iq", "expr", "tenure", "rns", "smsa"]
COEF = [
    0.17242531190423,
    -0.00909883103476,
    0.04928948974574,
    0.04221709210309,
    -0.10179345001799,
    0.12611094946923,
]
SE_SMALL = [
    0.02091823230823,
    0.00474526917577,
    0.00822542913447,
    0.00891969338965,
    0.03447336568476,
    0.03119614930755,
]
SE_SMALL_ROBUST = [
    0.02091963554158,
    0.00492868646034,
    0.00811972711081,
    0.0095458460509,
    0.0340033743578,
    0.03107904208149,
]
CRAGG_DONALD_F = 12.55161416131593  # e(cdf), both runs; e(widstat) of the non-robust run
KP_RK_WALD_F = 11.46142788662503  # e(widstat) of the robust run
WU_HAUSMAN_F = 38.30408858936179  # ivendog after the non-robust run, F(2, 743)
REL = 1e-6


def _fit(cov):
    data = pd.read_csv(DATA)
    return iv_2sls(
        data,
        y="lw",
        endog=["s", "iq"],
        instruments=["med", "kww", "age", "mrt"],
        controls=["expr", "tenure", "rns", "smsa"],
        entity="person",
        time="year",
        effects="time",
        cov=cov,
    )


def test_ivreg2_small_nonrobust():
    fit = _fit("unadjusted")
    assert fit.nobs == 758 and fit.df_resid == 745
    assert fit.params[TERMS].tolist() == pytest.approx(COEF, rel=REL)
    assert fit.bse[TERMS].tolist() == pytest.approx(SE_SMALL, rel=REL)
    assert fit.diagnostics["kp_rk_wald_F"][0] == pytest.approx(
        CRAGG_DONALD_F, rel=REL
    )  # = CD when homoskedastic
    assert fit.diagnostics["cragg_donald_F"][0] == pytest.approx(CRAGG_DONALD_F, rel=REL)
    assert fit.diagnostics["endogeneity_test"][0] == pytest.approx(WU_HAUSMAN_F, rel=REL)


def test_ivreg2_small_robust():
    fit = _fit("robust")
    assert fit.params[TERMS].tolist() == pytest.approx(COEF, rel=REL)
    assert fit.bse[TERMS].tolist() == pytest.approx(SE_SMALL_ROBUST, rel=REL)
    assert fit.diagnostics["kp_rk_wald_F"][0] == pytest.approx(KP_RK_WALD_F, rel=REL)
    assert fit.diagnostics["cragg_donald_F"][0] == pytest.approx(CRAGG_DONALD_F, rel=REL)
    tidy = fit.tidy().set_index(["column", "term"])
    assert tidy.loc[("2sls", "kp_rk_wald_F"), "estimate"] == pytest.approx(KP_RK_WALD_F, rel=REL)
