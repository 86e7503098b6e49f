"""Dataset manifests: which raw files make a dataset, and how each is read.

A manifest is YAML::

    dataset: demo
    simulated: true
    description: …
    files:
      - path: legacy/gdp.csv        # relative to the dataset root
        reader: nbs                 # nbs (any NBS export) | tidy (long CSV)
        indicator: gdp              # catalog code of a single-indicator file
        name: 地区生产总值           # indicator name, required when the file has no 指标 line
        unit: 亿元                   # unit in the file, idem
        vintage: "2025"
        source: NBS 分省年度数据
      - path: portal/分省年度数据_按地区_北京.csv
        reader: nbs
        province: 北京
        indicators: {地方财政科学技术支出: fiscal_st}   # name in file -> catalog code

The dataset root is the manifest's folder unless the config names another.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml

from imtfp import provinces
from imtfp.errors import IngestError
from imtfp.ingest import catalog, columns
from imtfp.ingest.nbs import EXCLUDED_COLUMNS, OBS_COLUMNS, REJECT_COLUMNS, Reading, read_nbs_file

_ENTRY_KEYS = {
    "path", "reader", "indicator", "name", "unit", "vintage", "source", "province", "indicators", "note",
    "province_column", "year_column", "columns", "units", "exclude_cells",
}  # fmt: skip
_ENTRY_KEYS |= columns.ENTRY_KEYS
READERS = ("nbs", "tidy", "wide", "columns")


@dataclass(frozen=True)
class Manifest:
    dataset: str
    root: Path
    files: list[dict]
    simulated: bool = False
    description: str = ""

    def paths(self) -> list[Path]:
        return [self.root / f["path"] for f in self.files]


def load_manifest(path: str | Path, *, root: str | Path | None = None) -> Manifest:
    """Read and check a manifest; paths resolve against ``root`` or the manifest's folder."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise IngestError(f"cannot read manifest ({exc})", file=str(path)) from exc
    files = doc.get("files") or []
    for i, entry in enumerate(files):
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise IngestError(f"files[{i}] has unknown keys {sorted(unknown)}", file=str(path))
        if entry.get("reader") not in READERS:
            raise IngestError(f"files[{i}] reader must be one of {READERS}, not {entry.get('reader')!r}", file=str(path))
        if entry["reader"] == "wide" and not entry.get("columns"):
            raise IngestError(f"files[{i}] ({entry.get('path')}): a wide table needs `columns`", file=str(path))
        if "vintage" not in entry:
            raise IngestError(f"files[{i}] ({entry.get('path')}) declares no vintage", file=str(path))
        codes = [entry.get("indicator"), *(entry.get("indicators") or {}).values(), *(entry.get("columns") or {}).values()]
        for code in codes:
            if code is not None:
                try:
                    catalog.canonical_unit(code)
                except KeyError as exc:
                    raise IngestError(f"files[{i}]: {exc.args[0]}", file=str(path)) from exc
    return Manifest(
        dataset=str(doc.get("dataset", path.parent.name)),
        root=Path(root) if root is not None else path.parent,
        files=files,
        simulated=bool(doc.get("simulated", False)),
        description=str(doc.get("description", "")),
    )


