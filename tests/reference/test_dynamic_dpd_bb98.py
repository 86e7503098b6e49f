"""Difference and system GMM against DPD for Ox (Doornik, Arellano & Bond) on abdata.

Sources (DPD for Ox 1.24 outputs committed in gretl's test suite, GitHub
HelioGuilherme66/gretl):

* ``gretl-tests/test-gretl/arbond/ox/bb98.out`` (commit 89e1a1e, made by ``bb98.ox`` beside it):
  Blundell & Bond (1998) Table 4, n on n(-1), w, w(-1), k, k(-1), constant and time dummies with
  Gmm("n"/"w"/"k", 2, 99); GMM-DIF lines 13–35 (one-step robust), 39–69 (two-step, finite-sample
  corrected); GMM-SYS (adds GmmLevel(·, 1, 1), dummies instrument the level equation) lines
  78–100 and 104–140. DPD's one-step weight is xtabond2's h(2) (no cross terms between the
  differenced and level equations; Roodman's xtabond2 certification script for this table,
  "bbest1", uses ``h(2)`` and ``iv(yr*, eq(level))``).
* ``gretl-tests/test-gretl/arbond/ox/abest3.ox.out`` (commit 4fd755f) lines 9–43: Arellano & Bond
  (1991) Table 4 model with Gmm("n", 2, 3), one-step robust, AR(1)/AR(2) tests.
* ``gretl-tests/test-gretl/arbond/abest3a.ox.out`` (commit 4fd755f) lines 12–71: the same model
  with Gmm("n", 2, 99), Gmm("w", 2, 3), Gmm("k", 2, 3), one and two steps.

Tolerance: half a unit in the last printed digit; coefficients (printed to 6 decimals) get
``DATA_SLACK`` = 2.5e-6 more, because DPD reads its own ``abdata.in7`` while we read pydynpd's CSV
of the same data (R's ``abdata``, values stored from single precision): the largest gap seen,
2.0e-6 on ys(-1), is a data-copy effect — on xtabond2's own run on this very CSV
(``test_dynamic_xtabond2.py``) the coefficients agree to the 7 printed digits. Standard errors
(4 significant digits), observations, instruments and test statistics are compared at printed
precision.

Conventions mapped (not tolerances): DPD's differenced-equation dummies are a constant and level
dummies T1979–T1984, a reparametrisation of our differenced period dummies (DPD constant =
year_1978, DPD T_t = year_t − year_{t−1} − year_1978); DPD's one-step "Sargan" divides by
σ̂² = RSS/(N − K) where xtabond2 (and we) divide by N, and in one-step system GMM DPD halves σ̂²
(the "dpds2" behaviour named in Roodman's bbest1 script), so DPD's value is
ours × (N − K)/N (× 2 in the system). The two-step "Sargan" of DPD is Hansen's J.
"""

import numpy as np
import pandas as pd
import pytest
from _printed import assert_printed

from imtfp.models.dynamic import dynamic_panel

pytestmark = pytest.mark.reference

DATA_SLACK = 2.5e-6
SLOPES = ["L1.n", "w", "L1.w", "k", "L1.k"]
GMM_BB = {"n": (2, None), "w": (2, None), "k": (2, None)}

