"""Readers for causal designs: official pilot lists and the PKU city index; treatment timing.

* :func:`read_pilot_list` reads ``policy/pilot_lists.csv`` (one row per listed region and batch:
  ``policy_name, batch_year, raw_region_name, parent_city, mapping_level, source_name,
  source_url, confidence, note``);
* :func:`read_pku_city` reads the Peking University Digital Financial Inclusion Index of cities
  (Stata ``.dta``: ``year, pref_name_year18, pref_code_year18, index_aggregate, ...``);
* :func:`city_timing` and :func:`province_timing` build the treatment timing — a measure: one row per
  treated unit with its first treated period — and a table of EVERY list entry that could not be
  matched to a unit, with the reason. Nothing is dropped silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from imtfp import provinces
from imtfp.errors import ConfigError, IngestError
from imtfp.ingest.cells import names_the_file, parse_year
from imtfp.ingest.tables import csv_table, table_frame

logger = logging.getLogger("imtfp")

PILOT_COLUMNS = ("policy_name", "batch_year", "raw_region_name", "parent_city", "mapping_level")
_SUFFIX = re.compile(r"(市|地区|盟|自治州|特别行政区)$")


@names_the_file
def read_pilot_list(path: str | Path) -> pd.DataFrame:
    """The pilot list as a frame (UTF-8 CSV); raises :class:`IngestError` on missing columns or
    a ``batch_year`` that is not a whole year (``2016.5`` is not 2016)."""
    df = table_frame(csv_table(path))
    missing = [c for c in PILOT_COLUMNS if c not in df.columns]
    if missing:
        raise IngestError(f"pilot list lacks columns {missing}", file=str(path))
    years = df["batch_year"].map(parse_year)
    bad = years.isna()
    if bad.any():
        raise IngestError(
            f"batch_year is not a year: {df.loc[bad, 'batch_year'].iloc[0]!r}",
            file=str(path),
            line=int(df.loc[bad, "line"].iloc[0]),
        )
    df["batch_year"] = years.astype(int)
    return df.rename(columns={"line": "source_line"})


@names_the_file
def read_pku_city(path: str | Path) -> pd.DataFrame:
    """PKU-DFIIC city panel: ``city`` (4-digit 2018 prefecture code, str), ``city_name``,
    ``city_name_en``, ``province`` (2-digit code), ``year`` and the index columns."""
    raw = pd.read_stata(path)
    need = ["year", "pref_name_year18", "pref_code_year18"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise IngestError(f"PKU city file lacks columns {missing}", file=str(path))
    code = raw["pref_code_year18"].astype("Int64").astype(str).str.zfill(4)
    out = pd.DataFrame(
        {
            "city": code,
            "city_name": raw["pref_name_year18"].astype(str),
            "city_name_en": raw.get("pref_name_year18_eng", pd.Series("", index=raw.index)).astype(
                str
            ),
            "province": code.str[:2],
            "year": raw["year"].astype(int),
        }
    )
    drop = {"year", "pref_name_year18", "pref_name_year18_eng", "pref_code_year18", "pref_name_year14",
            "pref_code_year14"}  # fmt: skip
    for c in raw.columns:
        if c not in drop:
            out[c] = pd.to_numeric(raw[c], errors="coerce").astype(float)
    return out


def short_name(name: str) -> str:
    """A city name without its administrative suffix (北京市 → 北京, 延边朝鲜族自治州 → 延边朝鲜族)."""
    return _SUFFIX.sub("", str(name).strip())


def _policy_rows(pilots: pd.DataFrame, policy: str) -> pd.DataFrame:
    rows = pilots[pilots["policy_name"] == policy]
    if rows.empty:
        known = sorted(pilots["policy_name"].unique())
        raise ConfigError(f"policy {policy!r} is not in the pilot list; known: {known}")
    return rows


def _first(matched: pd.DataFrame, unit: str, overrides: Mapping[str, int]) -> pd.DataFrame:
    timing = (
        matched.groupby(unit, as_index=False)["batch_year"]
        .min()
        .rename(columns={"batch_year": "first_treated"})
    )
    for key, year in overrides.items():
        timing.loc[timing[unit] == key, "first_treated"] = int(year)
    return timing


def city_timing(
    pilots: pd.DataFrame,
    cities: pd.DataFrame,
    *,
    policy: str,
    aliases: Mapping[str, str] | None = None,
    overrides: Mapping[str, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First treated year of each city named in ``policy``'s list, matched by name to ``cities``.

    ``parent_city`` (city groups expanded, districts mapped to their municipality) is matched to
    ``cities.city_name`` without administrative suffixes; ``aliases`` maps a listed name to a city
    name. A city listed in several batches takes its first. Returns (timing: city, city_name,
    first_treated; unmatched: every list row without a city, with reason and source line).
    """
    aliases = dict(aliases or {})
    rows = _policy_rows(pilots, policy).copy()
    names = cities.drop_duplicates("city")[["city", "city_name"]]
    lookup = {short_name(n): c for c, n in zip(names["city"], names["city_name"], strict=True)}
    target = rows["parent_city"].map(lambda s: aliases.get(s, s)).map(short_name)
    rows["city"] = target.map(lookup)
    unmatched = rows[rows["city"].isna()].assign(
        reason="no prefecture-level city of this name in the outcome data"
    )
    for r in unmatched.itertuples():
        logger.warning(
            "did timing: %s %s (line %s) not matched: %s",
            policy,
            r.raw_region_name,
            r.source_line,
            r.reason,
        )
    timing = _first(
        rows.dropna(subset=["city"]),
        "city",
        {lookup.get(short_name(k), k): v for k, v in (overrides or {}).items()},
    )
    timing = timing.merge(names, on="city", how="left")[["city", "city_name", "first_treated"]]
    cols = [
        "policy_name",
        "batch_year",
        "raw_region_name",
        "parent_city",
        "mapping_level",
        "source_line",
        "reason",
    ]
    return timing, unmatched[cols].reset_index(drop=True)


