"""Malmquist index identities, a recovered known technical change, and error paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp import malmquist

pytestmark = pytest.mark.unit

FRONTIERS = ["contemporaneous", "sequential", "global"]


def _panel(seed: int, n: int = 12, periods: int = 4, shift: float | None = None) -> pd.DataFrame:
    """Random panel; with ``shift`` every period is the first one with outputs × shift^t."""
    rng = np.random.default_rng(seed)
    base = pd.DataFrame({"k": rng.uniform(1, 10, n), "l": rng.uniform(1, 10, n)})
    base["y"] = base["k"] ** 0.35 * base["l"] ** 0.5 * rng.uniform(0.5, 1.0, n)
    frames = []
    for t in range(periods):
        f = base.copy() if shift is not None else base * rng.uniform(0.8, 1.25, base.shape)
        if shift is not None:
            f["y"] = f["y"] * shift**t
        frames.append(f.assign(dmu=[f"u{i:02d}" for i in range(n)], year=2000 + t))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("frontier", FRONTIERS)
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_decomposition_identities(frontier, orientation):
    m = malmquist(
        _panel(3),
        ["k", "l"],
        ["y"],
        entity="dmu",
        time="year",
        orientation=orientation,
        frontier=frontier,
    )
    np.testing.assert_allclose(m["tfpch"], m["effch"] * m["techch"], rtol=1e-12)
    np.testing.assert_allclose(m["effch"], m["pech"] * m["sech"], rtol=1e-12)
    level = m["tfpch"].groupby(level="dmu").cumprod()
    np.testing.assert_allclose(m["tfp_level"], level, rtol=1e-12)
    assert m.index.names == ["dmu", "year"]
    assert sorted(m.index.get_level_values("year").unique()) == [2001, 2002, 2003]
    assert list(m.columns) == ["effch", "techch", "pech", "sech", "tfpch", "tfp_level"]
    assert np.isfinite(m.to_numpy()).all()


@pytest.mark.parametrize("frontier", FRONTIERS)
def test_crs_index_does_not_depend_on_orientation(frontier):
    p = _panel(5)
    mi = malmquist(
        p, ["k", "l"], ["y"], entity="dmu", time="year", orientation="input", frontier=frontier
    )
    mo = malmquist(
        p, ["k", "l"], ["y"], entity="dmu", time="year", orientation="output", frontier=frontier
    )
    for col in ("tfpch", "effch", "techch"):
        np.testing.assert_allclose(mi[col], mo[col], rtol=1e-9)


@pytest.mark.parametrize("frontier", FRONTIERS)
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_recovers_a_known_neutral_technical_change(frontier, orientation):
    # every unit's output grows 4 % a year with unchanged inputs: the frontier shifts by
    # exactly 1.04, nobody catches up (effch = pech = 1) and tfpch = techch = 1.04
    m = malmquist(
        _panel(7, shift=1.04),
        ["k", "l"],
        ["y"],
        entity="dmu",
        time="year",
        orientation=orientation,
        frontier=frontier,
    )
    np.testing.assert_allclose(m["tfpch"], 1.04, rtol=1e-9)
    np.testing.assert_allclose(m["techch"], 1.04, rtol=1e-9)
    np.testing.assert_allclose(m[["effch", "pech", "sech"]], 1.0, rtol=1e-9)


def test_missing_dmu_period_is_named():
    p = _panel(1)
    p = p[~((p["dmu"] == "u04") & (p["year"] == 2002))]
    with pytest.raises(EstimationError, match="missing DMU u04 in period 2002"):
        malmquist(p, ["k", "l"], ["y"], entity="dmu", time="year")


def test_bad_values_and_options():
    p = _panel(1)
    p.loc[(p["dmu"] == "u02") & (p["year"] == 2001), "k"] = 0.0
    with pytest.raises(EstimationError, match="DMU u02, period 2001 k=0.0"):
        malmquist(p, ["k", "l"], ["y"], entity="dmu", time="year")
    q = _panel(1)
    with pytest.raises(EstimationError, match="repeated"):
        malmquist(pd.concat([q, q.head(1)]), ["k", "l"], ["y"], entity="dmu", time="year")
    with pytest.raises(ConfigError, match="at least two periods"):
        malmquist(q[q["year"] == 2000], ["k", "l"], ["y"], entity="dmu", time="year")
    with pytest.raises(ConfigError, match="frontier='window'"):
        malmquist(q, ["k", "l"], ["y"], entity="dmu", time="year", frontier="window")
    with pytest.raises(ConfigError, match="orientation='hyperbolic'"):
        malmquist(q, ["k", "l"], ["y"], entity="dmu", time="year", orientation="hyperbolic")
