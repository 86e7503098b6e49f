"""Static fixed-effects SAR and SEM against R splm 1.6-5 (an independent implementation).

SOURCE: ``spml(logc ~ logp + logy, model = "within", effect = <effects>, lag = TRUE /
spatial.error = "b", LeeYu = FALSE)`` of R splm 1.6-5 (Millo and Piras 2012, J. Stat. Softw.
47(1); github.com/cran/splm commit 154febf), run by ``tests/reference/scripts/splm_cigar_fe.R``
(the script and the R/package versions are beside the numbers) on the vendored Cigar data with
W = row-normalised usa46 (tests/data/reference). splm calls the spatial coefficient of its lag
model ``lambda`` and of its error model ``rho``; ours are ``rho`` (lag) and ``lambda`` (error).
This checks the SEM and SDEM machinery (SDPDmod has no error models) and the exact
log-determinant mode (SDPDmod uses a grid).

TOLERANCE: rtol 1e-6 on coefficients, σ² and standard errors (splm's ``optimize`` stops at
sqrt(machine eps) ≈ 1.5e-8 in the spatial coefficient); 1e-9 on the SAR log-likelihood.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.models.spatial import spatial_panel

pytestmark = pytest.mark.reference

# (spatial coefficient, logp, logy, sigma2), (SE spatial, SE logp, SE logy), logLik (SAR only)
SPLM = {
    ("sem", "individual"): (
        (0.46955924, -0.78690101, 0.05489088, 0.00590351),
        (0.02718241, 0.02593934, 0.02537107),
        None,
    ),
    ("sar", "individual"): (
        (0.2981550505, -0.5316740213, -0.0006896464, 0.0066671241),
        (0.02843439, 0.02544208, 0.01521311),
        1482.59908561,
    ),
    ("sem", "time"): (
        (0.21346461, -1.22901430, 0.57802550, 0.02691736),
        (0.03315487, 0.05444640, 0.03209716),
        None,
    ),
    ("sar", "time"): (
        (0.15171615, -1.15997552, 0.53871551, 0.02738821),
        (0.02991645, 0.05357606, 0.03089519),
        520.136761021,
    ),
    ("sem", "twoways"): (
        (0.240039143, -1.004296504, 0.553848557, 0.005000199),
        (0.03266987, 0.04001096, 0.04921673),
        None,
    ),
    ("sar", "twoways"): (
        (0.189756340, -0.994179725, 0.462451040, 0.005056864),
        (0.02858753, 0.03990223, 0.04601265),
        1683.41888621,
    ),
}


@pytest.fixture(scope="module")
def cigar(reference_data):
    d = pd.read_csv(reference_data / "Cigar_plm.csv")
    d["logc"] = np.log(d["sales"])
    d["logp"] = np.log(d["price"] / d["cpi"])
    d["logy"] = np.log(d["ndi"] / d["cpi"])
    W = pd.read_csv(reference_data / "usa46_SDPDmod.csv", index_col=0).to_numpy(float)
    return d, W / W.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(("model", "effects"), list(SPLM))
def test_against_splm(cigar, model, effects):
    data, W = cigar
    m = spatial_panel(
        data, "logc ~ logp + logy", W, entity="state", time="year", model=model, effects=effects
    )
    est, se, loglik = SPLM[(model, effects)]
    np.testing.assert_allclose([*m.params.to_numpy(), m.sigma2], est, rtol=1e-6)
    np.testing.assert_allclose(m.bse.to_numpy(), se, rtol=1e-6)
    if loglik is not None:
        assert m.loglik == pytest.approx(loglik, rel=1e-9)
