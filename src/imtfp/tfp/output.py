"""Real output, real growth, labour across a census-basis break, and real investment per resident.

The quantities the TFP stage feeds into production accounting, written to
``measure/tfp.parquet`` so that the analysis frame carries them (``gdp_real``, ``gdp_growth``,
``labour``, ``invest_pc_real``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.splice import splice_breaks
from imtfp.tfp._checks import require_columns
from imtfp.tfp.growth import real_output

SPLICE_KEYS = {"year", "growth_years"}


def output_chain(panel: pd.DataFrame, *, base_year: int) -> pd.DataFrame:
    r"""Real GRP at ``base_year`` prices and real growth (%), from nominal GRP and its 上年=100 index.

    .. math::
        Y_{i,b} = \text{GDP}^{nom}_{i,b}, \qquad Y_{i,t} = Y_{i,t-1}\, I_{i,t}/100, \qquad
        g_{i,t} = I_{i,t} - 100 = 100\,(Y_{i,t}/Y_{i,t-1} - 1)

    Both series must be of ONE release (the dataset config enforces it): NBS chains the index
    within a revision, so nominal GRP of another revision in the base year would put real GRP on
    a level the index does not belong to.

    Returns
    -------
    Frame ``province, year, gdp_real, gdp_growth`` in the panel's row order. ``gdp_growth`` in a
    province's first panel year is the published index of that year (the chain needs no level).
    """
    require_columns(panel, ["province", "year", "gdp", "gdp_index"], what="output chain")
    keys = pd.MultiIndex.from_frame(panel[["province", "year"]].astype({"province": str}))
    real = real_output(
        pd.Series(panel["gdp"].to_numpy(float), index=keys),
        pd.Series(panel["gdp_index"].to_numpy(float), index=keys),
        base_year=int(base_year),
    )
    out = panel[["province", "year"]].astype({"province": str}).reset_index(drop=True)
    out["gdp_real"] = real.to_numpy()
    out["gdp_growth"] = panel["gdp_index"].to_numpy(float) - 100.0
    return out


def splice_labour(
    panel: pd.DataFrame, spec: Mapping | None, *, column: str = "employment"
) -> pd.Series:
    r"""Employment on one census basis: the years before ``year`` rescaled to the new basis.

    NBS totals from ``year`` (2020, 7th census) are on a new basis; the series before it is not
    revised. Each province's earlier years are multiplied by one factor so that the assumed
    growth across the seam equals the province's mean growth over the next ``growth_years`` years
    (both on the new basis):

    .. math::
        f_i = \frac{L_{i,s}}{L_{i,s-1}\, \bar g_i}, \qquad
        \bar g_i = (L_{i,s+n}/L_{i,s})^{1/n}, \qquad L^*_{i,t} = f_i L_{i,t}\ (t < s)

    A province without ``year - 1`` or ``year + n`` in the panel is left as it is. ``spec`` None
    (no ``tfp.labour_splice``) returns the column unchanged. (One break of
    :func:`splice_breaks`, every province.)

    Returns
    -------
    Series ``labour`` in the panel's row order.
    """
    if not spec:
        return panel[column].astype(float).rename("labour").reset_index(drop=True)
    if unknown := set(spec) - SPLICE_KEYS:
        raise ConfigError(f"tfp.labour_splice: unknown keys {sorted(unknown)}")
    return splice_breaks(panel, column, [spec], what="tfp.labour_splice").rename("labour")


def invest_per_resident(capital: pd.DataFrame, panel: pd.DataFrame) -> pd.Series:
    r"""Real investment per resident (元, investment prices of the capital stage's ``base_year``).

    .. math:: i_{it} = \frac{I_{it} / P_{it}}{\text{Pop}_{it}} \times 10^4, \qquad P_{i,b} = 1

    ``I`` in 亿元 and population in 万人. Each province's price index is rebased to 1 in the same
    base year, so levels compare across provinces only as far as relative prices in the base year
    do (a fixed-base 1952 = 1 index would compare 1952 price levels, which differ many-fold).
    """
    require_columns(capital, ["province", "year", "invest", "price"], what="capital stage output")
    require_columns(panel, ["province", "year", "population"], what="panel")
    cap = capital[["province", "year", "invest", "price"]].astype({"province": str})
    keys = panel[["province", "year"]].astype({"province": str}).reset_index(drop=True)
    m = keys.merge(cap, on=["province", "year"], how="left", validate="one_to_one")
    if m["price"].isna().any():
        row = m.loc[m["price"].isna(), ["province", "year"]].iloc[0].tolist()
        raise EstimationError(f"no investment price for province-year {row}")
    pop = panel["population"].to_numpy(float)
    return pd.Series(
        m["invest"].to_numpy(float) / m["price"].to_numpy(float) / pop * 1e4, name="invest_pc_real"
    )