def read_tidy(path: str | Path, *, on_bad_cell: Literal["error", "reject"] = "error") -> Reading:
    """Read a hand-assembled long CSV: ``province, year, indicator, value, unit[, vintage, source]``.

    UTF-8 (BOM allowed). Province names in any spelling :func:`imtfp.provinces.to_code` accepts;
    national and Hong Kong/Macao/Taiwan rows are excluded and counted.
    """
    path = Path(path)
    file = str(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise IngestError(f"not a readable UTF-8 CSV ({exc})", file=file) from exc
    missing = {"province", "year", "indicator", "value", "unit"} - set(df.columns)
    if missing:
        raise IngestError(f"tidy CSV lacks columns {sorted(missing)}", file=file, line=1)
    return _read_long(df.assign(line=range(2, len(df) + 2)), file, on_bad_cell)


def _read_long(df: pd.DataFrame, file: str, on_bad_cell: str) -> Reading:
    """Check and convert long rows (province, year, indicator, value, unit, line) into a Reading."""
    obs, rejects, excluded = [], [], []
    nonempty = 0
    for row in df.itertuples(index=False):
        i = int(row.line)
        raw = str(row.value).strip()
        if raw == "":
            continue
        nonempty += 1
        if kind := provinces.non_provincial(row.province):
            excluded.append((file, i, row.province, kind, 1))
            continue
        problem = None
        try:
            code = provinces.to_code(row.province)
        except ValueError as exc:
            problem = str(exc)
        try:
            year = int(row.year)
        except ValueError:
            problem = problem or f"year {row.year!r} is not a year"
            year = None
        try:
            value = float(raw)
        except ValueError:
            problem = problem or "non-numeric cell"
        if problem:
            if on_bad_cell == "error":
                raise IngestError(
                    f"{problem} (province {row.province}, indicator {row.indicator}, cell {raw!r})", file=file, line=i
                )
            rejects.append((file, i, row.province, year, row.indicator, raw, problem))
            continue
        obs.append((code, year, row.indicator, value, row.unit, file, i))
    return Reading(
        observations=pd.DataFrame(obs, columns=OBS_COLUMNS).astype({"value": "float64", "source_line": "int64"}),
        rejects=pd.DataFrame(rejects, columns=REJECT_COLUMNS),
        excluded=pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS),
        nonempty_cells=nonempty,
        meta={"layout": "tidy"},
    )


def read_wide(
    path: str | Path,
    *,
    columns: Mapping[str, str],
    units: Mapping[str, str],
    province_column: str = "province",
    year_column: str = "year",
    on_bad_cell: Literal["error", "reject"] = "error",
) -> Reading:
    """Read a wide table (one row per province-year, one column per series), UTF-8 or GB18030.

    ``columns`` maps the table's column names to catalog codes and ``units``
    gives each mapped column's unit. Non-empty cells of columns the manifest
    does not map are counted as exclusions (one row per column), so the
    accounting still covers the whole file.
    """
    path = Path(path)
    file = str(path)
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="strict")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    need = {province_column, year_column, *columns}
    if missing := need - set(df.columns):
        raise IngestError(f"wide table lacks columns {sorted(missing)}", file=file, line=1)
    if missing_units := set(columns) - set(units):
        raise IngestError(f"no unit declared for columns {sorted(missing_units)}", file=file, line=1)
    long = df.melt(id_vars=[province_column, year_column], var_name="column", value_name="value")
    long = long.assign(value=long["value"].str.strip(), line=long.index % len(df) + 2)
    long = long[long["value"] != ""]
    mapped = long["column"].isin(list(columns))
    excluded = [
        (file, 1, col, "column not in manifest", int(n))
        for col, n in long.loc[~mapped].groupby("column", sort=True).size().items()
        if col not in (province_column, year_column)
    ]
    tidy = pd.DataFrame({
        "province": long.loc[mapped, province_column], "year": long.loc[mapped, year_column],
        "indicator": long.loc[mapped, "column"].map(columns), "value": long.loc[mapped, "value"],
        "unit": long.loc[mapped, "column"].map(units), "line": long.loc[mapped, "line"],
    })  # fmt: skip
    reading = _read_long(tidy, file, on_bad_cell)
    reading.excluded = pd.concat([reading.excluded, pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS)], ignore_index=True)
    reading.nonempty_cells += sum(n for *_, n in excluded)
    reading.meta["layout"] = "wide"
    return reading


def _map_indicators(reading: Reading, entry: dict, file: str) -> Reading:
    """Attach catalog codes; rows of indicators the manifest does not map are counted exclusions."""
    obs = reading.observations
    mapping = dict(entry.get("indicators") or {})
    if entry.get("indicator"):
        names = obs["indicator"].unique().tolist() or [entry.get("name")]
        mapping.update({n: entry["indicator"] for n in names})
    known = set(catalog.indicators()["code"])
    obs = obs.assign(code=obs["indicator"].map(lambda n: mapping.get(n, n if n in known else None)))
    unmapped = obs[obs["code"].isna()]
    excluded = reading.excluded
    if len(unmapped):
        extra = (
            unmapped.groupby(["source_file", "source_line", "indicator"], sort=True)
            .size()
            .reset_index(name="cells")
            .rename(columns={"indicator": "label"})
            .assign(kind="indicator not in manifest")
        )
        excluded = pd.concat([excluded, extra[EXCLUDED_COLUMNS]], ignore_index=True)
    return Reading(obs[obs["code"].notna()].copy(), reading.rejects, excluded, reading.nonempty_cells, reading.meta)


