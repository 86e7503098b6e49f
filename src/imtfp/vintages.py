"""One vintage per indicator: the panel refuses a series mixing releases, and a ratio of two.

NBS revises history (the 2025 revision after the 5th economic census moved Beijing's 2019 GRP
from 35445.1 to 37767.0 亿元). A series spliced from two releases, or value added of one release
divided by GRP of another, is wrong in a way no later stage notices. The config declares, per
indicator, the one vintage its panel cells must carry (``panel.vintages``), and names with a
reason any derived variable that combines declared indicators of different vintages on purpose
(``panel.mixed_vintages``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from imtfp import provinces
from imtfp.errors import ConfigError

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_vintages(observations: pd.DataFrame, spec: Mapping) -> None:
    """Raise :class:`ConfigError` when the panel window would mix vintages against the config.

    Parameters
    ----------
    observations : warehouse observations after conflict resolution (``province``, ``year``,
        ``indicator``, ``vintage``, ``source_file``, ``source_line``).
    spec : the ``panel`` section: ``years``, ``drop_provinces``, ``vintages`` {indicator: vintage},
        ``mixed_vintages`` {derived name: reason}, ``derived`` {name: expression}.

    Rules
    -----
    1. Every observation of a declared indicator inside the window (years and provinces of the
       panel) carries the declared vintage, and there is at least one.
    2. A derived variable whose expression names declared indicators of more than one declared
       vintage is an error unless ``mixed_vintages`` names it with a reason.
    """
    # null: not checked (an overlay whose window does not use a series the baseline pins)
    declared = {k: v for k, v in (spec.get("vintages") or {}).items() if v is not None}
    if not declared:
        return
    mixed = dict(spec.get("mixed_vintages") or {})
    first, last = spec["years"]
    drop = {provinces.to_code(p) for p in spec.get("drop_provinces", [])}
    window = observations[
        observations["year"].between(first, last) & ~observations["province"].isin(drop)
    ]
    for indicator, vintage in declared.items():
        rows = window[window["indicator"] == indicator]
        if rows.empty:
            raise ConfigError(
                f"panel.vintages.{indicator}: no observation of {indicator!r} in {first}-{last}"
            )
        other = rows[rows["vintage"].astype(str) != str(vintage)]
        if len(other):
            found = sorted(other["vintage"].astype(str).unique())
            r = other.iloc[0]
            raise ConfigError(
                f"panel.vintages.{indicator}: {len(other)} cell(s) of {indicator!r} are of vintage(s) {found}, "
                f"not {vintage!r} (e.g. province {r['province']}, year {r['year']}, {r['source_file']} line "
                f"{r['source_line']}); one vintage per indicator: rank the declared one first in "
                "dataset.vintage_priority or stop reading the other source"
            )
    for name, expr in (spec.get("derived") or {}).items():
        used = {i for i in _IDENT.findall(str(expr)) if i in declared}
        vintages = {str(declared[i]) for i in used}
        if len(vintages) > 1 and name not in mixed:
            parts = ", ".join(f"{i} ({declared[i]})" for i in sorted(used))
            raise ConfigError(
                f"panel.derived.{name}: combines indicators of different vintages: {parts}; "
                f"declare it in panel.mixed_vintages.{name} with the reason, or use one vintage"
            )
    unused = set(mixed) - set(spec.get("derived") or {})
    if unused:
        raise ConfigError(f"panel.mixed_vintages names no derived variable: {sorted(unused)}")
