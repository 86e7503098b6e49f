"""The DuckDB warehouse: every raw cell lands in ``observations`` or ``rejects`` or is counted as excluded.

Tables: ``observations`` (long, canonical units, vintage, source file and line),
``rejects`` (cell, reason), ``excluded`` (national / Hong Kong / Macao /
Taiwan rows and unmapped indicators, with their cell counts), ``accounting``
(per file: non-empty cells = observations + rejects + excluded cells),
``conflicts`` (resolved vintage conflicts), ``provinces``, ``indicators``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from imtfp import provinces
from imtfp.database import connect
from imtfp.errors import ConfigError, IngestError
from imtfp.ingest import catalog
from imtfp.ingest.manifest import Manifest, of_file, read_entry
from imtfp.ingest.nbs import REJECT_COLUMNS

OBS_COLUMNS = [
    "province", "year", "indicator", "value", "unit", "vintage",
    "raw_indicator", "raw_value", "raw_unit", "source_file", "source_line",
]  # fmt: skip
KEY = ["province", "year", "indicator"]
_TABLES = (
    "observations",
    "rejects",
    "excluded",
    "accounting",
    "conflicts",
    "provinces",
    "indicators",
    "meta",
)


@dataclass
class Warehouse:
    observations: pd.DataFrame
    rejects: pd.DataFrame
    excluded: pd.DataFrame
    accounting: pd.DataFrame
    conflicts: pd.DataFrame
    dataset: str = ""
    simulated: bool = False


def _same(values: np.ndarray) -> bool:
    return bool(np.allclose(values, values[0], rtol=1e-12, atol=0.0))


def resolve_conflicts(
    obs: pd.DataFrame, vintage_priority: Mapping[str, Sequence[str]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Keep one observation per province-year-indicator.

    Equal values from several files keep one (the vintage ranked first in
    ``vintage_priority[indicator]``, else the first file) and reject the others as
    duplicates. Different values are a conflict: the vintage ranked first in
    ``vintage_priority[indicator]`` wins and the others are rejected as
    superseded; without a ranking the conflict raises
    :class:`~imtfp.errors.IngestError` listing the cells.

    Returns kept observations, rejected rows, and a conflicts table.
    """
    obs = obs.sort_values(KEY + ["source_file", "source_line"], kind="stable").reset_index(
        drop=True
    )
    dup = obs.duplicated(KEY, keep=False)
    if not dup.any():
        return obs, pd.DataFrame(columns=REJECT_COLUMNS), pd.DataFrame()
    keep = ~dup
    rejects, conflicts, unresolved = [], [], []
    for key, grp in obs[dup].groupby(KEY, sort=True):
        rank = {v: i for i, v in enumerate(vintage_priority.get(key[2], []))}
        if _same(grp["value"].to_numpy()):
            # equal values: the ranked vintage (if any) is the one kept, so its stamp is the cell's
            winner = min(grp.index, key=lambda i: (rank.get(grp.at[i, "vintage"], len(rank)), i))
            reason = "duplicate of {f} line {l} (same value)"
        elif all(v in rank for v in grp["vintage"]):
            winner = min(grp.index, key=lambda i: (rank[grp.at[i, "vintage"]], i))
            reason = "superseded by vintage {v} ({f} line {l})"
        else:
            unresolved.append(grp)
            continue
        keep[winner] = True
        w = grp.loc[winner]
        for i in grp.index.drop(winner):
            r = grp.loc[i]
            why = reason.format(v=w["vintage"], f=w["source_file"], l=w["source_line"])
            rejects.append(
                (
                    r["source_file"],
                    r["source_line"],
                    r["province"],
                    r["year"],
                    r["indicator"],
                    r["raw_value"],
                    why,
                )
            )
            conflicts.append({**dict(zip(KEY, key)), "kept_vintage": w["vintage"], "kept_value": w["value"],
                              "dropped_vintage": r["vintage"], "dropped_value": r["value"],
                              "dropped_file": r["source_file"], "dropped_line": r["source_line"], "reason": why})  # fmt: skip
    if unresolved:
        lines = []
        for grp in unresolved[:5]:
            cells = "; ".join(
                f"{r.source_file} line {r.source_line} (vintage {r.vintage}) = {r.value:g}"
                for r in grp.itertuples()
            )
            lines.append(
                f"province {grp['province'].iat[0]}, year {grp['year'].iat[0]}, indicator {grp['indicator'].iat[0]}: {cells}"
            )
        raise IngestError(
            f"{len(unresolved)} conflicting cells between sources; name the winning vintage "
            "in config (dataset.vintage_priority) or fix the data:\n  " + "\n  ".join(lines)
        )
    return (
        obs[keep].reset_index(drop=True),
        pd.DataFrame(rejects, columns=REJECT_COLUMNS),
        pd.DataFrame(conflicts),
    )


