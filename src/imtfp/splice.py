"""Statistical breaks bridged: a series' earlier years rescaled onto its later basis.

Shared by the panel stage (``panel.splice``: breaks in raw series such as the 2011 and 2013
coverage changes of urban-unit employment, bridged before any ratio is derived from them) and
the TFP chains (labour across a census basis, investment-statistics corrections).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError
from imtfp.options import SpliceFrom, check_option
from imtfp.provinces import to_code

BREAK_KEYS = {"year", "growth_years", "growth_from", "province", "reason"}


def splice_breaks(
    panel: pd.DataFrame,
    column: str,
    breaks: Sequence[Mapping],
    *,
    entity: str = "province",
    time: str = "year",
    what: str = "splice",
) -> pd.Series:
    r"""A series with declared statistical breaks bridged: earlier years rescaled to the later basis.

    For each break at year :math:`s` (latest first, so that a splice sees the later breaks already
    bridged), every earlier year of the affected units is multiplied by one factor that makes the
    growth across the seam equal to the unit's mean growth over ``growth_years`` = n years next to
    it:

    .. math::
        f_i = rac{x_{i,s}}{x_{i,s-1}\, ar g_i}, \qquad x^*_{i,t} = f_i\, x_{i,t}\ (t < s),

    with :math:`ar g_i = (x_{i,s+n}/x_{i,s})^{1/n}` (``growth_from: after``, the default) or
    :math:`(x_{i,s-1}/x_{i,s-1-n})^{1/n}` (``before``: a break in the last years of a series).

    Parameters
    ----------
    panel : long frame with ``entity``, ``time`` and ``column``.
    breaks : ``{year, growth_years (2), growth_from (after | before), province (optional: one
        unit, any spelling; default every unit), reason (documentation only)}``.

    Returns
    -------
    Series named ``column`` in the panel's row order. A unit lacking one of the years a factor
    needs (or with a non-finite factor) is left as it is.
    """
    df = panel[[entity, time]].reset_index(drop=True).assign(x=panel[column].to_numpy(float))
    wide = df.pivot(index=entity, columns=time, values="x")
    for br in sorted(breaks, key=lambda b: -int(b["year"])):
        if unknown := set(br) - BREAK_KEYS:
            raise ConfigError(f"{what}: unknown keys {sorted(unknown)} in break {dict(br)}")
        s, n = int(br["year"]), int(br.get("growth_years", 2))
        side = br.get("growth_from", "after")
        check_option(side, SpliceFrom, f"{what}.growth_from")
        if n < 1:
            raise ConfigError(f"{what}.growth_years must be >= 1, not {n}")
        needed = {s - 1, s, s + n} if side == "after" else {s - 1 - n, s - 1, s}
        if not needed <= set(wide.columns):
            continue
        g = (wide[s + n] / wide[s] if side == "after" else wide[s - 1] / wide[s - 1 - n]) ** (
            1.0 / n
        )
        f = (wide[s] / (wide[s - 1] * g)).where(lambda v: np.isfinite(v), 1.0)
        if br.get("province") is not None:
            try:
                unit = to_code(str(br["province"]))
            except ValueError as err:
                raise ConfigError(f"{what}: {err}") from None
            f = f.where(f.index.astype(str) == unit, 1.0)
        early = [c for c in wide.columns if c < s]
        wide[early] = wide[early].mul(f, axis=0)
    long = wide.stack(future_stack=True).rename("x")
    keys = pd.MultiIndex.from_frame(df[[entity, time]])
    return pd.Series(long.reindex(keys).to_numpy(float), name=column)


def splice_panel(
    panel: pd.DataFrame, spec: Mapping[str, Sequence[Mapping]] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``panel.splice``: each named series with its breaks bridged (:func:`splice_breaks`).

    Returns
    -------
    (panel, changed): the panel with the series replaced, and one row per changed cell
    (province, year, indicator, method ``splice``, value) for ``panel/imputed.parquet``.
    """
    out = panel.reset_index(drop=True)
    rows = []
    for col, breaks in (spec or {}).items():
        if col not in out.columns:
            raise ConfigError(f"config key 'panel.splice.{col}': not a series of the panel")
        new = splice_breaks(out, col, list(breaks or []), what=f"panel.splice.{col}").to_numpy()
        old = out[col].to_numpy(float)
        changed = np.isfinite(old) & np.isfinite(new) & ~np.isclose(old, new, rtol=0, atol=0)
        for i in np.flatnonzero(changed):
            rows.append(
                (out.at[i, "province"], int(out.at[i, "year"]), col, "splice", float(new[i]))
            )
        out[col] = new
    changed = pd.DataFrame(rows, columns=["province", "year", "indicator", "method", "value"])
    return out, changed
