"""Provincial capital stock by the perpetual inventory method (Zhang, Wu & Zhang 2004).

Reproduces the R package CHNCapitalStock (GitHub common2016/CapitalStock,
``CompK(method = "ZJ")``) from the same data: δ = 0.096,
K_first = (I_first / P_first) / 0.1, K_t = (1 − δ) K_{t−1} + I_t / P_t.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.options import CapitalBase as Base
from imtfp.options import NonPositive, check_option
from imtfp.tfp._checks import require_columns

BASES = ("zhang", "hall_jones")
NONPOSITIVE = ("raise", "keep")

#: Zhang et al. (2004) divide the first year's real investment by 10 %.
ZHANG_INITIAL_RATE = 0.1


def _province_frame(
    invest: pd.DataFrame,
    *,
    entity: str,
    time: str,
    invest_col: str,
    price_col: str,
    nonpositive: NonPositive,
) -> pd.DataFrame:
    require_columns(invest, [entity, time, invest_col, price_col], what="capital_stock input")
    df = invest[[entity, time, invest_col, price_col]].copy()
    df.columns = ["unit", "year", "invest", "price"]
    if df.duplicated(["unit", "year"]).any():
        pairs = df.loc[df.duplicated(["unit", "year"], keep=False), ["unit", "year"]]
        raise EstimationError(
            f"capital_stock: repeated ({entity}, {time}) {pairs.head(5).values.tolist()}"
        )
    df = df.sort_values(["unit", "year"], kind="stable").reset_index(drop=True)
    for unit, g in df.groupby("unit", sort=False):
        y = g["year"].to_numpy()
        gap = np.nonzero(np.diff(y) != 1)[0]
        if gap.size:
            raise EstimationError(
                f"capital_stock: {entity} {unit!s} has no data for {time} {y[gap[0]] + 1} "
                f"(gap between {y[gap[0]]} and {y[gap[0] + 1]})"
            )
    for col, rule in (("price", "raise"), ("invest", nonpositive)):
        v = df[col].to_numpy(float)
        bad = ~np.isfinite(v) | ((v <= 0) if rule == "raise" else np.zeros_like(v, bool))
        if bad.any():
            r = df.loc[bad].iloc[0]
            what = "missing" if not np.isfinite(r[col]) else f"not > 0 ({float(r[col])!r})"
            raise EstimationError(
                f"capital_stock: {col} is {what} for {entity} {r['unit']!s}, {time} {r['year']!s}"
                f" ({int(bad.sum())} such cell(s))"
                + (
                    "; pass nonpositive='keep' to accumulate it as published"
                    if col == "invest"
                    else ""
                )
            )
    return df


def _rebase_factor(df: pd.DataFrame, unit, base_year: int | None, split: Mapping) -> float:
    if base_year is None:
        return 1.0
    for u in (unit, split.get(unit)):
        row = df[(df["unit"] == u) & (df["year"] == base_year)] if u is not None else df.iloc[:0]
        if len(row):
            return float(row["price"].iloc[0])
    raise EstimationError(
        f"capital_stock: base_year {base_year} is outside the years of {unit!s}"
        + (f" and of {split[unit]!s}" if unit in split else "")
    )


def _initial_stock(g: pd.DataFrame, *, base: Base, delta: float, hj_years: int) -> float:
    real = g["real_invest"].to_numpy()
    if base == "zhang":
        return real[0] / ZHANG_INITIAL_RATE
    if real.size <= hj_years:
        raise EstimationError(
            f"capital_stock: Hall–Jones start needs {hj_years + 1} years, "
            f"{g['unit'].iloc[0]!s} has {real.size}"
        )
    if real[0] <= 0 or real[hj_years] <= 0:
        raise EstimationError(
            f"capital_stock: Hall–Jones growth undefined for {g['unit'].iloc[0]!s}"
        )
    g_rate = (real[hj_years] / real[0]) ** (1.0 / hj_years) - 1.0
    if g_rate + delta <= 0:
        raise EstimationError(
            f"capital_stock: Hall–Jones g + δ = {g_rate + delta:.4f} ≤ 0 for {g['unit'].iloc[0]!s}"
        )
    return real[0] / (g_rate + delta)


def capital_stock(
    invest: pd.DataFrame,
    *,
    delta: float = 0.096,
    base: Base = "zhang",
    base_year: int | None = None,
    entity: str = "province",
    time: str = "year",
    invest_col: str = "invest",
    price_col: str = "price",
    hj_years: int = 5,
    split: Mapping[str, str] | None = None,
    initial: Mapping[str, float] | None = None,
    nonpositive: NonPositive = "raise",
) -> pd.DataFrame:
    r"""Perpetual-inventory capital stock of each unit from nominal investment and its price index.

    .. math::
        K_t = (1-\delta) K_{t-1} + I_t / P_t

    where I is nominal gross fixed capital formation and P a fixed-base
    investment price index. Each unit starts in its own first year t₀ with

    * ``base="zhang"``: :math:`K_{t_0} = (I_{t_0}/P_{t_0}) / 0.1` (Zhang et al. 2004);
    * ``base="hall_jones"``: :math:`K_{t_0} = (I_{t_0}/P_{t_0}) / (g+\delta)`, g the
      geometric mean growth of real investment over the first ``hj_years``
      intervals: :math:`g = (\tilde I_{t_0+h}/\tilde I_{t_0})^{1/h} - 1`.

    Parameters
    ----------
    invest : long frame with ``entity``, ``time``, ``invest_col`` (nominal) and
        ``price_col`` (fixed-base index); years consecutive within each unit.
    delta : depreciation rate in (0, 1).
    base_year : rebase P to 1 in this year so K is in ``base_year`` prices
        (the whole series, initial stock included, is scaled by P(base_year);
        CHNCapitalStock rebases only the flows and leaves K₁₉₅₂ in 1952 prices,
        a difference of order (1−δ)^(t−1952)). ``None`` keeps P as given.
    split : ``{child: parent}`` for a unit carved out of another, e.g.
        ``{"chongqing": "sichuan"}``: the child starts with the parent's stock of
        the year before the child's first year times the ratio of their nominal
        investment in the child's first year (CHNCapitalStock's method for
        Chongqing: K₁₉₉₆ = K_Sichuan,1995 · I_Chongqing,1996 / I_Sichuan,1996),
        and a base year before the child's first year uses the parent's price.
    initial : ``{unit: K}`` explicit first-year stocks in ``base_year`` prices;
        overrides ``base`` and ``split`` for those units.
    nonpositive : "raise" (default) makes zero or negative investment an error
        naming unit and year; "keep" accumulates it as published (the
        CHNCapitalStock data have negative GFCF for Fujian 1967–1968).

    Returns
    -------
    Frame with columns ``entity``, ``time``, ``invest``, ``price`` (rebased),
    ``real_invest`` and ``capital``, sorted by unit and year.

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({"province": "a", "year": [2000, 2001, 2002],
    ...                     "invest": [10.0, 11.0, 12.1], "price": 1.0})
    >>> capital_stock(inv, delta=0.1, base="zhang")["capital"].tolist()  # K0 = I0/0.1, K = 0.9K + I
    [100.0, 101.0, 103.0]
    """
    check_option(base, BASES, "base")
    check_option(nonpositive, NONPOSITIVE, "nonpositive")
    if not 0 < delta < 1:
        raise ConfigError(f"delta={delta!r} must lie in (0, 1)")
    if int(hj_years) != hj_years or hj_years < 1:
        raise ConfigError(f"hj_years={hj_years!r} must be a positive integer")
    split = dict(split or {})
    initial = dict(initial or {})
    df = _province_frame(
        invest,
        entity=entity,
        time=time,
        invest_col=invest_col,
        price_col=price_col,
        nonpositive=nonpositive,
    )
    units = list(dict.fromkeys(df["unit"]))
    for child, parent in split.items():
        if child not in units or parent not in units:
            raise ConfigError(
                f"capital_stock: split {child!r} <- {parent!r} names a unit not in the data"
            )
        if parent in split:
            raise ConfigError(f"capital_stock: split parent {parent!r} is itself split")
    factors = {u: _rebase_factor(df, u, base_year, split) for u in units}
    df["price"] = df["price"] / df["unit"].map(factors)
    df["real_invest"] = df["invest"] / df["price"]
    stocks: dict = {}
    # parents before children so that a child's initial stock can use its parent's
    for unit in sorted(units, key=lambda u: u in split):
        g = df[df["unit"] == unit]
        if unit in initial:
            k0 = float(initial[unit])
        elif unit in split:
            k0 = _split_initial(df, stocks, unit, split[unit], entity=entity, time=time)
        else:
            k0 = _initial_stock(g, base=base, delta=delta, hj_years=hj_years)
        k = np.empty(len(g))
        k[0] = k0
        for t, i_t in enumerate(g["real_invest"].to_numpy()[1:], start=1):
            k[t] = (1 - delta) * k[t - 1] + i_t
        stocks[unit] = pd.Series(k, index=g["year"].to_numpy())
    df["capital"] = [stocks[u][y] for u, y in zip(df["unit"], df["year"])]
    return df.rename(columns={"unit": entity, "year": time})[
        [entity, time, "invest", "price", "real_invest", "capital"]
    ]


def _split_initial(
    df: pd.DataFrame, stocks: dict, child, parent, *, entity: str, time: str
) -> float:
    first = int(df.loc[df["unit"] == child, "year"].min())
    nominal = df.set_index(["unit", "year"])["invest"]
    try:
        k_parent = stocks[parent][first - 1]
        ratio = nominal[(child, first)] / nominal[(parent, first)]
    except KeyError:
        raise EstimationError(
            f"capital_stock: splitting {entity} {child!s} from {parent!s} needs {parent!s}'s data "
            f"for {time} {first - 1} and {first}"
        ) from None
    return float(k_parent * ratio)