def ingest(
    manifest: Manifest,
    *,
    on_bad_cell: Literal["error", "reject"] = "error",
    vintage_priority: Mapping[str, Sequence[str]] | None = None,
) -> Warehouse:
    """Read every file of a manifest, resolve vintages and account for every cell."""
    readings = [read_entry(manifest, e, on_bad_cell=on_bad_cell) for e in manifest.files]
    obs = pd.concat(
        [
            r.observations.rename(columns={"indicator": "raw_indicator", "code": "indicator"})
            for r in readings
        ],
        ignore_index=True,
    )[OBS_COLUMNS]
    obs, superseded, conflicts = resolve_conflicts(obs, vintage_priority or {})
    rejects = pd.concat(
        [r.rejects for r in readings if len(r.rejects)] + [superseded], ignore_index=True
    )
    rejects = rejects.astype({"source_line": "int64", "year": "Int64"})
    excluded = pd.concat([r.excluded for r in readings], ignore_index=True).astype(
        {"cells": "int64"}
    )
    accounting = _accounting(manifest, readings, obs, rejects, excluded)
    return Warehouse(
        obs, rejects, excluded, accounting, conflicts, manifest.dataset, manifest.simulated
    )


def _accounting(manifest, readings, obs, rejects, excluded) -> pd.DataFrame:
    rows = []
    for entry, reading in zip(manifest.files, readings):
        f = str(entry["path"])
        n_obs = int(of_file(obs["source_file"], f).sum())
        n_rej = int(of_file(rejects["source_file"], f).sum())
        n_exc = int(excluded.loc[of_file(excluded["source_file"], f), "cells"].sum())
        rows.append(
            {
                "source_file": f,
                "vintage": str(entry["vintage"]),
                "nonempty_cells": reading.nonempty_cells,
                "observations": n_obs,
                "rejects": n_rej,
                "excluded_cells": n_exc,
                "balanced": reading.nonempty_cells == n_obs + n_rej + n_exc,
            }  # fmt: skip
        )
    acc = pd.DataFrame(rows)
    if not acc["balanced"].all():
        bad = acc.loc[~acc["balanced"], "source_file"].tolist()
        raise IngestError(f"row accounting does not balance for {bad}: a cell went missing")
    return acc


def write_warehouse(wh: Warehouse, path: str | Path) -> None:
    """Write the warehouse as a fresh DuckDB file (the ingest rule is its only writer)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    with connect(path) as con:
        for name in ("observations", "rejects", "excluded", "accounting", "conflicts"):
            frame = getattr(wh, name)
            if name == "conflicts" and frame.empty:
                con.execute(
                    "CREATE TABLE conflicts (province VARCHAR, year BIGINT, indicator VARCHAR, kept_vintage VARCHAR,"
                    " kept_value DOUBLE, dropped_vintage VARCHAR, dropped_value DOUBLE, dropped_file VARCHAR,"
                    " dropped_line BIGINT, reason VARCHAR)"
                )
                continue
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
        con.register("frame", provinces.table())
        con.execute("CREATE TABLE provinces AS SELECT * FROM frame")
        con.unregister("frame")
        con.register("frame", catalog.indicators())
        con.execute("CREATE TABLE indicators AS SELECT * FROM frame")
        con.unregister("frame")
        meta = pd.DataFrame(
            {"key": ["dataset", "simulated"], "value": [wh.dataset, str(wh.simulated).lower()]}
        )
        con.register("frame", meta)
        con.execute("CREATE TABLE meta AS SELECT * FROM frame")


def read_table(path: str | Path, name: str) -> pd.DataFrame:
    """One table of the warehouse, opened read-only."""
    if name not in _TABLES:
        raise ConfigError(f"the warehouse has no table {name!r} (tables: {', '.join(_TABLES)})")
    with connect(path, read_only=True) as con:
        return con.execute(f"SELECT * FROM {name}").df()


def load_warehouse(path: str | Path) -> Warehouse:
    """The warehouse tables back as a :class:`Warehouse` (read-only)."""
    with connect(path, read_only=True) as con:
        frames = {n: con.execute(f"SELECT * FROM {n}").df() for n in
                  ("observations", "rejects", "excluded", "accounting", "conflicts")}  # fmt: skip
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return Warehouse(**frames, dataset=meta["dataset"], simulated=meta["simulated"] == "true")
