"""Mediation paths against the UCLA Stata FAQ on ``sgmediation`` (hsb2 / hsbdemo data).

Source: UCLA IDRE (ATS) Stata FAQ "How can I perform Sobel-Goodman mediation tests?",
``sgmediation science, mv(read) iv(math)`` on the 200 students of hsb2 (hsbdemo has the same
read, math and science scores):

* path c, science on math: .66658 (se .0582822)
* path a, read on math: .724807 (se .0582745)
* text: "approximately 40% of the total effect (of math on science) being mediated".

The Sobel, Aroian (Goodman-1) and Goodman-2 standard errors are the formulas of
sgmediation.ado (UCLA, Phil Ender): sqrt(b²·Va + a²·Vb [+/- Va·Vb]); proportion mediated =
a·b / c (``toteff`` in the ado). Tolerances: half a unit in the last printed digit; the
proportion is printed as "approximately 40%" (two digits).
"""

import math

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from imtfp.models.mediation_analysis import mediation

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def hsb2(reference_data):
    return pd.read_csv(reference_data / "hsb2.csv")


def test_sgmediation_paths(hsb2):
    r = mediation(
        hsb2,
        y="science",
        x="math",
        m="read",
        entity=None,
        time=None,
        cov="unadjusted",
        bootstrap=0,
        seed=1,
    )
    c, a = r.c, r.a
    assert c.estimate == pytest.approx(0.66658, abs=5e-6)
    assert c.se == pytest.approx(0.0582822, abs=5e-8)
    assert a.estimate == pytest.approx(0.724807, abs=5e-7)
    assert a.se == pytest.approx(0.0582745, abs=5e-8)
    assert round(r.proportion_mediated, 1) == 0.4


def test_sobel_family_formulas(hsb2):
    """Sobel/Aroian/Goodman as in sgmediation.ado, with b and its se from an independent OLS (statsmodels)."""
    r = mediation(
        hsb2,
        y="science",
        x="math",
        m="read",
        entity=None,
        time=None,
        cov="unadjusted",
        bootstrap=0,
        seed=1,
    )
    fb = smf.ols("science ~ read + math", hsb2).fit()
    fa = smf.ols("read ~ math", hsb2).fit()
    a, va, b, vb = fa.params["math"], fa.bse["math"] ** 2, fb.params["read"], fb.bse["read"] ** 2
    assert r.sobel_z == pytest.approx(a * b / math.sqrt(b * b * va + a * a * vb), rel=1e-10)
    assert r.aroian_z == pytest.approx(
        a * b / math.sqrt(b * b * va + a * a * vb + va * vb), rel=1e-10
    )
    assert r.goodman_z == pytest.approx(
        a * b / math.sqrt(b * b * va + a * a * vb - va * vb), rel=1e-10
    )
    assert r.c_prime.estimate == pytest.approx(fb.params["math"], rel=1e-10)


def test_case_bootstrap_percentile_interval(hsb2):
    """Case resampling (entity=None): the percentile CI of a·b brackets the estimate and the
    normal-theory (Sobel) interval roughly agrees (n = 200): bounds within 2 Sobel se."""
    r = mediation(
        hsb2,
        y="science",
        x="math",
        m="read",
        entity=None,
        time=None,
        cov="unadjusted",
        bootstrap=2000,
        seed=7,
    )
    lo, hi = r.ci_percentile
    assert lo < r.indirect < hi
    assert abs(lo - (r.indirect - 1.96 * r.sobel_se)) < 2 * r.sobel_se
    assert abs(hi - (r.indirect + 1.96 * r.sobel_se)) < 2 * r.sobel_se
