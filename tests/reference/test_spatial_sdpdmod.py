"""Spatial panel models against the printed output of R SDPDmod 0.0.6 (Simonovska 2025).

SOURCE: the vignette "Spatial dynamic panel data modeling" of SDPDmod 0.0.6 (CRAN, 2025-04-11),
file ``inst/doc/spatial_model.html`` of github.com/cran/SDPDmod (commit 9ffbe2e), section
"Spatial (dynamic) panel data modeling": ``mod1`` (static SAR, individual effects,
LYtrans = FALSE), ``mod2`` (dynamic SAR, individual, no Lee–Yu), ``mod3`` (dynamic SAR,
individual, Lee–Yu), ``mod4`` (dynamic SAR with only y(t-1), Lee–Yu), ``mod5`` (dynamic SDM,
two-way effects, Lee–Yu), and section "Calculating impacts." (``impactsSDPDm(mod5)``: 200 draws,
``set.seed(12345 + 10*sim)`` before draw ``sim``). Data: Cigar (R plm; Baltagi and Levin 1992),
logc = log(sales), logp = log(price/cpi), logy = log(ndi/cpi); W = row-normalised ``usa46``.
Both vendored in tests/data/reference (README there). Also the static Lee–Yu transformation
(``LYtrans = TRUE, demn = TRUE``, not in the vignette) against SDPDmod run by
``tests/reference/scripts/sdpdmod_static_leeyu.R`` (R 4.2.2; SDPDmod as an independent
implementation, its output recorded in the test with the script beside it).

TOLERANCE: the printed digits (``abs=`` half a unit of the last printed digit, plus 1e-12) for
every point estimate and standard error, with ``numerics="sdpdmod"`` (SDPDmod's tabulated
log-determinant, R's optimize tolerance and Matrix::nearPD). The two-way Lee–Yu model ``mod5``
transforms with an orthonormal basis F of J_46 whose choice changes the excess-kurtosis term of
two standard errors (ρ, W*y(t-1)) and, through them, the simulated impacts; SDPDmod takes
R ``eigen()``'s basis. ``test_mod5_with_r_basis`` passes that basis (R 4.2.2, reference LAPACK
3.11: ``eigen(diag(46) - 1/46)$vectors[, 1:45]``, vendored as ``sdpdmod_F46.csv``) and matches
every printed digit, the impacts included; with our own (Helmert) basis the two SEs agree to
0.3 % and the impacts within the tolerances stated in ``test_mod5_impacts_own_basis``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from r_rng import r_rnorm  # tests/reference/r_rng.py (pytest puts this folder on sys.path)

from imtfp.errors import ConfigError
from imtfp.models.spatial import _numerics, spatial_panel

pytestmark = pytest.mark.reference

FORMULA = "logc ~ logp + logy"


@pytest.fixture(scope="module")
def cigar(reference_data):
    d = pd.read_csv(reference_data / "Cigar_plm.csv")
    d["logc"] = np.log(d["sales"])
    d["logp"] = np.log(d["price"] / d["cpi"])
    d["logy"] = np.log(d["ndi"] / d["cpi"])
    return d


@pytest.fixture(scope="module")
def usa46(reference_data):
    W = pd.read_csv(reference_data / "usa46_SDPDmod.csv", index_col=0).to_numpy(float)
    return W / W.sum(axis=1, keepdims=True)


def fit(cigar, W, **kw):
    return spatial_panel(cigar, FORMULA, W, entity="state", time="year", numerics="sdpdmod", **kw)


def check(series, printed: dict):
    for name, value in printed.items():
        digits = len(str(value).split(".")[1].lstrip("-"))
        assert series[name] == pytest.approx(value, abs=0.5 * 10.0**-digits + 1e-12), name


def test_mod1_static_sar_individual(cigar, usa46):
    m = fit(cigar, usa46, model="sar", effects="individual")
    check(m.params, {"rho": 0.297576, "logp": -0.5320053, "logy": -0.0007088})
    check(m.bse, {"rho": 0.028444, "logp": 0.0254445, "logy": 0.0152139})
    assert m.sigma2 == pytest.approx(0.006667779, abs=5e-10)  # mod1$sige


def test_mod2_dynamic_sar(cigar, usa46):
    m = fit(cigar, usa46, model="sar", effects="individual", dynamic=True)
    check(
        m.params,
        {
            "rho": 0.305592,
            "y(t-1)": 0.8697327,
            "W*y(t-1)": -0.2796636,
            "logp": -0.1147081,
            "logy": -0.0206479,
        },
    )
    check(
        m.bse,
        {
            "rho": 0.031396,
            "y(t-1)": 0.0130098,
            "W*y(t-1)": 0.0336333,
            "logp": 0.0138649,
            "logy": 0.0079911,
        },
    )


def test_mod3_dynamic_sar_lee_yu(cigar, usa46):
    m = fit(cigar, usa46, model="sar", effects="individual", dynamic=True, lee_yu=True)
    check(
        m.params,
        {
            "rho": 0.310875,
            "y(t-1)": 0.9287971,
            "W*y(t-1)": -0.3030634,
            "logp": -0.0864323,
            "logy": -0.0217271,
        },
    )
    check(
        m.bse,
        {
            "rho": 0.031508,
            "y(t-1)": 0.0132188,
            "W*y(t-1)": 0.0350687,
            "logp": 0.0138446,
            "logy": 0.0081269,
        },
    )


def test_mod4_time_lag_only(cigar, usa46):
    """mod4 passes the lag as a data column (tlaginfo ind, stl = FALSE): the same model."""
    m = fit(
        cigar,
        usa46,
        model="sar",
        effects="individual",
        dynamic=True,
        lee_yu=True,
        space_time_lag=False,
    )
    check(m.params, {"rho": 0.095318, "y(t-1)": 0.920917, "logp": -0.051035, "logy": -0.031962})
    check(m.bse, {"rho": 0.016432, "y(t-1)": 0.013658, "logp": 0.014055, "logy": 0.008385})


MOD5 = {
    "rho": 0.162189,
    "y(t-1)": 0.864412,
    "W*y(t-1)": -0.096270,
    "logp": -0.270872,
    "logy": 0.104262,
    "W*logp": 0.195595,
    "W*logy": -0.032464,
}
MOD5_SE = {
    "rho": 0.036753,
    "y(t-1)": 0.012879,
    "W*y(t-1)": 0.038810,
    "logp": 0.023145,
    "logy": 0.029783,
    "W*logp": 0.043870,
    "W*logy": 0.039520,
}
# impactsSDPDm(mod5): (estimate, std. error) per regressor
SHORT = {
    "direct": {"logp": (-0.261569, 0.022830), "logy": (0.101759, 0.029667)},
    "indirect": {"logp": (0.178932, 0.046861), "logy": (-0.015109, 0.042210)},
    "total": {"logp": (-0.082637, 0.052143), "logy": (0.086650, 0.037890)},
}
LONG = {
    "direct": {"logp": (-1.92836, 0.20580), "logy": (0.80149, 0.22655)},
    "indirect": {"logp": (0.91054, 0.58271), "logy": (0.48361, 1.54612)},
    "total": {"logp": (-1.01783, 0.66733), "logy": (1.28510, 1.59825)},
}


def r_normals(k: int) -> np.ndarray:
    """impactsSDPDm's draws: set.seed(12345 + 10*sim); rnorm(npar + 2), sim = 1..200."""
    return np.array([r_rnorm(k, 12345 + 10 * sim) for sim in range(1, 201)])


