"""Malmquist productivity index (Färe, Grosskopf, Norris & Zhang 1994), DEAP 2.1 conventions.

Distances are Farrell efficiencies D (output orientation: 1/φ; input: θ), so an
index above 1 means progress in either orientation, as DEAP reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.logs import progress
from imtfp.options import Frontier, check_option
from imtfp.tfp._lp import Engine
from imtfp.tfp._panel import PanelArrays, panel_arrays
from imtfp.tfp.dea import ORIENTATIONS, Orientation, RadialTechnology

FRONTIERS = ("contemporaneous", "global", "sequential")
MALMQUIST_COLUMNS = ["effch", "techch", "pech", "sech", "tfpch", "tfp_level"]


def reference_periods(frontier: Frontier, k: int, n_periods: int) -> list[int]:
    """Periods whose units span the technology of period ``k``.

    contemporaneous: {k}; sequential: {0, …, k} (Shestalova 2003); global: all
    periods (Pastor & Lovell 2005).
    """
    if frontier == "contemporaneous":
        return [k]
    if frontier == "sequential":
        return list(range(k + 1))
    return list(range(n_periods))


def _stack(pa: PanelArrays, columns: Sequence[str], periods: Sequence[int]) -> np.ndarray:
    return np.vstack([pa.stack(columns, p) for p in periods])


def _score_blocks(
    pa: PanelArrays,
    inputs: Sequence[str],
    outputs: Sequence[str],
    *,
    ref: Sequence[int],
    evals: Sequence[int],
    rts: str,
    orientation: Orientation,
    engine: Engine,
    ref_name: str,
) -> dict[int, np.ndarray]:
    """Scores of every DMU of each period in ``evals`` against one reference technology."""
    tech = RadialTechnology(
        _stack(pa, inputs, ref),
        _stack(pa, outputs, ref),
        rts=rts,
        orientation=orientation,
        engine=engine,
    )
    out = {}
    for p in evals:
        X, Y = pa.stack(inputs, p), pa.stack(outputs, p)
        scores = np.empty(len(pa.dmus))
        for j in range(len(pa.dmus)):
            status, value, _ = tech.score(X[j], Y[j])
            if status != "optimal":
                raise EstimationError(
                    f"Malmquist DEA ({rts}, {orientation}) is {status} for DMU {pa.dmus[j]!s}, "
                    f"period {pa.periods[p]!s}, against the {ref_name} frontier"
                )
            scores[j] = value
        out[p] = scores
    return out


def adjacent_sweep(
    pa: PanelArrays,
    frontier: Frontier,
    block: Callable[[int, Sequence[int], Sequence[int], str], dict[int, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores of period-t units against the frontiers of t, t−1 and t+1, each (periods, dmus).

    ``block(k, ref, evals, ref_name)`` scores the units of the periods ``evals``
    against the technology spanned by the periods ``ref`` (the own frontier of
    period k: contemporaneous or sequential; contemporaneous for ``global``,
    which needs no cross-period scores) and returns ``{period: scores}``.
    Returns (own, prev, next); prev/next are NaN where undefined.
    """
    T, n = len(pa.periods), len(pa.dmus)
    own = "contemporaneous" if frontier == "global" else frontier
    cur, prev, nxt = (np.full((T, n), np.nan) for _ in range(3))
    for k in progress(range(T), desc="DEA frontiers"):
        evals = [k] if frontier == "global" else [p for p in (k - 1, k, k + 1) if 0 <= p < T]
        b = block(k, reference_periods(own, k, T), evals, f"{own} period-{pa.periods[k]!s}")
        cur[k] = b[k]
        if k + 1 in b:  # period k+1 units against the period-k frontier
            prev[k + 1] = b[k + 1]
        if k - 1 in b:  # period k-1 units against the period-k frontier
            nxt[k - 1] = b[k - 1]
    return cur, prev, nxt


def _distances(
    pa: PanelArrays,
    inputs: Sequence[str],
    outputs: Sequence[str],
    *,
    orientation: Orientation,
    frontier: Frontier,
    engine: Engine,
) -> dict[str, np.ndarray]:
    """Distance arrays of shape (periods, dmus): crs, vrs (own frontier), crs_prev, crs_next,
    and crs_global for the global frontier."""
    T = len(pa.periods)
    opts = {"orientation": orientation, "engine": engine}
    vrs = np.full((T, len(pa.dmus)), np.nan)

    def crs_and_vrs(k, ref, evals, name):
        crs = _score_blocks(
            pa, inputs, outputs, ref=ref, evals=evals, rts="crs", ref_name=name, **opts
        )
        vrs[k] = _score_blocks(
            pa, inputs, outputs, ref=ref, evals=[k], rts="vrs", ref_name=name, **opts
        )[k]
        return crs

    crs, prev, nxt = adjacent_sweep(pa, frontier, crs_and_vrs)
    d = {"crs": crs, "vrs": vrs, "crs_prev": prev, "crs_next": nxt}
    if frontier == "global":
        glob = _score_blocks(
            pa, inputs, outputs, ref=range(T), evals=range(T), rts="crs", ref_name="global", **opts
        )
        d["crs_global"] = np.vstack([glob[k] for k in range(T)])
    return d


