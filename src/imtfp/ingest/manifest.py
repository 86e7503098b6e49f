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

The dataset root is the manifest's folder unless the config names another. Paths are relative and
stay inside the root (no absolute path, no ``..`` escape); a file may be listed once. A file that
states its own ``指标：<name>(<unit>)`` line is checked against the entry: the name must be the
entry's ``name``, the catalog's Chinese name of ``indicator``, or one of the entry's ``aliases``;
a declared ``unit`` must be the file's unit.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml

from imtfp import provinces
from imtfp.errors import ConfigError, ImtfpError, IngestError
from imtfp.ingest import catalog
from imtfp.ingest import columns as columns_reader
from imtfp.ingest.cells import filled, names_the_file
from imtfp.ingest.columns import KeyedSink
from imtfp.ingest.nbs import EXCLUDED_COLUMNS, Reading, read_nbs_file
from imtfp.ingest.nbs import split_unit as nbs_split_unit
from imtfp.ingest.tables import csv_table

_ENTRY_KEYS = {
    "path", "reader", "indicator", "name", "unit", "vintage", "source", "province", "indicators", "note",
    "province_column", "year_column", "columns", "units", "exclude_cells", "aliases",
}  # fmt: skip
_ENTRY_KEYS |= columns_reader.ENTRY_KEYS
READERS = ("nbs", "tidy", "wide", "columns")


@dataclass(frozen=True)
class Manifest:
    dataset: str
    root: Path
    files: list[dict]
    simulated: bool = False
    description: str = ""

    def indicators(self) -> set[str]:
        """Catalog codes the manifest's entries map (what the warehouse can hold)."""
        codes = set()
        for entry in self.files:
            codes.add(entry.get("indicator"))
            codes |= set((entry.get("indicators") or {}).values())
            codes |= set((entry.get("columns") or {}).values())
        return codes - {None}

    def paths(self) -> list[Path]:
        return [self.root / f["path"] for f in self.files]

    def check_files(self) -> list[Path]:
        """Every raw file, verified to exist inside the root and be readable (else IngestError naming it).

        The workflow calls this when it loads, so a missing or mistyped file stops the run at once,
        even when outputs of an earlier run exist.
        """
        out = []
        for i, entry in enumerate(self.files):
            path = resolve_entry_path(
                Path(self.root), check_entry_path(entry.get("path"), i, "manifest")
            )
            if not path.is_file():
                raise IngestError(
                    f"files[{i}]: the raw file {path} does not exist", file=str(entry["path"])
                )
            try:
                with path.open("rb") as fh:
                    fh.read(1)
            except OSError as exc:
                raise IngestError(f"files[{i}]: the raw file {path} cannot be read ({exc.strerror})",
                                  file=str(entry["path"])) from exc  # fmt: skip
            out.append(path)
        return out


def load_manifest(path: str | Path, *, root: str | Path | None = None) -> Manifest:
    """Read and check a manifest; paths resolve against ``root`` or the manifest's folder."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise IngestError(f"cannot read manifest ({exc})", file=str(path)) from exc
    if not isinstance(doc, dict):
        raise IngestError("a manifest is a mapping with `dataset` and `files`", file=str(path))
    files = doc.get("files") or []
    if not isinstance(files, list) or not all(isinstance(e, dict) for e in files):
        raise IngestError(
            "`files` must be a list of mappings (path, reader, vintage, …)", file=str(path)
        )
    seen: dict[str, int] = {}
    for i, entry in enumerate(files):
        key = check_entry_path(entry.get("path"), i, str(path))
        if key in seen:
            raise IngestError(
                f"files[{i}] ({entry['path']}) is a duplicate: the same file is files[{seen[key]}]",
                file=str(path),
            )
        seen[key] = i
        _check_entry(entry, f"files[{i}] ({entry.get('path')})", str(path))
    return Manifest(
        dataset=str(doc.get("dataset", path.parent.name)),
        root=Path(root) if root is not None else path.parent,
        files=files,
        simulated=bool(doc.get("simulated", False)),
        description=str(doc.get("description", "")),
    )


def _check_entry(entry: dict, where: str, manifest: str) -> None:
    """Keys, reader, shapes of the entry's values, vintage and catalog codes of one entry."""
    if unknown := set(entry) - _ENTRY_KEYS:
        raise IngestError(f"{where} has unknown keys {sorted(unknown)}", file=manifest)
    if entry.get("reader") not in READERS:
        raise IngestError(
            f"{where} reader must be one of {READERS}, not {entry.get('reader')!r}", file=manifest
        )
    if entry["reader"] == "wide" and not entry.get("columns"):
        raise IngestError(f"{where}: a wide table needs `columns`", file=manifest)
    shapes = {k: dict for k in ("indicators", "columns", "units", "years", "reject_flagged")}
    for key, kind in {**shapes, "exclude_cells": list, "aliases": list}.items():
        if entry.get(key) is not None and not isinstance(entry[key], kind):
            what = "a mapping" if kind is dict else "a list"
            raise IngestError(f"{where}: `{key}` must be {what}", file=manifest)
    if "vintage" not in entry:
        raise IngestError(f"{where} declares no vintage", file=manifest)
    codes = [entry.get("indicator"), *(entry.get("indicators") or {}).values(),
             *(entry.get("columns") or {}).values()]  # fmt: skip
    for code in codes:
        if code is not None:
            try:
                catalog.canonical_unit(code)
            except ConfigError as exc:
                raise IngestError(f"{where}: {exc}", file=manifest) from exc