# bb98.out: (coefficient, SE) of Dn(-1), Dw, Dw(-1), Dk, Dk(-1), as printed
BB98 = {
    ("difference", 1): (  # lines 13–17
        [("0.707470", "0.08418"), ("-0.708797", "0.1171"), ("0.500015", "0.1113")]
        + [("0.465978", "0.1010"), ("-0.215131", "0.08585")]
    ),
    ("difference", 2): (  # lines 39–43
        [("0.678787", "0.08908"), ("-0.719830", "0.1221"), ("0.462691", "0.1135")]
        + [("0.453905", "0.1276"), ("-0.191492", "0.1045")]
    ),
    ("system", 1): (  # lines 78–82
        [("0.871414", "0.04405"), ("-0.781090", "0.1159"), ("0.512074", "0.1675")]
        + [("0.468830", "0.07067"), ("-0.355981", "0.07190")]
    ),
    ("system", 2): (  # lines 104–108
        [("0.872881", "0.04528"), ("-0.779745", "0.1166"), ("0.526803", "0.1621")]
        + [("0.470077", "0.07986"), ("-0.357608", "0.08003")]
    ),
}
# system GMM: Constant and T1978..T1984 (our _cons and year_1978..year_1984), lines 83–90, 109–116
BB98_SYS_DUMMIES = {
    1: [("0.999429", "0.3900"), ("0.00472661", "0.02076"), ("0.0193132", "0.02450")]
    + [("0.00146472", "0.02472"), ("-0.0211725", "0.02966"), ("0.0148305", "0.02742")]
    + [("0.0310377", "0.02552"), ("0.0201427", "0.03149")],
    2: [("0.948489", "0.3776"), ("0.00580177", "0.01971"), ("0.0188976", "0.02277")]
    + [("0.00281961", "0.02407"), ("-0.0200226", "0.02744"), ("0.0152802", "0.02331")]
    + [("0.0317310", "0.02350"), ("0.0224205", "0.03107")],
}


@pytest.fixture(scope="module")
def abdata(reference_data):
    return pd.read_csv(reference_data / "abdata_pydynpd.csv")


def _bb98(abdata, method, steps):
    return dynamic_panel(
        abdata,
        "n ~ L1.n + L(0/1).w + L(0/1).k",
        entity="id",
        time="year",
        gmm=GMM_BB,
        method=method,
        steps=steps,
        h=2,
    )


@pytest.mark.parametrize("method,steps", list(BB98))
def test_bb98_table4_coefficients_and_se(abdata, method, steps):
    fit = _bb98(abdata, method, steps)
    for term, (b, se) in zip(SLOPES, BB98[(method, steps)], strict=True):
        assert_printed(fit.params[term], b, slack=DATA_SLACK, what=f"{method} {steps} {term}")
        assert_printed(fit.bse[term], se, what=f"{method} {steps} se {term}")
    # observations (lines 29, 55, 94, 120), instruments = Sargan df + parameters (12 / 13)
    assert fit.nobs == (751 if method == "difference" else 891)
    assert fit.n_groups == 140
    assert fit.n_instruments == (91 if method == "difference" else 113)
    assert fit.hansen[1] == fit.sargan[1] == (79 if method == "difference" else 100)


@pytest.mark.parametrize("steps", [1, 2])
def test_bb98_system_constant_and_time_dummies(abdata, steps):
    fit = _bb98(abdata, "system", steps)
    terms = ["_cons"] + [f"year_{y}" for y in range(1978, 1985)]
    for term, (b, se) in zip(terms, BB98_SYS_DUMMIES[steps], strict=True):
        assert_printed(fit.params[term], b, slack=DATA_SLACK, what=term)
        assert_printed(fit.bse[term], se, what=f"se {term}")


def test_bb98_difference_dummies_reparametrised(abdata):
    """DPD's Constant, T1979, T1980 (lines 18–20) from our differenced period dummies."""
    b = _bb98(abdata, "difference", 1).params
    assert_printed(b["year_1978"], "0.00576354", slack=DATA_SLACK)
    assert_printed(b["year_1979"] - 2 * b["year_1978"], "0.00210950", slack=DATA_SLACK)
    assert_printed(b["year_1980"] - b["year_1979"] - b["year_1978"], "-0.0265558", slack=DATA_SLACK)


def test_bb98_overidentification(abdata):
    dif1, dif2 = _bb98(abdata, "difference", 1), _bb98(abdata, "difference", 2)
    sys1, sys2 = _bb98(abdata, "system", 1), _bb98(abdata, "system", 2)
    K_dif, K_sys = len(dif1.terms), len(sys1.terms)
    assert (K_dif, K_sys) == (12, 13)  # "no. of parameters" lines 29, 94
    # two-step Hansen J (DPD's two-step "Sargan test"), lines 69 and 140
    assert_printed(dif2.hansen[0], "88.80")
    assert_printed(sys2.hansen[0], "111.6")
    # one-step Sargan, DPD's σ² conventions (module docstring), lines 35 and 100
    assert_printed(dif1.sargan[0] * (751 - K_dif) / 751, "123.2")
    assert_printed(2 * sys1.sargan[0] * (891 - K_sys) / 891, "190.9")
    # p-values as printed ([0.211], [0.201])
    assert_printed(dif2.hansen[2], "0.211")
    assert_printed(sys2.hansen[2], "0.201")