def _check_malmquist_options(orientation: str, frontier: str) -> None:
    check_option(orientation, ORIENTATIONS, "orientation")
    check_option(frontier, FRONTIERS, "frontier")


def malmquist_distances(
    panel: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    entity: str,
    time: str,
    orientation: Orientation = "output",
    frontier: Frontier = "contemporaneous",
    engine: Engine = "auto",
) -> pd.DataFrame:
    """The distance functions behind :func:`malmquist` (DEAP's "DISTANCES SUMMARY").

    Columns: ``crs`` and ``vrs`` against the unit's own-period frontier,
    ``crs_prev`` against the frontier of the previous period (NaN in the first
    period, where it is undefined), ``crs_next`` against the next period's
    (NaN in the last), and ``crs_global`` for ``frontier="global"``. For the
    global frontier, own-period distances are contemporaneous.
    """
    _check_malmquist_options(orientation, frontier)
    pa = panel_arrays(panel, [*inputs, *outputs], entity=entity, time=time, what="Malmquist panel")
    d = _distances(pa, inputs, outputs, orientation=orientation, frontier=frontier, engine=engine)
    if frontier == "global":
        d = {k: v for k, v in d.items() if k not in ("crs_prev", "crs_next")}
    return pa.frame(d, entity=entity, time=time)


def malmquist(
    panel: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    entity: str,
    time: str,
    orientation: Orientation = "output",
    frontier: Frontier = "contemporaneous",
    engine: Engine = "auto",
) -> pd.DataFrame:
    r"""Malmquist TFP index and its decomposition between adjacent periods.

    With Farrell distances :math:`D^s(t)` of period-t data to the CRS frontier
    of period s (VRS: :math:`V`):

    .. math::
        \text{effch} = \frac{D^{t+1}(t+1)}{D^t(t)},\quad
        \text{techch} = \left[\frac{D^t(t+1)}{D^{t+1}(t+1)}
                        \cdot\frac{D^t(t)}{D^{t+1}(t)}\right]^{1/2},\quad
        \text{tfpch} = \text{effch}\cdot\text{techch},

    :math:`\text{pech} = V^{t+1}(t+1)/V^t(t)` and
    :math:`\text{sech} = \text{effch}/\text{pech}` (DEAP 2.1). ``frontier``
    chooses the technology of period t: ``contemporaneous`` (period t only),
    ``sequential`` (periods ≤ t) or ``global`` (all periods; Pastor & Lovell
    2005), where :math:`\text{tfpch} = D^G(t+1)/D^G(t)`, effch and pech use the
    contemporaneous frontiers and :math:`\text{techch} = \text{tfpch}/\text{effch}`
    (best-practice gap change). Under CRS the input and output orientations
    give the same effch, techch and tfpch; pech and sech differ.

    Parameters
    ----------
    panel : long frame with columns ``entity``, ``time``, inputs and outputs; must be
        balanced, values finite and > 0 (errors name DMU and period).
    orientation : "output" (DEAP default for Malmquist) or "input".
    frontier : "contemporaneous", "global" or "sequential".
    engine : LP engine, see :func:`imtfp.tfp.dea`.

    Returns
    -------
    Frame indexed by (entity, time) from the second period on with columns
    effch, techch, pech, sech, tfpch and ``tfp_level``, the cumulative product
    of tfpch (the first period's level is 1 and is not a row).
    """
    _check_malmquist_options(orientation, frontier)
    if not inputs or not outputs:
        raise ConfigError("Malmquist needs at least one input and one output column")
    pa = panel_arrays(panel, [*inputs, *outputs], entity=entity, time=time, what="Malmquist panel")
    d = _distances(pa, inputs, outputs, orientation=orientation, frontier=frontier, engine=engine)
    crs, vrs = d["crs"], d["vrs"]
    effch = crs[1:] / crs[:-1]
    pech = vrs[1:] / vrs[:-1]
    if frontier == "global":
        tfpch = d["crs_global"][1:] / d["crs_global"][:-1]
        techch = tfpch / effch
    else:
        techch = np.sqrt((d["crs_prev"][1:] / crs[1:]) * (crs[:-1] / d["crs_next"][:-1]))
        tfpch = effch * techch
    out = {
        "effch": effch,
        "techch": techch,
        "pech": pech,
        "sech": effch / pech,
        "tfpch": tfpch,
        "tfp_level": np.cumprod(tfpch, axis=0),
    }
    return pa.frame(out, entity=entity, time=time, periods=pa.periods[1:])[MALMQUIST_COLUMNS]
