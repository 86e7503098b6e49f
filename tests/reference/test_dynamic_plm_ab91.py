"""Arellano & Bond (1991) Table 4 column (b) against R plm's pgmm on EmplUK.

Source: R package plm 2.4-2, ``tests/test_pgmm.Rout.save`` (GitHub mirror cran/plm, commit
cfa5df7), the stored output of

    pgmm(log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital)
         + lag(log(output), 0:1) | lag(log(emp), 2:99),
         data = EmplUK, effect = "twoways", model = "twosteps")

(two-step difference GMM; emp lags 2+ GMM-style, the exogenous regressors as differenced IV
instruments, time dummies): ``summary(z1, robust = TRUE)`` lines 32–55 — coefficients, Windmeijer
SEs, the two-step "Sargan" (Hansen's J, chisq(25)), AR(1)/AR(2) with the corrected covariance;
``summary(z1, robust = FALSE)`` lines 259–266 — the uncorrected two-step SEs, which are the SEs
Arellano & Bond (1991) print in Table 4 (b) (0.0853 for n(-1)); ``z1col`` (``collapse = TRUE``),
lines 77–93 and 293–299.

Tolerance: half a unit in the last printed digit (plm prints 6 decimals for coefficients and
SEs, 7 significant digits for the tests).

Not reproduced: the m1/m2 statistics that Windmeijer (2005, Table 2) and Arellano & Bond (1991)
print for this model (m1 −1.999 / −2.826, m2 −0.316 / −0.327 as quoted in plm's development
tests ``inst/tests/test_mtest.R``). Our AR test is xtabond2's (the robust Arellano–Bond variance
with the estimator's own covariance), which reproduces xtabond2's printed AR statistics
(``test_dynamic_xtabond2.py``), DPD's (``test_dynamic_dpd_bb98.py``) and plm 2.4-2's below; the
papers' m-statistics use other variance estimates that none of these programs print.
"""

import numpy as np
import pandas as pd
import pytest
from _printed import assert_printed

from imtfp.models.dynamic import dynamic_panel

pytestmark = pytest.mark.reference

TERMS = ["L1.lemp", "L2.lemp", "lwage", "L1.lwage", "lcapital", "loutput", "L1.loutput"]


@pytest.fixture(scope="module")
def emp(reference_data):
    d = pd.read_csv(reference_data / "EmplUK_plm.csv")
    for c in ("emp", "wage", "capital", "output"):
        d["l" + c] = np.log(d[c])
    return d


def _col_b(emp, collapse):
    return dynamic_panel(
        emp,
        "lemp ~ L(1/2).lemp + L(0/1).lwage + lcapital + L(0/1).loutput",
        entity="firm",
        time="year",
        gmm={"lemp": (2, 99)},
        iv=["lwage", "L1.lwage", "lcapital", "loutput", "L1.loutput"],
        method="difference",
        steps=2,
        collapse=collapse,
    )


def test_ab91_col_b_two_step(emp):
    fit = _col_b(emp, collapse=False)
    coef = ["0.474151", "-0.052967", "-0.513205", "0.224640", "0.292723", "0.609775", "-0.446373"]
    windmeijer = ["0.185398", "0.051749", "0.145565", "0.141950", "0.062627", "0.156263"]
    windmeijer += ["0.217302"]
    plain = ["0.085303", "0.027284", "0.049345", "0.080063", "0.039463", "0.108524", "0.124815"]
    se_plain = np.sqrt(np.diag(fit.vcov_uncorrected))
    for j, term in enumerate(TERMS):
        assert_printed(fit.params[term], coef[j], what=term)
        assert_printed(fit.bse[term], windmeijer[j], what=f"Windmeijer se {term}")
        assert_printed(se_plain[fit.terms.index(term)], plain[j], what=f"se {term}")
    assert fit.nobs == 611 and fit.n_groups == 140
    assert fit.hansen[1] == 25
    assert_printed(fit.hansen[0], "30.11247")
    assert_printed(fit.hansen[2], "0.22011")
    assert_printed(fit.ar(1)[0], "-1.53845")
    assert_printed(fit.ar(1)[1], "0.12394")
    assert_printed(fit.ar(2)[0], "-0.2796829")
    assert_printed(fit.ar(2)[1], "0.77972")


def test_ab91_col_b_collapsed(emp):
    fit = _col_b(emp, collapse=True)
    coef = ["0.853895", "-0.169886", "-0.533119", "0.352516", "0.271707", "0.612855", "-0.682550"]
    windmeijer = ["0.562348", "0.123293", "0.245948", "0.432846", "0.089921", "0.242289"]
    windmeijer += ["0.612311"]
    plain = ["0.263518", "0.064766", "0.180123", "0.266323", "0.055429", "0.186648", "0.370817"]
    se_plain = np.sqrt(np.diag(fit.vcov_uncorrected))
    for j, term in enumerate(TERMS):
        assert_printed(fit.params[term], coef[j], what=term)
        assert_printed(fit.bse[term], windmeijer[j], what=f"Windmeijer se {term}")
        assert_printed(se_plain[fit.terms.index(term)], plain[j], what=f"se {term}")
    assert fit.hansen[1] == 5 and fit.n_instruments == 18
    assert_printed(fit.hansen[0], "11.62681")
    assert_printed(fit.ar(1)[0], "-1.290551")
    assert_printed(fit.ar(2)[0], "0.4482577")
