"""Growth accounting: real output from a chained index, Solow residual, Törnqvist TFP growth."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from imtfp.core.fe import demean, group_codes
from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp._checks import require_columns, require_positive


def _check_consecutive(df: pd.DataFrame, *, entity: str, time: str, what: str) -> None:
    """Raise naming the unit and the first missing year when a unit's years have a gap."""
    for unit, years in df.groupby(entity, sort=True)[time]:
        y = np.sort(years.to_numpy())
        gaps = np.nonzero(np.diff(y) != 1)[0]
        if gaps.size:
            raise EstimationError(
                f"{what}: {entity} {unit!s} has a gap after {time} {y[gaps[0]]!s} "
                f"(next is {y[gaps[0] + 1]!s}); years must be consecutive"
            )


def real_output(
    gdp_nominal: pd.Series, gdp_index_prev100: pd.Series, *, base_year: int
) -> pd.Series:
    r"""Real GDP at ``base_year`` prices from nominal GDP and the 上年=100 volume index.

    .. math::
        Y_b = \text{GDP}^{nom}_b, \qquad Y_t = Y_{t-1}\,\frac{I_t}{100}\;(t > b),
        \qquad Y_{t} = Y_{t+1} \Big/ \frac{I_{t+1}}{100}\;(t < b)

    Parameters
    ----------
    gdp_nominal, gdp_index_prev100 : Series sharing a two-level index (unit, year).
        Only the base year's nominal value is used; the index is needed in
        every year except each unit's first.
    base_year : the price year; every unit must have it.

    Returns
    -------
    Series ``gdp_real`` with the same index. Errors name unit and year of any
    missing or non-positive value needed, and of gaps in the years.
    """
    if gdp_nominal.index.nlevels != 2 or not gdp_nominal.index.equals(gdp_index_prev100.index):
        raise ConfigError("real_output: both series need the same (unit, year) two-level index")
    unit, year = gdp_nominal.index.names[0] or "unit", gdp_nominal.index.names[1] or "year"
    df = pd.DataFrame(
        {"nominal": gdp_nominal.to_numpy(float), "index": gdp_index_prev100.to_numpy(float)},
        index=pd.MultiIndex.from_arrays(
            [gdp_nominal.index.get_level_values(0), gdp_nominal.index.get_level_values(1)],
            names=[unit, year],
        ),
    ).reset_index()
    if df.duplicated([unit, year]).any():
        raise EstimationError(f"real_output: repeated ({unit}, {year}) pairs")
    df = df.sort_values([unit, year], kind="stable")
    _check_consecutive(df, entity=unit, time=year, what="real_output")
    first = ~df.duplicated(unit)
    needed = df.loc[~first]
    where = needed[unit].astype(str) + f", {year} " + needed[year].astype(str)
    require_positive(needed[["index"]], where=where, what="real_output: GDP index (上年=100)")
    base = df[df[year] == base_year].set_index(unit)["nominal"]
    lacking = sorted(set(df[unit]) - set(base.index)) + list(base.index[~(base > 0)])
    if lacking:
        raise EstimationError(
            f"real_output: base year {base_year} nominal GDP missing or not > 0 for {lacking[:5]}"
        )
    # cumulative log growth from each unit's first year; its own index is not used
    growth = np.where(first, 0.0, np.log(df["index"].where(~first, 100.0) / 100.0))
    cum = pd.Series(growth, index=df.index).groupby(df[unit]).cumsum()
    cum_base = cum[df[year] == base_year].set_axis(df.loc[df[year] == base_year, unit])
    real = df[unit].map(base) * np.exp(cum - df[unit].map(cum_base))
    out = pd.Series(real.to_numpy(), index=pd.MultiIndex.from_frame(df[[unit, year]]))
    return out.reindex(gdp_nominal.index).rename("gdp_real")


def estimate_alpha(
    df: pd.DataFrame, *, output: str, capital: str, labour: str, entity: str, time: str
) -> float:
    r"""Capital elasticity α from a two-way fixed-effects regression with constant returns.

    .. math:: \ln(Y/L)_{it} = \alpha \ln(K/L)_{it} + \mu_i + \tau_t + e_{it}

    Constant returns are imposed; unit and year effects are partialled out
    (:func:`imtfp.core.fe.demean`), so α̂ is the within OLS slope.
    """
    y = np.log(df[output].to_numpy(float) / df[labour].to_numpy(float))
    k = np.log(df[capital].to_numpy(float) / df[labour].to_numpy(float))
    groups = [group_codes(df[entity].to_numpy()), group_codes(df[time].to_numpy())]
    yk = demean(np.column_stack([y, k]), groups)
    sxx = float(yk[:, 1] @ yk[:, 1])
    if sxx <= 1e-12 * max(1.0, float(k @ k)):
        raise EstimationError(
            "estimate_alpha: ln(K/L) has no variation left after unit and year effects"
        )
    return float(yk[:, 1] @ yk[:, 0]) / sxx