def test_ab91_dpd_abest3_one_step_ar_tests(abdata):
    """abest3.ox.out lines 9–15 (coefficients), 26 (N), 41–43 (Sargan, AR(1), AR(2))."""
    fit = dynamic_panel(
        abdata,
        "n ~ L(1/2).n + L(0/1).w + k + L(0/1).ys",
        entity="id",
        time="year",
        gmm={"n": (2, 3)},
        iv=["w", "L1.w", "k", "ys", "L1.ys"],
        method="difference",
        steps=1,
    )
    printed = [
        ("L1.n", "0.00866684", "0.1898"),
        ("L2.n", "0.0227111", "0.05211"),
        ("w", "-0.558230", "0.1539"),
        ("L1.w", "-0.00276285", "0.1256"),
        ("k", "0.406832", "0.05801"),
        ("ys", "0.556363", "0.1646"),
        ("L1.ys", "-0.184410", "0.1650"),
    ]
    for term, b, se in printed:
        assert_printed(fit.params[term], b, slack=DATA_SLACK, what=term)
        assert_printed(fit.bse[term], se, what=f"se {term}")
    assert fit.nobs == 611 and fit.sargan[1] == 10
    assert_printed(fit.sargan[0] * (611 - 13) / 611, "29.02")
    assert_printed(fit.ar(1)[0], "0.5142")
    assert_printed(fit.ar(2)[0], "-1.238")
    assert_printed(fit.ar(1)[1], "0.607")
    assert_printed(fit.ar(2)[1], "0.216")


@pytest.mark.parametrize("steps", [1, 2])
def test_ab91_dpd_abest3a_endogenous_w_k(abdata, steps):
    """abest3a.ox.out: one step lines 12–18, 35; two steps lines 39–45, 71."""
    fit = dynamic_panel(
        abdata,
        "n ~ L(1/2).n + L(0/1).w + k + L(0/1).ys",
        entity="id",
        time="year",
        gmm={"n": (2, None), "w": (2, 3), "k": (2, 3)},
        iv=["ys", "L1.ys"],
        method="difference",
        steps=steps,
    )
    printed = {
        1: ["0.802481 0.1095", "-0.124673 0.05139", "-0.604034 0.1558", "0.636892 0.1952"]
        + ["0.189096 0.1278", "0.747422 0.1814", "-0.776644 0.2534"],
        2: ["0.807430 0.1282", "-0.113494 0.06290", "-0.568624 0.1731", "0.640706 0.1909"]
        + ["0.183399 0.1727", "0.859991 0.1847", "-0.863255 0.3014"],
    }[steps]
    for term, pair in zip(["L1.n", "L2.n", "w", "L1.w", "k", "ys", "L1.ys"], printed, strict=True):
        b, se = pair.split()
        assert_printed(fit.params[term], b, slack=DATA_SLACK, what=term)
        assert_printed(fit.bse[term], se, what=f"se {term}")
    assert fit.sargan[1] == 46
    if steps == 1:
        assert_printed(fit.sargan[0] * (611 - 13) / 611, "96.65")
    else:
        assert_printed(fit.hansen[0], "58.71")


def test_bb98_windmeijer_correction_matters(abdata):
    """The corrected two-step SEs differ from the textbook (X'ZA₂Z'X)⁻¹ ones (the correction
    is not a no-op): DPD prints 0.04528 for n(-1); the uncorrected SE is far smaller."""
    fit = _bb98(abdata, "system", 2)
    naive = np.sqrt(np.diag(fit.vcov_uncorrected))[fit.terms.index("L1.n")]
    assert naive < 0.8 * 0.04528