def mod5(cigar, W):
    return fit(cigar, W, model="sdm", effects="twoways", dynamic=True, lee_yu=True)


def check_impacts(table, printed, *, rel=None):
    for kind, rows in printed.items():
        for x, (est, se) in rows.items():
            if rel is None:
                check(table[kind], {x: est})
                check(table[f"{kind}_se"], {x: se})
            else:
                assert table.loc[x, kind] == pytest.approx(est, rel=rel[0], abs=rel[1]), (kind, x)
                assert table.loc[x, f"{kind}_se"] == pytest.approx(se, rel=rel[0]), (kind, x)


def test_mod5_with_r_basis(cigar, usa46, reference_data, monkeypatch):
    F = pd.read_csv(reference_data / "sdpdmod_F46.csv").to_numpy(float)
    monkeypatch.setattr(_numerics, "orthonormal_complement", lambda n: F)
    m = mod5(cigar, usa46)
    check(m.params, MOD5)
    check(m.bse, MOD5_SE)
    z = r_normals(len(m.theta))
    check_impacts(m.impacts("short", point="simulated", normals=z), SHORT)
    check_impacts(m.impacts("long", point="simulated", normals=z), LONG)


def test_mod5_own_basis(cigar, usa46):
    m = mod5(cigar, usa46)
    check(m.params, MOD5)  # the estimates do not depend on the basis
    check(
        m.bse.drop(["rho", "W*y(t-1)"]),
        {k: v for k, v in MOD5_SE.items() if k not in ("rho", "W*y(t-1)")},
    )
    assert m.bse["rho"] == pytest.approx(MOD5_SE["rho"], rel=3e-3)
    assert m.bse["W*y(t-1)"] == pytest.approx(MOD5_SE["W*y(t-1)"], rel=3e-3)