def _to_canonical(obs: pd.DataFrame, file: str) -> pd.DataFrame:
    factors = {
        (code, unit): catalog.conversion_factor(unit, code, file=file)
        for code, unit in obs[["code", "unit"]].drop_duplicates().itertuples(index=False)
    }
    factor = [factors[(c, u)] for c, u in zip(obs["code"], obs["unit"])]
    return obs.assign(
        raw_value=obs["value"],
        raw_unit=obs["unit"],
        value=obs["value"] * factor,
        unit=obs["code"].map(catalog.canonical_unit),
    )


def read_entry(manifest: Manifest, entry: dict, *, on_bad_cell: Literal["error", "reject"] = "error") -> Reading:
    """Read one manifest entry: parse, map to catalog codes, convert units, stamp the vintage."""
    path = manifest.root / entry["path"]
    file = str(entry["path"])
    if entry["reader"] == "tidy":
        reading = read_tidy(path, on_bad_cell=on_bad_cell)
    elif entry["reader"] == "columns":
        reading = columns.read_entry_columns(path, entry, on_bad_cell=on_bad_cell)
    elif entry["reader"] == "wide":
        reading = read_wide(
            path,
            columns=entry["columns"],
            units=entry.get("units", {}),
            province_column=entry.get("province_column", "province"),
            year_column=entry.get("year_column", "year"),
            on_bad_cell=on_bad_cell,
        )
    else:
        reading = read_nbs_file(
            path,
            indicator=entry.get("name"),
            unit=entry.get("unit"),
            province=entry.get("province"),
            on_bad_cell=on_bad_cell,
        )
    # Record the path as declared, so the warehouse does not depend on where the data sit.
    for df in (reading.observations, reading.rejects, reading.excluded):
        df["source_file"] = file
    reading = _map_indicators(reading, entry, file)
    obs = _to_canonical(reading.observations, file).assign(vintage=str(entry["vintage"]))
    obs, dropped = _exclude_cells(obs, entry.get("exclude_cells", []), file)
    rejects = pd.concat([reading.rejects, dropped], ignore_index=True) if len(dropped) else reading.rejects
    return Reading(obs, rejects, reading.excluded, reading.nonempty_cells, reading.meta)


def _exclude_cells(obs: pd.DataFrame, rules: list[dict], file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move cells the manifest declares wrong in the source (``exclude_cells``) to rejects, with the reason.

    Each rule: ``province`` (any spelling), ``years`` (list) or ``year``, ``indicator`` (catalog code), ``reason``.
    """
    drop = pd.Series(False, index=obs.index)
    reasons = pd.Series("", index=obs.index, dtype=object)
    for rule in rules:
        missing = {"province", "indicator", "reason"} - set(rule)
        if missing or not ({"year", "years"} & set(rule)):
            raise IngestError(f"exclude_cells rule {rule} needs province, year(s), indicator and reason", file=file)
        years = rule.get("years", [rule.get("year")])
        hit = (obs["province"] == provinces.to_code(rule["province"])) & obs["year"].isin(years)
        hit &= obs["code"] == rule["indicator"]
        if not hit.any():
            raise IngestError(f"exclude_cells rule {rule} matches no cell of the file", file=file)
        drop |= hit
        reasons[hit] = f"excluded by manifest: {rule['reason']}"
    rejected = obs[drop]
    rejects = pd.DataFrame({
        "source_file": rejected["source_file"], "source_line": rejected["source_line"],
        "province": rejected["province"], "year": rejected["year"], "indicator": rejected["code"],
        "raw_value": rejected["raw_value"].astype(str), "reason": reasons[drop],
    })  # fmt: skip
    return obs[~drop], rejects
