"""One vintage per indicator (imtfp.vintages.check_vintages)."""

from __future__ import annotations

import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.vintages import check_vintages

pytestmark = pytest.mark.unit


def _obs(secondary_vintage: str = "nbs-2025") -> pd.DataFrame:
    rows = []
    for year in (2020, 2021):
        rows.append(("11", year, "gdp", 1.0, "nbs-2025", "a.csv", 3))
        rows.append(
            (
                "11",
                year,
                "secondary_va",
                0.2,
                secondary_vintage if year == 2021 else "nbs-2025",
                "b.csv",
                4,
            )
        )
    rows.append(
        ("11", 2005, "gdp", 1.0, "first-release", "c.csv", 5)
    )  # outside the window: allowed
    return pd.DataFrame(
        rows,
        columns=["province", "year", "indicator", "value", "vintage", "source_file", "source_line"],
    )


SPEC = {"years": [2020, 2021], "vintages": {"gdp": "nbs-2025", "secondary_va": "nbs-2025"},
        "derived": {"sec_share": "secondary_va / gdp * 100"}}  # fmt: skip


def test_one_vintage_passes():
    check_vintages(_obs(), SPEC)
    check_vintages(
        _obs("energy-panel"), {"years": [2020, 2021]}
    )  # nothing declared: nothing checked


def test_a_series_mixing_vintages_in_the_window_is_an_error():
    with pytest.raises(
        ConfigError, match=r"secondary_va.*\['energy-panel'\].*year 2021, b.csv line 4"
    ):
        check_vintages(_obs("energy-panel"), SPEC)


def test_a_ratio_of_two_vintages_is_an_error_unless_declared():
    spec = {**SPEC, "vintages": {"gdp": "nbs-2025", "secondary_va": "energy-panel"}}
    obs = _obs().assign(
        vintage=lambda d: d["vintage"].where(d["indicator"] != "secondary_va", "energy-panel")
    )
    with pytest.raises(
        ConfigError, match="panel.derived.sec_share: combines indicators of different vintages"
    ):
        check_vintages(obs, spec)
    check_vintages(
        obs, {**spec, "mixed_vintages": {"sec_share": "only a share, revision effects cancel"}}
    )
    with pytest.raises(ConfigError, match="names no derived variable"):
        check_vintages(obs, {**spec, "mixed_vintages": {"sec_share": "x", "nothing": "y"}})


def test_a_declared_indicator_without_cells_is_an_error():
    with pytest.raises(ConfigError, match="no observation of 'gdp_index'"):
        check_vintages(_obs(), {**SPEC, "vintages": {"gdp_index": "nbs-2025"}})
