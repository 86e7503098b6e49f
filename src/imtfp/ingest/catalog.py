"""The indicator catalog and unit conversion to each indicator's canonical unit."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from imtfp.errors import ConfigError, IngestError


def _read(name: str) -> pd.DataFrame:
    with resources.files("imtfp.data").joinpath(name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str)


@cache
def indicators() -> pd.DataFrame:
    """Catalog: code, name_zh, name_en, unit (canonical), description."""
    return _read("indicators.csv")


@cache
def units() -> pd.DataFrame:
    """Known units: unit, dimension, factor (multiplier to the dimension's base unit)."""
    df = _read("units.csv")
    df["factor"] = df["factor"].astype(float)
    return df.set_index("unit")


@cache
def _canonical_units() -> dict[str, str]:
    return dict(zip(indicators()["code"], indicators()["unit"]))


def canonical_unit(code: str) -> str:
    """Canonical unit of a catalog code; ``KeyError`` naming the code if unknown."""
    units_of = _canonical_units()
    if code not in units_of:
        raise ConfigError(
            f"indicator code {code!r} is not in the catalog (src/imtfp/data/indicators.csv)"
        )
    return units_of[code]


def conversion_factor(unit: str, code: str, *, file: str | None = None) -> float:
    """Multiplier taking values in ``unit`` to the canonical unit of ``code``.

    Raises :class:`~imtfp.errors.IngestError` for an unknown unit or one of
    another dimension (亿元 cannot become 万人).
    """
    target = canonical_unit(code)
    table = units()
    for u in (unit, target):
        if u not in table.index:
            raise IngestError(
                f"unknown unit {u!r} for indicator {code!r} (known: {', '.join(table.index)})",
                file=file,
            )
    if table.at[unit, "dimension"] != table.at[target, "dimension"]:
        raise IngestError(
            f"unit {unit!r} cannot be converted to {target!r} for indicator {code!r}", file=file
        )
    return table.at[unit, "factor"] / table.at[target, "factor"]
