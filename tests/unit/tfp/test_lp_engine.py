"""The LP engines (highspy re-solve, linprog rebuild) agree on optima and on failures."""

from __future__ import annotations

from importlib.util import find_spec

import numpy as np
import pytest

from imtfp.errors import ConfigError
from imtfp.tfp._lp import LinearProgram, resolve_engine

pytestmark = pytest.mark.unit

HIGHSPY = pytest.param(
    "highspy",
    marks=pytest.mark.skipif(find_spec("highspy") is None, reason="highspy not installed"),
)

INF = np.inf


def _lp(engine):
    # min -z0 - z1  s.t.  z0 + 2 z1 <= 4,  3 z0 + z1 <= 6,  z >= 0  -> optimum z = (1.6, 1.2)
    A = np.array([[1.0, 2.0], [3.0, 1.0]])
    return LinearProgram(
        np.array([-1.0, -1.0]),
        A,
        np.full(2, -INF),
        np.array([4.0, 6.0]),
        np.zeros(2),
        np.full(2, INF),
        engine=engine,
    )


@pytest.mark.parametrize("engine", [HIGHSPY, "linprog"])
def test_optimum_and_updates(engine):
    lp = _lp(engine)
    sol = lp.solve()
    assert sol.status == "optimal"
    np.testing.assert_allclose(sol.z, [1.6, 1.2], atol=1e-12)
    lp.set_row_bounds(np.array([0]), np.array([-INF]), np.array([2.0]))  # z0 + 2 z1 <= 2
    lp.set_column(1, np.array([1]), np.array([0.0]))  # 3 z0 <= 6
    np.testing.assert_allclose(lp.solve().z, [2.0, 0.0], atol=1e-12)
    lp.set_costs(np.array([0]), np.array([0.0]))  # only z1 counts now
    assert lp.solve().objective == pytest.approx(-1.0, abs=1e-12)


@pytest.mark.parametrize("engine", [HIGHSPY, "linprog"])
def test_infeasible_and_unbounded(engine):
    lp = _lp(engine)
    lp.set_row_bounds(np.array([0]), np.array([5.0]), np.array([INF]))  # z0 + 2 z1 >= 5
    lp.set_row_bounds(np.array([1]), np.array([-INF]), np.array([-1.0]))  # 3 z0 + z1 <= -1
    assert lp.solve().status == "infeasible"
    lp2 = _lp(engine)
    lp2.set_row_bounds(np.array([0, 1]), np.full(2, -INF), np.full(2, INF))
    assert lp2.solve().status == "unbounded"


def test_engine_option_is_checked():
    with pytest.raises(ConfigError, match="engine='cplex'"):
        resolve_engine("cplex")
    assert resolve_engine("linprog") == "linprog"
