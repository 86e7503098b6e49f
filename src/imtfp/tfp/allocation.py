"""Factor misallocation across provinces (资源错配指数; Chen & Hu 2011, Hsieh & Klenow 2009).

With a common Cobb–Douglas technology a province's capital (labour) share of the national total
equals its share of nominal output when factors are allocated efficiently. The distortion
coefficients measure how far each province is from that allocation, year by year:

.. math::
    \\gamma_{K,it} = \\frac{K_{it}/\\sum_j K_{jt}}{s_{it}\\,\\beta_K/\\bar\\beta_K}, \\qquad
    \\tau_{K,it} = \\frac{1}{\\gamma_{K,it}} - 1, \\qquad
    s_{it} = \\frac{p_{it}Y_{it}}{\\sum_j p_{jt}Y_{jt}}

(and likewise for labour with :math:`\\beta_L`). With elasticities common to all provinces,
:math:`\\beta_K/\\bar\\beta_K = 1`, so :math:`\\gamma_{K,it}` is the province's capital share over
its output share. :math:`\\tau > 0`: too little of the factor (its relative price is high),
:math:`\\tau < 0`: too much. The mediator is the degree :math:`|\\tau|`. References: 陈永伟、胡伟民
(2011), 经济学(季刊) 10(4); 白俊红、刘宇英 (2018), 中国工业经济 (1). Written here (a few lines of
pandas); no maintained Python package computes these indices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from imtfp.tfp._checks import require_columns, require_positive


def factor_misallocation(
    frame: pd.DataFrame,
    *,
    output: str,
    capital: str,
    labour: str,
    time: str = "year",
    entity: str = "province",
) -> pd.DataFrame:
    """Capital and labour distortion coefficients τ_K, τ_L and their absolute values, per row.

    Parameters
    ----------
    frame : one row per (entity, time); ``output`` is NOMINAL output (shares at current prices),
        ``capital`` and ``labour`` the inputs (any common units within a year).

    Returns
    -------
    Frame in the row order of ``frame`` with ``tau_k``, ``tau_l``, ``misalloc_k`` = |τ_K| and
    ``misalloc_l`` = |τ_L|. Shares are taken over the rows of each year, so every year needs the
    same units (a balanced panel is not required).
    """
    require_columns(frame, [entity, time, output, capital, labour], what="factor_misallocation")
    where = frame[entity].astype(str) + f", {time} " + frame[time].astype(str)
    require_positive(frame[[output, capital, labour]], where=where, what="factor_misallocation")
    by_year = frame.groupby(time)
    s = frame[output] / by_year[output].transform("sum")
    out = pd.DataFrame(index=frame.index)
    for factor, col in (("k", capital), ("l", labour)):
        share = frame[col] / by_year[col].transform("sum")
        tau = s / share - 1.0  # 1/γ − 1 with γ = share / s
        out[f"tau_{factor}"] = tau.to_numpy(float)
        out[f"misalloc_{factor}"] = np.abs(tau.to_numpy(float))
    return out