def province_timing(
    pilots: pd.DataFrame,
    *,
    policy: str,
    regions: Mapping[str, Sequence[str]] | None = None,
    overrides: Mapping[str, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First treated year of each province named in ``policy``'s list.

    A listed name is a province (贵州省, 上海市) or a key of ``regions`` expanded to provinces
    (京津冀 → 北京, 天津, 河北; a city → its province, if the design says so). ``overrides`` sets
    a province's first treated year (e.g. 贵州: 2015, approved before the 2016 batch). Returns
    (timing: province, first_treated; unmatched rows with the reason).
    """
    regions = dict(regions or {})
    rows = _policy_rows(pilots, policy)
    matched, missed = [], []
    for r in rows.itertuples():
        members = regions.get(r.raw_region_name) or regions.get(r.parent_city) or [r.parent_city]
        for name in members:
            try:
                matched.append({"province": provinces.to_code(name), "batch_year": r.batch_year})
            except ValueError:
                missed.append({**{c: getattr(r, c) for c in (*PILOT_COLUMNS, "source_line")},
                               "reason": f"{name!r} is not a province; map it under the design's regions"})  # fmt: skip
    cols = [*PILOT_COLUMNS, "source_line", "reason"]
    unmatched = pd.DataFrame(missed, columns=cols)
    for r in unmatched.itertuples():
        logger.warning(
            "did timing: %s %s (line %s) not matched: %s",
            policy,
            r.raw_region_name,
            r.source_line,
            r.reason,
        )
    ov = {_province_key(k): v for k, v in (overrides or {}).items()}
    timing = _first(pd.DataFrame(matched, columns=["province", "batch_year"]), "province", ov)
    return timing, unmatched


def _province_key(name: str) -> str:
    try:
        return provinces.to_code(str(name))
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"overrides: {name!r} is not a province") from None