def solow_residual(
    df: pd.DataFrame,
    *,
    alpha: float | Literal["estimate"],
    output: str = "gdp_real",
    capital: str = "capital",
    labour: str = "employment",
    entity: str = "province",
    time: str = "year",
) -> pd.DataFrame:
    r"""Log TFP level and growth from a Cobb–Douglas with constant returns.

    .. math::
        \ln A_{it} = \ln Y_{it} - \alpha \ln K_{it} - (1-\alpha) \ln L_{it},
        \qquad g^A_{it} = \ln A_{it} - \ln A_{i,t-1}

    Parameters
    ----------
    alpha : capital share in (0, 1), or "estimate" for the two-way fixed-effects
        slope of ln(Y/L) on ln(K/L) (:func:`estimate_alpha`); an estimate outside
        (0, 1) is an error.
    output, capital, labour : columns, finite and > 0.

    Returns
    -------
    Frame with columns ``entity``, ``time``, ``ln_tfp``, ``tfp_growth`` and ``alpha``
    in the row order of ``df``. ``tfp_growth`` is NaN in each unit's first
    year and in a year that does not follow its predecessor (a gap).
    """
    require_columns(df, [entity, time, output, capital, labour], what="solow_residual")
    where = df[entity].astype(str) + f", {time} " + df[time].astype(str)
    require_positive(df[[output, capital, labour]], where=where, what="solow_residual")
    if isinstance(alpha, str):
        if alpha != "estimate":
            raise ConfigError(f"alpha={alpha!r} is not a number or 'estimate'")
        alpha = estimate_alpha(
            df, output=output, capital=capital, labour=labour, entity=entity, time=time
        )
        if not 0 < alpha < 1:
            raise EstimationError(
                f"solow_residual: estimated capital elasticity {alpha:.4f} is outside (0, 1); "
                "set alpha in the configuration"
            )
    elif not 0 < float(alpha) < 1:
        raise ConfigError(f"alpha={alpha!r} must lie in (0, 1)")
    alpha = float(alpha)
    ln_a = (
        np.log(df[output].to_numpy(float))
        - alpha * np.log(df[capital].to_numpy(float))
        - (1 - alpha) * np.log(df[labour].to_numpy(float))
    )
    out = pd.DataFrame({entity: df[entity].to_numpy(), time: df[time].to_numpy(), "ln_tfp": ln_a})
    out["tfp_growth"] = _growth(out, "ln_tfp", entity=entity, time=time)
    out["alpha"] = alpha
    return out.set_axis(df.index)


def _growth(df: pd.DataFrame, col: str, *, entity: str, time: str) -> np.ndarray:
    """Within-unit first difference of ``col`` between consecutive years (NaN otherwise)."""
    order = df.sort_values([entity, time], kind="stable")
    prev_val = order.groupby(entity)[col].shift()
    prev_time = order.groupby(entity)[time].shift()
    diff = (order[col] - prev_val).where(order[time] - prev_time == 1)
    return diff.reindex(df.index).to_numpy(float)


def tornqvist_tfp_growth(
    df: pd.DataFrame,
    *,
    output: str,
    capital: str,
    labour: str,
    labour_share: str,
    entity: str,
    time: str,
) -> pd.DataFrame:
    r"""TFP growth with time-varying factor shares (Törnqvist), as Penn World Table's ``rtfpna``.

    .. math::
        \Delta\ln A_t = \Delta\ln Y_t - \bar s_t\,\Delta\ln L_t - (1-\bar s_t)\,\Delta\ln K_t,
        \qquad \bar s_t = \tfrac12 (s_t + s_{t-1})

    with :math:`s` the labour share. Rows are the years that follow their
    predecessor within a unit (first years and years after a gap are absent).
    """
    require_columns(df, [entity, time, output, capital, labour, labour_share], what="tornqvist")
    where = df[entity].astype(str) + f", {time} " + df[time].astype(str)
    require_positive(df[[output, capital, labour, labour_share]], where=where, what="tornqvist")
    d = df[[entity, time]].copy()
    for c in (output, capital, labour):
        d[c] = _growth(df.assign(_v=np.log(df[c].to_numpy(float))), "_v", entity=entity, time=time)
    share = df.sort_values([entity, time], kind="stable").groupby(entity)[labour_share]
    s_bar = ((share.shift() + df[labour_share]) / 2).reindex(df.index)
    d["tfp_growth"] = d[output] - s_bar * d[labour] - (1 - s_bar) * d[capital]
    d = d.loc[d["tfp_growth"].notna(), [entity, time, "tfp_growth"]]
    return d.sort_values([entity, time], kind="stable").reset_index(drop=True)
