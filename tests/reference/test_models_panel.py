"""Fixed-effects estimates and standard errors against published Stata, Gretl and R plm output.

Data: tests/data/reference/Grunfeld_plm.csv (R plm's Grunfeld: 10 firms × 1935–1954, the
same numbers as Stata's ``webuse grunfeld``) and Produc_plm.csv (Munnell 1990, 48 states × 17).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from imtfp.core.fe import group_codes
from imtfp.core.vcov import vcov_cluster
from imtfp.models.panel import fit_twfe

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def grunfeld(reference_data):
    return pd.read_csv(reference_data / "Grunfeld_plm.csv")


@pytest.fixture(scope="module")
def produc(reference_data):
    d = pd.read_csv(reference_data / "Produc_plm.csv")
    for c in ("gsp", "pcap", "pc", "emp"):
        d[f"log_{c}"] = np.log(d[c])
    return d


def _half_ulp(printed: str) -> float:
    """Half a unit in the last printed digit: the rounding tolerance of a printed number."""
    digits = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0 ** (-digits) * (1 + 1e-9)


def _assert_printed(value: float, printed: str):
    assert value == pytest.approx(float(printed), abs=_half_ulp(printed))


def _rows(fit) -> pd.DataFrame:
    """The fit's tidy rows by term (estimate, se, t, p, ci_low, ci_high): the stable public output."""
    return fit.tidy().set_index("term")


def _assert_t_inference(fit, df: int):
    """p and the 95 % interval use t(df), the reference distribution Stata prints (F(k, df))."""
    rows = _rows(fit)
    q = stats.t.ppf(0.975, df)
    np.testing.assert_allclose(rows["ci_low"], rows["estimate"] - q * rows["se"], rtol=1e-12)
    np.testing.assert_allclose(rows["ci_high"], rows["estimate"] + q * rows["se"], rtol=1e-12)
    np.testing.assert_allclose(
        rows["p"], 2 * stats.t.sf(np.abs(rows["estimate"] / rows["se"]), df), rtol=1e-10
    )


def test_grunfeld_xtreg_fe_conventional(grunfeld):
    """Stata 16: ``webuse grunfeld; xtreg invest mvalue kstock, fe``.

    Printed log (reproduced in 王芍, "Rstudio中编辑R、Python与Stata", 2020-12-31):
    mvalue .1101238 (.0118567), kstock .3100653 (.0173545), R-sq within 0.7668, and the model
    test F(2, 188): inference on t(188) = t(N − G − K). Tolerance: half a unit in the last
    printed digit.
    """
    fit = fit_twfe(
        grunfeld,
        y="inv",
        x=["value", "capital"],
        entity="firm",
        time="year",
        effects="entity",
        cov="unadjusted",
    )
    rows = _rows(fit)
    _assert_printed(rows.loc["value", "estimate"], ".1101238")
    _assert_printed(rows.loc["capital", "estimate"], ".3100653")
    _assert_printed(rows.loc["value", "se"], ".0118567")
    _assert_printed(rows.loc["capital", "se"], ".0173545")
    _assert_printed(fit.r2_within, "0.7668")
    assert fit.df_inf == 188
    _assert_t_inference(fit, 188)


def test_grunfeld_clustered_stata_adjustment(grunfeld):
    """Gretl 2016b fixed effects with "Robust (HAC)" = firm-clustered errors, which Gretl computes
    with Stata's small-sample factor G/(G-1)·(N-1)/(N-K) (as stated in R plm's test file
    inst/tests/test_pwaldtest.R, which stores this Gretl output; identical to Stata
    ``xtreg invest mvalue kstock, fe vce(cluster company)``):
    value 0.110124 (0.0151945), capital 0.310065 (0.0527518). Stata's clustered output tests
    on F(2, 9): t(G − 1) = t(9) with G = 10 firms.
    Tolerance: half a unit in the last printed digit (6 significant digits).
    """
    fit = fit_twfe(
        grunfeld, y="inv", x=["value", "capital"], entity="firm", time="year", effects="entity"
    )
    rows = _rows(fit)
    _assert_printed(rows.loc["value", "estimate"], "0.110124")
    _assert_printed(rows.loc["capital", "estimate"], "0.310065")
    _assert_printed(rows.loc["value", "se"], "0.0151945")
    _assert_printed(rows.loc["capital", "se"], "0.0527518")
    assert fit.df_inf == 9 and fit.n_clusters == 10
    _assert_t_inference(fit, 9)


def test_grunfeld_twoway_clustered(grunfeld):
    """Gretl 2016b "Model 6": firm effects plus year dummies dt_2…dt_20, firm-clustered errors with
    the Stata factor counting the 19 year dummies in K (same source file as above):
    value 0.117716 (0.0108244), capital 0.357916 (0.0478484). Our two-way within estimator
    absorbs the years instead; by Frisch–Waugh the slopes and, with K counting the year
    dummies, the standard errors must agree. Tolerance: half a unit in the last printed digit.
    """
    fit = fit_twfe(
        grunfeld, y="inv", x=["value", "capital"], entity="firm", time="year", effects="twoway"
    )
    rows = _rows(fit)
    _assert_printed(rows.loc["value", "estimate"], "0.117716")
    _assert_printed(rows.loc["capital", "estimate"], "0.357916")
    _assert_printed(rows.loc["value", "se"], "0.0108244")
    _assert_printed(rows.loc["capital", "se"], "0.0478484")


def test_produc_within_arellano(produc):
    """R plm: ``plm(log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp, data = Produc, model = "within")``
    with ``coeftest(fe_model, vcov = vcovHC(fe_model, method = "arellano"))`` (plm's default
    type "HC0": no small-sample factor). Printed output reproduced in M. Nguyen, "A Guide on
    Data Analysis" (GitHub mikenguyen13/data_analysis, chapter "Data", panel section):
    log(pcap) -0.0261497 (0.0603262), log(pc) 0.2920069 (0.0617425),
    log(emp) 0.7681595 (0.0816652), unemp -0.0052977 (0.0024958).
    The same page prints the lm() dummy-variable fit with conventional errors
    0.0290016, 0.0251197, 0.0300917, 0.0009887. Tolerance: half a unit in the 7th decimal.
    """
    xs = ["log_pcap", "log_pc", "log_emp", "unemp"]
    conv = fit_twfe(
        produc, y="log_gsp", x=xs, entity="state", time="year", effects="entity", cov="unadjusted"
    )
    fit = fit_twfe(produc, y="log_gsp", x=xs, entity="state", time="year", effects="entity")
    V = vcov_cluster(
        fit.Xt,
        fit.resid,
        np.linalg.inv(fit.Xt.T @ fit.Xt),
        group_codes(fit.sample["state"]),
        k_df=0,
        adjust=False,
    )
    se = np.sqrt(np.diag(V))
    published = {
        "log_pcap": ("-0.0261497", "0.0603262", "0.0290016"),
        "log_pc": ("0.2920069", "0.0617425", "0.0251197"),
        "log_emp": ("0.7681595", "0.0816652", "0.0300917"),
        "unemp": ("-0.0052977", "0.0024958", "0.0009887"),
    }
    rows, conv_rows = _rows(fit), _rows(conv)
    for i, (term, (b, s_arellano, s_conv)) in enumerate(published.items()):
        _assert_printed(rows.loc[term, "estimate"], b)
        _assert_printed(se[i], s_arellano)
        _assert_printed(conv_rows.loc[term, "se"], s_conv)