def check_entry_path(rel: object, i: int, manifest: str) -> str:
    """The entry's path, normalised; an absolute path or one that leaves the dataset root is an error."""
    if not isinstance(rel, str) or not rel.strip():
        raise IngestError(f"files[{i}] has no `path`", file=manifest)
    text = rel.replace("\\", "/")
    if text.startswith(("/", "~")) or (len(text) > 1 and text[1] == ":") or "://" in text:
        raise IngestError(
            f"files[{i}] path {rel!r} is absolute; paths are relative to the dataset root",
            file=manifest,
        )
    norm = posixpath.normpath(text)
    if norm == ".." or norm.startswith("../") or norm == ".":
        raise IngestError(f"files[{i}] path {rel!r} leaves the dataset root", file=manifest)
    return norm


def resolve_entry_path(root: Path, rel: str) -> Path:
    """``root / rel``, refusing a path that resolves (through symbolic links too) outside the root
    (the containment check of every config path, :func:`imtfp.config.contained_path`)."""
    from imtfp.config import contained_path

    try:
        return contained_path(rel, root, key="files[].path")
    except ConfigError:
        raise IngestError(f"path resolves outside the dataset root {root}", file=str(rel)) from None


def _norm_name(name: str) -> str:
    """Compare indicator names ignoring width (（ vs (), spaces and case."""
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def check_file_indicator(entry: dict, meta: dict, file: str) -> None:
    """The file's own ``指标：<name>(<unit>)`` must agree with the manifest entry.

    Name: the entry's ``name``, the catalog name of its ``indicator`` or one of its ``aliases``.
    Unit: a declared ``unit`` must equal the file's unit (the manifest never overrides the file).
    """
    name, unit = meta.get("file_indicator"), meta.get("file_unit")
    if name is None:
        return
    declared = entry.get("unit")
    if declared and unit and _norm_name(str(declared)) != _norm_name(unit):
        raise IngestError(
            f"the manifest declares unit {declared!r} but the file's 指标 line states {unit!r}; "
            "fix the manifest (values are converted from the file's own unit)",
            file=file,
        )
    accepted = [str(a) for a in entry.get("aliases") or []]
    if entry.get("name"):
        accepted += [str(entry["name"]), nbs_split_unit(str(entry["name"]))[0]]
    elif entry.get("indicator"):
        zh = catalog.indicators().set_index("code")["name_zh"].get(entry["indicator"])
        if isinstance(zh, str):
            accepted += [zh, nbs_split_unit(zh)[0]]
    if not accepted:
        return  # a by-region file maps its indicators by name already
    full = meta.get("indicator_label", name)
    if not ({_norm_name(name), _norm_name(full)} & {_norm_name(a) for a in accepted}):
        raise IngestError(
            f"the file's 指标 is {full!r}, but the manifest maps it to {entry.get('indicator')!r} "
            f"({' / '.join(dict.fromkeys(accepted))}); if this is the same series, add the file's name "
            "to the entry's `aliases`",
            file=file,
        )


@names_the_file
def read_tidy(path: str | Path, *, on_bad_cell: Literal["error", "reject"] = "error") -> Reading:
    """Read a hand-assembled long CSV: ``province, year, indicator, value, unit[, vintage, source]``.

    UTF-8 (BOM allowed). Province names in any spelling :func:`imtfp.provinces.to_code` accepts;
    national and Hong Kong/Macao/Taiwan rows are excluded and counted. Values follow the strict
    number grammar of :func:`imtfp.ingest.cells.parse_number` (``NaN``/``inf`` are bad cells),
    years are whole, and a province-year-indicator met twice is refused naming both lines. The
    cells of the other columns are the keys of the value (``meta["row_labels"]``).
    """
    file = str(path)
    table = csv_table(path)
    missing = {"province", "year", "indicator", "value", "unit"} - set(table.header)
    if missing:
        raise IngestError(
            f"tidy CSV lacks columns {sorted(missing)}", file=file, line=table.header_line
        )
    sink = KeyedSink(file, on_bad_cell)
    sink.text(table.header_line, table.header_cells, "column_header")
    for line, cells in table.rows:
        row = dict(zip(table.header, cells))
        sink.labels += sum(filled(v) for c, v in row.items() if c != "value")
        if filled(row["value"]):
            sink.cell(
                line, row["province"], row["year"], row["indicator"], row["unit"], row["value"]
            )
    return sink.reading({"layout": "tidy"})


