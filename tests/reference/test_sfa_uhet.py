"""Heteroskedastic inefficiency, :math:`\\ln\\sigma_{u,i}^2 = \\delta_0 + w_i'\\delta` (Stata ``frontier, uhet()``).

The data of the printed examples of Stata's [R] frontier manual are not available here, so the
model is checked against

1. R ``sfaR`` 1.0.1 (Dakpo, Desjeux, Henningsen & Latruffe), stored test output
   ``tests/sfacross.Rout.save`` (GitHub mirror ``cran/sfaR``, commit eea9861), lines 41-66:
   ``sfacross(log(tc/wf) ~ log(y) + log(wl/wf) + log(wk/wf), udist = "hnormal", uhet = ~regu,
   data = utility, S = -1, method = "bfgs")`` — a cost frontier on the ``utility`` data
   (tests/data/reference/utility_sfaR.csv). sfaR's ``Zu_*`` are Stata's ``lnsig2u`` equation and
   ``Zv_(Intercept)`` its ``lnsig2v``. Tolerance: the printed digits (log-likelihood 7
   significant digits, coefficients and standard errors 3 decimals, the summary of the
   efficiencies ``teBC`` = E[exp(-u)|e] 3 decimals), half a unit of the last digit;
2. an independent second implementation: the Aigner–Lovell–Schmidt form of the same likelihood
   (:math:`\\ell_i = \\ln 2 - \\ln\\sigma_i + \\ln\\phi(\\varepsilon_i/\\sigma_i) + \\ln\\Phi(-s\\lambda_i\\varepsilon_i/\\sigma_i)`,
   :math:`\\sigma_i^2 = \\sigma_{u,i}^2 + \\sigma_v^2`, :math:`\\lambda_i = \\sigma_{u,i}/\\sigma_v`) maximised by
   statsmodels' ``GenericLikelihoodModel`` with numerical derivatives: log-likelihood to 1e-6,
   parameters to 1e-4, standard errors to 1 % (numerical Hessian of a numerical gradient);
3. a simulation with known δ (recovery within 3 standard errors, fixed seed).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.base.model import GenericLikelihoodModel

from imtfp.models.frontier import sfa

pytestmark = pytest.mark.reference

FORMULA = "lc ~ ly + lwl + lwk"
# round(coef(summary(cd_u_h)), 3), sfacross.Rout.save lines 48-56 (rounded to 3 decimals)
SFAR = {
    "(Intercept)": (-2.388, 0.194),
    "ly": (0.993, 0.008),
    "lwl": (0.016, 0.028),
    "lwk": (0.718, 0.042),
    "Zu_(Intercept)": (-2.572, 0.112),
    "Zu_regu": (1.023, 0.117),
    "Zv_(Intercept)": (-5.083, 0.218),
}
# teBC row of summary( efficiencies( cd_u_h ) ), line 66: Min, 1st Qu., Median, Mean, 3rd Qu., Max
TE_BC = [0.263, 0.665, 0.791, 0.756, 0.885, 0.974]


@pytest.fixture(scope="module")
def utility(reference_data):
    u = pd.read_csv(reference_data / "utility_sfaR.csv")
    return u.assign(
        lc=np.log(u["tc"] / u["wf"]),
        ly=np.log(u["y"]),
        lwl=np.log(u["wl"] / u["wf"]),
        lwk=np.log(u["wk"] / u["wf"]),
    )


@pytest.fixture(scope="module")
def fit(utility):
    return sfa(utility, FORMULA, uhet=["regu"], cost=True)


def test_matches_sfaR_stored_output(fit):
    assert fit.loglik == pytest.approx(56.41206, abs=5e-6)  # logLik( cd_u_h ), line 45
    assert list(fit.params.index) == list(SFAR)
    for term, (est, se) in SFAR.items():
        assert fit.params[term] == pytest.approx(est, abs=5e-4), term
        assert fit.bse[term] == pytest.approx(se, abs=5e-4), term
    te = fit.efficiency.to_numpy()
    summary = [te.min(), *np.percentile(te, [25, 50]), te.mean(), np.percentile(te, 75), te.max()]
    np.testing.assert_allclose(summary, TE_BC, atol=5e-4)
    assert fit.mean_efficiency == pytest.approx(0.756, abs=5e-4)
    assert fit.nobs == 791


class ALSCost(GenericLikelihoodModel):
    """Cost frontier with ln sigma_u^2 = W d_u, ln sigma_v^2 = c, written in the ALS form."""

    def __init__(self, endog, exog, w, **kw):
        self.w = w
        super().__init__(endog, exog, **kw)

    def loglikeobs(self, params):
        k = self.exog.shape[1]
        beta, du, c = params[:k], params[k : k + self.w.shape[1]], params[-1]
        su = np.exp(0.5 * (self.w @ du))
        sv = np.exp(0.5 * c)
        sig = np.sqrt(su**2 + sv**2)
        eps = self.endog - self.exog @ beta
        lam = su / sv
        return (
            np.log(2.0)
            - np.log(sig)
            + stats.norm.logpdf(eps / sig)
            + stats.norm.logcdf(lam * eps / sig)
        )


@pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning"
)
def test_independent_statsmodels_implementation(utility, fit):
    X = np.column_stack([np.ones(len(utility)), utility[["ly", "lwl", "lwk"]].to_numpy()])
    W = np.column_stack([np.ones(len(utility)), utility["regu"].to_numpy()])
    ols = np.linalg.lstsq(X, utility["lc"].to_numpy(), rcond=None)[0]
    start = np.r_[ols, -2.0, 0.0, -4.0]
    model = ALSCost(utility["lc"].to_numpy(), X, W)
    res = model.fit(start_params=start, method="bfgs", maxiter=5000, gtol=1e-8, disp=False)
    res = model.fit(start_params=res.params, method="newton", maxiter=100, disp=False)
    assert res.llf == pytest.approx(fit.loglik, abs=1e-6)
    np.testing.assert_allclose(res.params, fit.params.to_numpy(), atol=1e-4)
    np.testing.assert_allclose(res.bse, fit.bse.to_numpy(), rtol=1e-2)


def test_recovers_known_delta():
    rng = np.random.default_rng(20240601)
    n = 4000
    x = rng.normal(size=n)
    w = rng.uniform(size=n)
    su = np.exp(0.5 * (-1.0 + 1.5 * w))
    u = np.abs(rng.normal(size=n)) * su
    v = rng.normal(scale=0.2, size=n)
    data = pd.DataFrame({"y": 1.0 + 0.5 * x + v - u, "x": x, "w": w})
    res = sfa(data, "y ~ x", uhet=["w"])
    truth = {
        "(Intercept)": 1.0,
        "x": 0.5,
        "Zu_(Intercept)": -1.0,
        "Zu_w": 1.5,
        "Zv_(Intercept)": np.log(0.04),
    }
    for term, value in truth.items():
        assert abs(res.params[term] - value) < 3 * res.bse[term], term
