"""Spatial panel models: option checks, invariances, recovery of a known truth, the stage.

Recovery tests simulate the model on a lattice with known parameters (seeded) and require the
estimates within 4 reported standard errors of the truth; the tolerance follows from the
estimator's own sampling spread, not from a stored number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp import provinces
from imtfp import weights as spw
from imtfp.errors import ConfigError, EstimationError
from imtfp.models.registry import model_spec
from imtfp.models.spatial import _numerics as nx
from imtfp.models.spatial import spatial_panel
from imtfp.models.spatial.diagnostics import moran_panel, spatial_diagnostics
from imtfp.models.spatial.stages import estimate_spatial
from imtfp.tidy import TIDY_COLUMNS

pytestmark = pytest.mark.unit


def lattice(rows: int, cols: int) -> np.ndarray:
    """Rook contiguity of a rows × cols grid, row-normalised."""
    n = rows * cols
    W = np.zeros((n, n))
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < rows and 0 <= cc < cols:
                    W[i, rr * cols + cc] = 1
    return W / W.sum(axis=1, keepdims=True)


def simulate(
    W,
    T,
    *,
    model,
    rho=0.0,
    lam=0.0,
    beta=(1.0, -0.5),
    theta=(0.0, 0.0),
    tau=0.0,
    eta=0.0,
    seed=0,
    burn=20,
    time_effects=True,
):
    """Simulate y_t = ρWy_t + τy_{t-1} + ηWy_{t-1} + Xβ + WXθ + μ + α_t + u_t (u SEM).

    ``time_effects=False`` drops α_t: a common shock would otherwise load on Wy (ι = Wι)."""
    rng = np.random.default_rng(seed)
    N = W.shape[0]
    mu = rng.normal(size=N)
    periods = T + burn
    alpha = rng.normal(size=periods) * float(time_effects)
    X = rng.normal(size=(periods, N, 2)) + mu[None, :, None] * 0.5
    S_inv = np.linalg.inv(np.eye(N) - rho * W)
    B_inv = np.linalg.inv(np.eye(N) - lam * W)
    y_prev = np.zeros(N)
    ys = []
    for t in range(periods):
        eps = rng.normal(scale=0.5, size=N)
        u = B_inv @ eps
        xb = X[t] @ np.array(beta) + (W @ X[t]) @ np.array(theta)
        y = S_inv @ (tau * y_prev + eta * W @ y_prev + xb + mu + alpha[t] + u)
        ys.append(y)
        y_prev = y
    Y = np.array(ys)[burn:]
    X = X[burn:]
    ids = [f"u{i:03d}" for i in range(N)]
    return pd.DataFrame(
        {
            "unit": np.tile(ids, T),
            "t": np.repeat(np.arange(T), N),
            "y": Y.ravel(),
            "x1": X[..., 0].ravel(),
            "x2": X[..., 1].ravel(),
        }
    )


@pytest.fixture(scope="module")
def W100():
    return lattice(10, 10)


def fit(data, W, **kw):
    return spatial_panel(data, "y ~ x1 + x2", W, entity="unit", time="t", **kw)


def within(fit_, truth: dict, k: float = 4.0):
    for name, value in truth.items():
        assert abs(fit_.params[name] - value) < k * fit_.bse[name], (name, fit_.params[name])


# ---- weights --------------------------------------------------------------------------------


def test_contiguity_weights():
    B = spw.contiguity_weights(normalize=False)
    assert list(B.index) == provinces.codes()
    assert (B.to_numpy() == B.to_numpy().T).all() and np.diag(B.to_numpy()).sum() == 0
    assert B.loc["46", "44"] == 1 and B.loc["46"].sum() == 1  # Hainan: Guangdong only
    assert B.loc["15"].sum() == 8  # Inner Mongolia borders eight provinces
    assert B.loc["63", "64"] == 0  # Qinghai and Ningxia are separated by Gansu
    assert spw.is_row_normalized(spw.contiguity_weights())


def test_distance_weights():
    cap = spw.capitals().set_index("code")
    d = spw.great_circle_km(cap["lat"].to_numpy(float), cap["lon"].to_numpy(float))
    codes = list(cap.index)
    bj, sh = codes.index("11"), codes.index("31")
    assert d[bj, sh] == pytest.approx(1068, abs=15)  # Beijing–Shanghai, about 1,070 km
    W = spw.inverse_distance_weights(normalize=False)
    assert W.loc["11", "31"] == pytest.approx(1 / d[bj, sh])
    assert spw.is_row_normalized(spw.inverse_distance_weights())


def test_economic_weights_and_equal_means():
    panel = pd.DataFrame(
        {
            "province": ["11", "11", "12", "12", "13", "13"],
            "year": [1, 2] * 3,
            "g": [1.0, 3.0, 4.0, 6.0, 10.0, 10.0],
        }
    )
    W = spw.economic_distance_weights(panel, "g", normalize=False)
    assert W.loc["11", "12"] == pytest.approx(1 / 3) and W.loc["11", "13"] == pytest.approx(1 / 8)
    panel.loc[panel.province == "13", "g"] = [4.0, 6.0]
    with pytest.raises(EstimationError, match="same mean"):
        spw.economic_distance_weights(panel, "g")


def test_align_and_normalize_errors():
    W = spw.contiguity_weights(["11", "12", "13"])
    shuffled = W.loc[["13", "11", "12"], ["12", "13", "11"]]
    np.testing.assert_allclose(spw.align_weights(shuffled, ["11", "12", "13"]), W.to_numpy())
    with pytest.raises(ConfigError, match=r"missing from W \['14'\]"):
        spw.align_weights(W, ["11", "12", "14"])
    with pytest.raises(EstimationError, match="without neighbours"):
        spw.row_normalize(np.array([[0.0, 1.0], [0.0, 0.0]]))


# ---- options and data checks ------------------------------------------------------------------


def test_option_errors(W100):
    data = simulate(W100, 5, model="sar", rho=0.3)
    with pytest.raises(ConfigError):
        fit(data, W100, model="sac")
    with pytest.raises(ConfigError):
        fit(data, W100, model="sem", dynamic=True)
    with pytest.raises(ConfigError):
        fit(data, W100, effects="time", dynamic=True, lee_yu=True)
    with pytest.raises(ConfigError):
        spatial_panel(data, "y ~ x1 | unit", W100, entity="unit", time="t")
    with pytest.raises(EstimationError, match="balanced"):
        fit(data.iloc[1:], W100)


# ---- recovery of the truth --------------------------------------------------------------------


@pytest.mark.parametrize("effects", ["individual", "twoways"])
def test_recovers_sdm(W100, effects):
    data = simulate(
        W100, 10, model="sdm", rho=0.4, theta=(0.5, 0.3), seed=1, time_effects=effects == "twoways"
    )
    m = fit(data, W100, model="sdm", effects=effects, lee_yu=True)
    within(m, {"rho": 0.4, "x1": 1.0, "x2": -0.5, "W*x1": 0.5, "W*x2": 0.3})


@pytest.mark.parametrize("model", ["sem", "sdem"])
def test_recovers_error_models(W100, model):
    theta = (0.5, 0.3) if model == "sdem" else (0.0, 0.0)
    data = simulate(W100, 10, model=model, lam=0.5, theta=theta, seed=2)
    m = fit(data, W100, model=model, effects="twoways", lee_yu=True)
    truth = {"lambda": 0.5, "x1": 1.0, "x2": -0.5}
    if model == "sdem":
        truth.update({"W*x1": 0.5, "W*x2": 0.3})
    within(m, truth)
    assert m.sigma2 == pytest.approx(0.25, rel=0.1)


def test_recovers_dynamic_sdm_lee_yu(W100):
    data = simulate(W100, 20, model="sdm", rho=0.3, tau=0.5, eta=-0.1, theta=(0.4, 0.0), seed=3)
    m = fit(data, W100, model="sdm", effects="twoways", dynamic=True, lee_yu=True)
    within(m, {"rho": 0.3, "y(t-1)": 0.5, "W*y(t-1)": -0.1, "x1": 1.0, "W*x1": 0.4})


def test_sem_score_is_zero_at_the_estimate(W100):
    """The full log-likelihood (written here independently) is maximal at the estimates."""
    data = simulate(W100, 6, model="sem", lam=0.5, seed=4, time_effects=False)
    m = fit(data, W100, model="sem", effects="individual")
    T, N = 6, 100
    Y = data["y"].to_numpy().reshape(T, N)
    X = data[["x1", "x2"]].to_numpy().reshape(T, N, 2)
    Yd, Xd = Y - Y.mean(0), X - X.mean(0)

    def loglik(lam, b, s2):
        A = np.eye(N) - lam * W100
        e = (Yd - Xd @ b) @ A.T
        return (
            -N * T / 2 * np.log(2 * np.pi * s2)
            + T * np.linalg.slogdet(A)[1]
            - (e**2).sum() / (2 * s2)
        )

    b, lam, s2 = m.params[["x1", "x2"]].to_numpy(), m.params["lambda"], m.sigma2
    best = loglik(lam, b, s2)
    assert best == pytest.approx(m.loglik, rel=1e-10)
    for step in (1e-3, -1e-3):
        assert loglik(lam + step, b, s2) < best
        assert loglik(lam, b + step, s2) < best
        assert loglik(lam, b, s2 * (1 + step)) < best


# ---- invariances ------------------------------------------------------------------------------


def test_lee_yu_individual_rescales_sigma(W100):
    data = simulate(W100, 5, model="sar", rho=0.3, seed=5, time_effects=False)
    direct = fit(data, W100, model="sar", effects="individual")
    ly = fit(data, W100, model="sar", effects="individual", lee_yu=True)
    np.testing.assert_allclose(ly.params, direct.params, rtol=1e-12)
    assert ly.sigma2 == pytest.approx(direct.sigma2 * 5 / 4, rel=1e-10)


def test_lee_yu_time_transformation_basis_free(W100, monkeypatch):
    data = simulate(W100, 5, model="sar", rho=0.3, seed=6)
    helmert = fit(data, W100, model="sdm", effects="twoways", lee_yu=True)
    vals, vecs = np.linalg.eigh(np.eye(100) - 1 / 100)
    monkeypatch.setattr(nx, "orthonormal_complement", lambda n: vecs[:, vals > 0.5])
    other = fit(data, W100, model="sdm", effects="twoways", lee_yu=True)
    np.testing.assert_allclose(other.params, helmert.params, rtol=1e-7)
    np.testing.assert_allclose(other.bse, helmert.bse, rtol=1e-6)


def test_slx_matches_within_ols(W100):
    from linearmodels.panel import PanelOLS

    data = simulate(W100, 6, model="sdm", theta=(0.5, 0.3), seed=7)
    m = fit(data, W100, model="slx", effects="twoways")
    T, N = 6, 100
    for v in ("x1", "x2"):
        data[f"W_{v}"] = nx.lag(W100, data[v].to_numpy().reshape(T, N)).ravel()
    ref = PanelOLS(
        data.set_index(["unit", "t"])["y"],
        data.set_index(["unit", "t"])[["x1", "x2", "W_x1", "W_x2"]],
        entity_effects=True,
        time_effects=True,
    ).fit(cov_type="unadjusted")
    np.testing.assert_allclose(m.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9)
    dof = (N * T - N - T + 1 - 4) / (N * T)  # ours: σ² = SSR/NT (ML), linearmodels: SSR/dof
    np.testing.assert_allclose(
        m.bse.to_numpy(), ref.std_errors.to_numpy() * np.sqrt(dof), rtol=1e-8
    )


# ---- impacts ----------------------------------------------------------------------------------


def test_impacts_of_error_and_slx_models(W100):
    data = simulate(W100, 6, model="sdem", lam=0.3, theta=(0.5, 0.3), seed=8, time_effects=False)
    sem = fit(data, W100, model="sem", effects="individual").impacts(draws=200, seed=1)
    assert np.abs(sem[["indirect", "indirect_se"]].to_numpy()).max() < 1e-12
    sdem = fit(data, W100, model="sdem", effects="individual")
    imp = sdem.impacts(draws=2000, seed=1)
    np.testing.assert_allclose(imp["direct"], sdem.params[["x1", "x2"]], rtol=1e-10)
    np.testing.assert_allclose(imp["indirect"], sdem.params[["W*x1", "W*x2"]], rtol=1e-10)
    np.testing.assert_allclose(imp["direct_se"], sdem.bse[["x1", "x2"]], rtol=0.1)


def test_impacts_closed_form_and_seeded(W100):
    data = simulate(W100, 6, model="sar", rho=0.4, seed=9, time_effects=False)
    m = fit(data, W100, model="sar", effects="individual")
    imp = m.impacts(draws=300, seed=5)
    rho, b = m.params["rho"], m.params["x1"]
    S = np.linalg.inv(np.eye(100) - rho * W100)
    assert imp.loc["x1", "direct"] == pytest.approx(b * np.trace(S) / 100, rel=1e-10)
    assert imp.loc["x1", "total"] == pytest.approx(b / (1 - rho), rel=1e-10)
    pd.testing.assert_frame_equal(imp, m.impacts(draws=300, seed=5))
    assert not imp.equals(m.impacts(draws=300, seed=6))
    with pytest.raises(ConfigError, match="normals"):
        m.impacts(normals=np.zeros((10, 2)))


# ---- diagnostics --------------------------------------------------------------------------------


def test_diagnostics_detect_dependence(W100):
    data = simulate(W100, 8, model="sar", rho=0.5, seed=10)
    out = spatial_diagnostics(data, "y ~ x1 + x2", W100, entity="unit", time="t")
    assert out.loc["lm_lag", "p"] < 1e-6 and out.loc["moran_i", "p"] < 1e-6
    null = simulate(W100, 8, model="sar", rho=0.0, seed=11)
    out0 = spatial_diagnostics(null, "y ~ x1 + x2", W100, entity="unit", time="t")
    assert out0.loc["lm_lag", "p"] > 0.001 and out0.loc["lm_error", "p"] > 0.001
    per = moran_panel(data, "y", W100, entity="unit", time="t")
    assert len(per) == 9
    np.testing.assert_allclose(per["mean"].iloc[:-1].astype(float), -1 / 99)


# ---- the stage ----------------------------------------------------------------------------------


def province_panel(T=10, seed=12):
    W = spw.contiguity_weights().to_numpy()
    data = simulate(W, T, model="sdm", rho=0.3, theta=(0.4, 0.0), seed=seed)
    codes = provinces.codes()
    data["province"] = data["unit"].map({f"u{i:03d}": c for i, c in enumerate(codes)})
    data["year"] = data["t"] + 2011
    data["gdp_pc"] = data.groupby("province")["x2"].transform("mean") + data["x1"] * 0.01
    return data.rename(columns={"x1": "im_index", "x2": "gov"})


def test_estimate_spatial_stage():
    panel = province_panel()
    spec = {
        "y": "y",
        "x": "im_index",
        "controls": ["gov"],
        "spatial": {
            "weights": ["contiguity", "economic"],
            "economic_column": "gdp_pc",
            "model": "sdm",
            "effects": "twoways",
            "draws": 200,
        },
    }
    out = estimate_spatial(panel, model_spec(spec), seed=3)
    assert list(out.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    assert set(out["table"]) == {"spatial"}
    assert list(out["column"].unique()) == ["contiguity", "economic"]
    terms = set(out.loc[out["column"] == "contiguity", "term"])
    assert {
        "rho",
        "im_index",
        "W*im_index",
        "direct:im_index",
        "indirect:im_index",
        "total:im_index",
        "log_likelihood",
        "moran_i",
        "lm_lag",
    } <= terms
    pd.testing.assert_frame_equal(out, estimate_spatial(panel, model_spec(spec), seed=3))
    with pytest.raises(ConfigError, match="economic_column"):
        estimate_spatial(panel, model_spec({**spec, "spatial": {"weights": ["economic"]}}), seed=3)


def test_labelled_w_is_reordered(W100):
    data = simulate(W100, 5, model="sar", rho=0.3, seed=13, time_effects=False)
    ids = sorted(data["unit"].unique())
    frame = pd.DataFrame(W100, index=ids, columns=ids)
    shuffled = frame.iloc[::-1, ::-1]
    a = fit(data, W100, model="sar")
    b = fit(data, shuffled, model="sar")
    np.testing.assert_allclose(b.params, a.params, rtol=1e-12)
    with pytest.raises(ConfigError, match="u000"):
        fit(data, frame.drop(index="u000", columns="u000"), model="sar")
    assert "SAR panel" in a.summary() and "rho" in a.summary()
