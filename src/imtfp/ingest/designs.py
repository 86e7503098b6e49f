"""The files of a causal design, read and turned into its treatment timing (rule ``did_timing``).

The treatment timing is a measure: one row per treated unit with its first treated period, built
here from the policy list (:mod:`imtfp.ingest.city`) upstream of every estimator, so the DiD
models (:mod:`imtfp.models.did`) take DataFrames and never read a file.

``spec`` is one design of the config (``designs.<name>``) with the schema's defaults filled in
(:func:`imtfp.models.registry.design_spec`; the workflow passes it so).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from imtfp.errors import ConfigError
from imtfp.ingest.city import city_timing, province_timing, read_pilot_list, read_pku_city


def read_outcome_data(path: str | Path, spec: Mapping) -> pd.DataFrame:
    """The design's outcome file: ``pku_city`` (Stata file of the PKU city index) or ``csv``
    (columns province or city, year, outcomes; unit codes read as text)."""
    if spec["outcome_reader"] == "pku_city":
        return read_pku_city(path)
    return pd.read_csv(path, dtype={"province": str, "city": str})


def design_timing(
    pilots: pd.DataFrame, spec: Mapping, units: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(timing, unmatched) of a design; ``units`` (city outcome data) is needed at city level."""
    if spec["level"] == "province":
        return province_timing(
            pilots, policy=spec["policy"], regions=spec["regions"], overrides=spec["overrides"]
        )
    if units is None:
        raise ConfigError("a city-level design needs its outcome data to match city names")
    return city_timing(
        pilots, units, policy=spec["policy"], aliases=spec["aliases"], overrides=spec["overrides"]
    )


def read_design_timing(
    pilots: str | Path, spec: Mapping, *, outcome_data: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The timing of a design from its files: the pilot list and, at city level, the outcome
    file whose city names the list is matched to (rule ``did_timing``'s one call)."""
    units = None
    if spec["level"] == "city":
        if outcome_data is None:
            raise ConfigError("a city-level design needs outcome data (outcome_data)")
        units = read_outcome_data(outcome_data, spec)
    return design_timing(read_pilot_list(pilots), spec, units)
