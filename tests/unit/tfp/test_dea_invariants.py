"""Radial DEA invariants and error paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp import dea, dea_details

pytestmark = pytest.mark.unit


def _data(seed: int, n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"k": rng.uniform(1, 10, n), "l": rng.uniform(1, 10, n)}, index=[f"d{i}" for i in range(n)]
    )
    df["y"] = df["k"] ** 0.3 * df["l"] ** 0.5 * rng.uniform(0.4, 1.0, n)  # decreasing RTS
    df["z"] = df["y"] * rng.uniform(0.5, 1.5, n)
    return df


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_scores_in_unit_interval_and_crs_below_vrs(seed, orientation):
    df = _data(seed)
    crs = dea(df, ["k", "l"], ["y", "z"], rts="crs", orientation=orientation)
    vrs = dea(df, ["k", "l"], ["y", "z"], rts="vrs", orientation=orientation)
    assert ((crs > 0) & (crs <= 1)).all() and ((vrs > 0) & (vrs <= 1)).all()
    assert (crs <= vrs + 1e-12).all()
    assert np.isclose(crs.max(), 1.0) and np.isclose(vrs.max(), 1.0)  # someone is efficient
    assert crs.index.equals(df.index) and crs.name == "efficiency"


@pytest.mark.parametrize("seed", [1, 2])
def test_crs_orientations_agree_and_engines_agree(seed):
    df = _data(seed)
    ci = dea(df, ["k", "l"], ["y"], rts="crs", orientation="input", engine="auto")
    co = dea(df, ["k", "l"], ["y"], rts="crs", orientation="output", engine="linprog")
    np.testing.assert_allclose(ci, co, atol=1e-9)


def test_units_invariance_and_targets_are_efficient():
    df = _data(4)
    scaled = df.assign(k=df["k"] * 1000.0, y=df["y"] / 7.0)
    for rts in ("crs", "vrs"):
        np.testing.assert_allclose(
            dea(df, ["k", "l"], ["y"], rts=rts), dea(scaled, ["k", "l"], ["y"], rts=rts), atol=1e-9
        )
    d = dea_details(df, ["k", "l"], ["y"], rts="vrs", orientation="input")
    targets = d.targets.set_axis([f"t{i}" for i in range(len(df))])
    # projections lie on the frontier: each is fully efficient against the original units
    both = pd.concat([df[["k", "l", "y"]], targets])
    scores = dea(both, ["k", "l"], ["y"], rts="vrs").loc[targets.index]
    np.testing.assert_allclose(scores, 1.0, atol=1e-7)
    np.testing.assert_allclose(d.lambdas.sum(axis=1), 1.0, atol=1e-9)  # VRS convexity
    assert (d.slacks >= 0).all().all()


def test_option_errors_name_the_value():
    df = _data(1)
    with pytest.raises(ConfigError, match="rts='drs'"):
        dea(df, ["k"], ["y"], rts="drs")
    with pytest.raises(ConfigError, match="orientation='both'"):
        dea(df, ["k"], ["y"], orientation="both")
    with pytest.raises(ConfigError, match="missing column"):
        dea(df, ["capital"], ["y"])
    with pytest.raises(ConfigError, match="at least one input"):
        dea(df, [], ["y"])


@pytest.mark.parametrize("value", [0.0, -1.0, np.nan])
def test_nonpositive_or_missing_input_names_the_dmu(value):
    df = _data(1)
    df.loc["d3", "l"] = value
    with pytest.raises(EstimationError, match=r"DMU d3 l="):
        dea(df, ["k", "l"], ["y"])


def test_duplicate_dmu_labels_are_an_error():
    df = _data(1)
    df.index = ["a"] * 2 + list(df.index[2:])
    with pytest.raises(EstimationError, match="unique"):
        dea(df, ["k"], ["y"])