@names_the_file
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

    ``columns`` maps the table's column names to catalog codes and ``units`` gives each mapped
    column's unit. Non-empty cells of columns the manifest does not map are counted as
    exclusions (one row per column), so the accounting still covers the whole file. The same
    reader as :func:`imtfp.ingest.columns.read_columns` with ``layout="long"``.
    """
    if not columns:
        raise IngestError("a wide table needs `columns`", file=str(path))
    reading = columns_reader.read_columns(
        path,
        layout="long",
        columns=columns,
        units=units,
        province_column=province_column,
        year_column=year_column,
        on_bad_cell=on_bad_cell,
    )
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
    return Reading(
        obs[obs["code"].notna()].copy(),
        reading.rejects,
        excluded,
        reading.nonempty_cells,
        reading.meta,
    )


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


def _read_file(path: Path, entry: dict, on_bad_cell: str) -> Reading:
    """The entry's reader applied to its file."""
    reader = entry["reader"]
    if reader == "tidy":
        return read_tidy(path, on_bad_cell=on_bad_cell)
    if reader == "columns":
        return columns_reader.read_entry_columns(path, entry, on_bad_cell=on_bad_cell)
    if reader == "wide":
        return read_wide(
            path,
            columns=entry["columns"],
            units=entry.get("units", {}),
            province_column=entry.get("province_column", "province"),
            year_column=entry.get("year_column", "year"),
            on_bad_cell=on_bad_cell,
        )
    reading = read_nbs_file(
        path,
        indicator=entry.get("name"),
        unit=entry.get("unit"),
        province=entry.get("province"),
        sheet=entry.get("sheet"),
        on_bad_cell=on_bad_cell,
    )
    for meta in reading.meta.get("sheet_meta") or [reading.meta]:  # every sheet's own 指标 line
        check_file_indicator(entry, meta, str(entry["path"]))
    return reading


def _declared_path(column: pd.Series, actual: str, declared: str) -> pd.Series:
    """Lineage as the manifest declares the path, keeping a worksheet's ``#sheet`` suffix."""
    return column.astype(str).map(
        lambda f: declared + f[len(actual) :] if f.startswith(actual + "#") else declared
    )


def read_entry(
    manifest: Manifest, entry: dict, *, on_bad_cell: Literal["error", "reject"] = "error"
) -> Reading:
    """Read one manifest entry: parse, map to catalog codes, convert units, stamp the vintage."""
    path = resolve_entry_path(
        Path(manifest.root), check_entry_path(entry["path"], 0, str(entry["path"]))
    )
    file = str(entry["path"])
    try:
        return _read_entry(path, file, entry, on_bad_cell)
    except ImtfpError:
        raise
    except Exception as exc:  # a malformed entry or file never escapes as a bare library error
        raise IngestError(
            f"cannot read the entry ({type(exc).__name__}: {exc})", file=file
        ) from exc


def _read_entry(path: Path, file: str, entry: dict, on_bad_cell: str) -> Reading:
    reading = _read_file(path, entry, on_bad_cell)
    # Record the path as declared, so the warehouse does not depend on where the data sit.
    for df in (reading.observations, reading.rejects, reading.excluded):
        df["source_file"] = _declared_path(df["source_file"], str(path), file)
    reading = _map_indicators(reading, entry, file)
    obs = _to_canonical(reading.observations, file).assign(vintage=str(entry["vintage"]))
    obs, dropped = _exclude_cells(obs, entry.get("exclude_cells", []), file)
    rejects = (
        pd.concat([reading.rejects, dropped], ignore_index=True)
        if len(dropped)
        else reading.rejects
    )
    return Reading(obs, rejects, reading.excluded, reading.nonempty_cells, reading.meta)


def of_file(source_file: pd.Series, file: str) -> pd.Series:
    """Rows whose lineage is ``file`` or one of its worksheets (``file#sheet``)."""
    return (source_file == file) | source_file.astype(str).str.startswith(file + "#")


def _exclude_cells(
    obs: pd.DataFrame, rules: list[dict], file: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move cells the manifest declares wrong in the source (``exclude_cells``) to rejects, with the reason.

    Each rule: ``province`` (any spelling), ``years`` (list) or ``year``, ``indicator`` (catalog code), ``reason``.
    """
    drop = pd.Series(False, index=obs.index)
    reasons = pd.Series("", index=obs.index, dtype=object)
    for rule in rules:
        if not isinstance(rule, dict):
            raise IngestError(f"exclude_cells rule {rule!r} is not a mapping", file=file)
        missing = {"province", "indicator", "reason"} - set(rule)
        if missing or not ({"year", "years"} & set(rule)):
            raise IngestError(
                f"exclude_cells rule {rule} needs province, year(s), indicator and reason",
                file=file,
            )
        years = rule.get("years", [rule.get("year")])
        try:
            code = provinces.to_code(str(rule["province"]))
        except ValueError as exc:
            raise IngestError(f"exclude_cells rule {rule}: {exc}", file=file) from None
        hit = (obs["province"] == code) & obs["year"].isin(years)
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