def test_mod5_impacts_own_basis(cigar, usa46):
    """Short run within 2e-5 (estimates) and 0.1 % (SEs); long run, whose denominator
    1 − τ − ρ − η ≈ 0.07 magnifies the two SEs' 0.3 %, within 0.5 % and 2 %."""
    m = mod5(cigar, usa46)
    z = r_normals(len(m.theta))
    check_impacts(m.impacts("short", point="simulated", normals=z), SHORT, rel=(1e-3, 2e-5))
    check_impacts(m.impacts("long", point="simulated", normals=z), LONG, rel=(2e-2, 5e-3))


def test_exact_numerics_close_to_grid(cigar, usa46):
    """The exact log-determinant moves ρ of mod1 by less than the 0.001 grid step."""
    m = spatial_panel(cigar, FORMULA, usa46, entity="state", time="year", model="sar")
    assert abs(m.params["rho"] - 0.297576) < 1e-3
    assert abs(m.params["rho"] - 0.297576) > 1e-5  # …and does move it: the grid is not exact


def test_analytic_impacts_near_simulated_mean(cigar, usa46):
    """Plug-in short-run effects lie within 3 Monte Carlo errors (SE/√200) of SDPDmod's means."""
    m = mod5(cigar, usa46)
    imp = m.impacts("short")
    for kind, rows in SHORT.items():
        for x, (est, se) in rows.items():
            assert abs(imp.loc[x, kind] - est) < 3 * se / np.sqrt(200), (kind, x)


def test_long_run_needs_dynamic(cigar, usa46):
    m = fit(cigar, usa46, model="sar", effects="individual")
    with pytest.raises(ConfigError):
        m.impacts("long")


# Static Lee–Yu transformation: SDPDm(..., LYtrans = TRUE, demn = TRUE) run by
# tests/reference/scripts/sdpdmod_static_leeyu.R (not in the vignette; SDPDmod as an independent
# implementation). (rho, logp, logy[, W*logp, W*logy], sigma2) and the SEs of (rho, coefficients).
STATIC_LY = {
    ("sar", "individual"): (
        (0.297576172, -0.532005284, -0.000708802, 0.006897703),
        (0.02893035, 0.02587949, 0.01547396),
    ),
    ("sar", "time"): (
        (0.17757403, -1.15228932, 0.53417374, 0.02795202),
        (0.03094480, 0.05424319, 0.03131184),
    ),
    ("sdm", "time"): (
        (0.24859697, -1.26785293, 0.57553677, 0.52360772, -0.12189555, 0.02729144),
        (0.03444857, 0.05735833, 0.03643174, 0.10085095, 0.05553488),
    ),
    # SDPDmod's grid-and-Brent search stops 2.5e-5 away here (R: rho 0.459585254): R's
    # optimize tolerance is 1.2e-4 and the tabulated objective is a staircase, so rounding
    # differences between F_T and demeaning steer it to another step; rtol 1e-4 below.
    ("sdm", "individual"): (
        (0.459585254, -0.929919232, 0.548690389, 0.581092692, -0.577528022, 0.005617237),
        (0.02775110, 0.04011498, 0.06010164, 0.04685401, 0.06092341),
    ),
}


@pytest.mark.parametrize(("model", "effects"), list(STATIC_LY))
def test_static_lee_yu_transformation(cigar, usa46, model, effects):
    m = fit(cigar, usa46, model=model, effects=effects, lee_yu=True)
    est, se = STATIC_LY[(model, effects)]
    rtol = 1e-4 if (model, effects) == ("sdm", "individual") else 1e-6  # R printed 7–9 digits
    np.testing.assert_allclose([*m.params.to_numpy(), m.sigma2], est, rtol=rtol, atol=1e-9)
    np.testing.assert_allclose(m.bse.to_numpy(), se, rtol=rtol)
