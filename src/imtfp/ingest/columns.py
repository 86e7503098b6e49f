"""Reader ``columns``: province tables in CSV, Excel (.xlsx/.xls) or Stata (.dta) files.

One reader, three layouts, chosen by the manifest entry:

* ``long`` (default): one row per province-year (``province_column``, ``year_column``), one column
  per series; ``columns`` maps column names to catalog codes and ``units`` gives their units
  (as the ``wide`` reader, but also for .xlsx and .dta files, where cells are already numbers);
* ``years``: one row per province, one column per year (``2022年`` or ``2022``) of ONE indicator
  (``indicator``, ``unit``); ``skip_rows`` lines before the header (the portal's 数据库/时间 lines).
  Rows that are neither provinces nor national/HK/Macao/Taiwan rows must be empty (a footer cut
  off by whoever copied the file, e.g. ``注,,,``); a label row with values is an error;
* ``census``: one row per province, each mapped column one fixed year (``years``: column -> year).

Every non-empty cell of the file is accounted for, as by the other readers: an observation, a
reject (with the reason) or an exclusion (the lines before the header and the header itself as
text, national rows, unmapped columns, rows flagged by the source as not observed through
``reject_flagged``, worksheets not read); the keys of the rows (province and year cells) are
counted in ``meta["row_labels"]``. Cells follow the one number grammar of every reader
(:func:`imtfp.ingest.cells.parse_number`), for Excel and Stata cells too; years must be whole
(:func:`imtfp.ingest.cells.parse_year`). A province-year met twice is refused naming both lines.
Every sheet of a workbook is read unless ``sheet`` names one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from imtfp import provinces
from imtfp.errors import IngestError
from imtfp.ingest.cells import (
    BLANKS,
    filled,
    names_the_file,
    number_problem,
    parse_number,
    parse_year,
)
from imtfp.ingest.nbs import (
    EXCLUDED_COLUMNS,
    OBS_COLUMNS,
    OTHER_SHEET,
    REJECT_COLUMNS,
    Reading,
    combine_sheets,
)
from imtfp.ingest.tables import Table, read_tables

Layout = Literal["long", "years", "census"]
LAYOUTS: tuple[str, ...] = ("long", "years", "census")
ENTRY_KEYS = {"layout", "sheet", "skip_rows", "years", "reject_flagged", "expect_provinces"}

__all__ = ["LAYOUTS", "KeyedSink", "OTHER_SHEET", "read_columns", "read_entry_columns"]


# ---- one sink for every keyed table (columns, wide, tidy) -------------------------------------


def province_of(label: str) -> tuple[str | None, str | None, str | None]:
    """(code, kind of a non-provincial row, problem) of a row label."""
    try:
        kind = provinces.non_provincial(label)
    except (ValueError, KeyError, TypeError):
        kind = None
    if kind:
        return None, kind, None
    try:
        return provinces.to_code(label), None, None
    except (ValueError, KeyError, TypeError) as exc:
        return None, None, str(exc)


class KeyedSink:
    """Cells keyed by province, year and indicator → observations, rejects, exclusions.

    A cell is an observation only if its province and year are known, its value is a number and
    no earlier row gave the same key; otherwise it is an error (``on_bad_cell: error``) or a
    reject with the reason (``reject``). A repeated key names both lines.
    """

    def __init__(self, file: str, on_bad_cell: str):
        self.file, self.on_bad_cell = file, on_bad_cell
        self.obs: list[tuple] = []
        self.rejects: list[tuple] = []
        self.excluded: list[tuple] = []
        self.nonempty = 0
        self.labels = 0
        self.first: dict[tuple, int] = {}

    def bad(self, line: int, label: str, year, indicator: str, raw: str, problem: str) -> None:
        if self.on_bad_cell == "error":
            raise IngestError(
                f"{problem} (province {label}, indicator {indicator}, cell {str(raw)[:80]!r})",
                file=self.file,
                line=line,
            )
        self.rejects.append((self.file, line, label, year, indicator, str(raw), problem))

    def text(self, line: int, cells: list[str], kind: str) -> None:
        """Lines before the header (numbers in them are bad cells) and the header: excluded text."""
        texts = [c for c in cells if filled(c)]
        self.nonempty += len(texts)
        if kind != "column_header":
            for raw in [c for c in texts if parse_number(c.strip(BLANKS)) is not None]:
                self.bad(line, "", None, "", raw, f"number in a {kind} line")
            texts = [c for c in texts if parse_number(c.strip(BLANKS)) is None]
        if texts:
            self.excluded.append((self.file, line, texts[0].strip(BLANKS)[:60], kind, len(texts)))

    def exclude(self, line: int, label: str, kind: str, cells: int) -> None:
        self.nonempty += cells
        self.excluded.append((self.file, line, label, kind, cells))

    def cell(
        self, line: int, label: str, year_raw: object, indicator: str, unit: str, raw: str
    ) -> None:
        """One value cell; ``year_raw`` is the year cell's text or a year already known."""
        self.nonempty += 1
        code, kind, problem = province_of(label)
        if kind:
            self.excluded.append((self.file, line, label, kind, 1))
            return
        year = year_raw if isinstance(year_raw, int) else parse_year(str(year_raw))
        if year is None:
            problem = problem or f"year {str(year_raw)[:40]!r} is not a year (a whole year, 2019)"
        value = parse_number(raw)
        if value is None:
            problem = problem or number_problem(raw)
        if not str(indicator).strip():
            problem = problem or "no indicator named"
        key = (code, year, indicator)
        if problem is None and key in self.first:
            first = self.first[key]
            if self.on_bad_cell == "error":
                problem = f"duplicate row for {label} {year} (first at line {first})"
            else:
                problem = f"duplicate row of line {first}"
        if problem:
            self.bad(line, label, year, indicator, raw, problem)
            return
        self.first[key] = line
        self.obs.append((code, year, indicator, value, unit, self.file, line))

    def reading(self, meta: dict) -> Reading:
        types = {"year": "int64", "value": "float64", "source_line": "int64"}
        return Reading(
            observations=pd.DataFrame(self.obs, columns=OBS_COLUMNS).astype(types),
            rejects=pd.DataFrame(self.rejects, columns=REJECT_COLUMNS),
            excluded=_grouped(pd.DataFrame(self.excluded, columns=EXCLUDED_COLUMNS)),
            nonempty_cells=self.nonempty,
            meta={**meta, "row_labels": self.labels},
        )


def _grouped(excluded: pd.DataFrame) -> pd.DataFrame:
    """One excluded row per file, label and kind (the first line), cells summed."""
    if excluded.empty:
        return excluded.astype({"source_line": "int64", "cells": "int64"})
    return excluded.groupby(["source_file", "label", "kind"], as_index=False, sort=True).agg(
        source_line=("source_line", "min"), cells=("cells", "sum")
    )[EXCLUDED_COLUMNS]


# ---- the layouts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What the manifest entry says about the table (before its header is seen)."""

    layout: str
    columns: dict
    units: dict
    indicator: str | None
    unit: str | None
    years: dict
    province_column: str
    year_column: str
    flag_column: str | None
    flag_reason: str


@dataclass(frozen=True)
class Columns:
    """The table's columns resolved against its header: keys, and value column -> meaning."""

    keys: list[str]
    indicator: dict[str, str]
    unit: dict[str, str]
    year: dict[str, int]  # fixed year of a value column (layouts years/census)


def _spec(layout, columns, units, indicator, unit, years, province_column, year_column,
          reject_flagged, file) -> Spec:  # fmt: skip
    if layout not in LAYOUTS:
        raise IngestError(f"layout must be one of {LAYOUTS}, not {layout!r}", file=file)
    if layout == "years" and (indicator is None or unit is None):
        raise IngestError("a `years` table needs `name` (indicator) and `unit`", file=file)
    if layout == "census" and not years:
        raise IngestError("a `census` table needs `years` (column -> year)", file=file)
    flagged = dict(reject_flagged or {})
    return Spec(layout, dict(columns or {}), dict(units or {}), indicator, unit, dict(years or {}),
                province_column, year_column, flagged.get("column"), str(flagged.get("reason", "")))  # fmt: skip


def _census_years(spec: Spec, file: str) -> dict[str, int]:
    out = {}
    for col, year in spec.years.items():
        y = parse_year(str(year))
        if y is None:
            raise IngestError(f"census column {col!r}: {year!r} is not a whole year", file=file)
        out[col] = y
    return out


def _resolve(spec: Spec, table: Table) -> Columns:
    """Key and value columns of this table under the entry's layout (errors name the header)."""
    file, line, header = table.file, table.header_line, table.header
    if spec.layout == "years":
        year_of = {c: y for c in header[1:] if (y := parse_year(c)) is not None}
        stray = [c for c in header[1:] if c not in year_of and not c.startswith("<column")]
        if stray:
            raise IngestError(f"header cells {stray} are not years", file=file, line=line)
        return Columns([header[0]], dict.fromkeys(year_of, spec.indicator),
                       dict.fromkeys(year_of, spec.unit), year_of)  # fmt: skip
    year_of = _census_years(spec, file) if spec.layout == "census" else {}
    if missing := set(spec.columns) - set(spec.units):
        raise IngestError(f"no unit declared for columns {sorted(missing)}", file=file, line=line)
    keys = [spec.province_column] + ([spec.year_column] if spec.layout == "long" else [])
    need = set(keys) | set(spec.columns) | ({spec.flag_column} if spec.flag_column else set())
    if missing := need - set(header):
        raise IngestError(f"table lacks columns {sorted(missing)}", file=file, line=line)
    return Columns(keys, spec.columns, spec.units, year_of)


def _read_row(sink: KeyedSink, spec: Spec, cols: Columns, line: int, cells: dict) -> None:
    """One body row: its key cells are labels, its value cells observations/rejects/exclusions."""
    sink.labels += sum(filled(cells[k]) for k in cols.keys)
    values = {c: v for c, v in cells.items() if c not in cols.keys and filled(v)}
    if not values:
        return
    label = cells[cols.keys[0]].strip(BLANKS)
    _, kind, _ = province_of(label)
    if kind:
        sink.exclude(line, label, kind, len(values))
        return
    flag = cells[spec.flag_column].strip(BLANKS) if spec.flag_column else ""
    year_raw = cells[spec.year_column] if spec.layout == "long" else None
    for col, raw in values.items():
        if col not in cols.indicator:
            sink.exclude(line, col, "column not in manifest", 1)
        elif flag:
            sink.nonempty += 1
            year = cols.year.get(col) or parse_year(str(year_raw))
            sink.rejects.append((sink.file, line, label, year, col, raw,
                                 f"{spec.flag_reason}: {flag}"))  # fmt: skip
        else:
            year = cols.year[col] if col in cols.year else year_raw
            sink.cell(line, label, year, cols.indicator[col], cols.unit[col], raw)


def _read_table(table: Table, spec: Spec, on_bad_cell: str) -> tuple[Reading, set[str]]:
    """One table (a CSV, a worksheet or a Stata file) → its Reading and the provinces read."""
    sink = KeyedSink(table.file, on_bad_cell)
    for line, cells in table.skipped:
        sink.text(line, cells, "header")
    sink.text(table.header_line, table.header_cells, "column_header")
    cols = _resolve(spec, table)
    for line, cells in table.rows:
        _read_row(sink, spec, cols, line, dict(zip(table.header, cells)))
    reading = sink.reading({"layout": f"columns/{spec.layout}"})
    return reading, {code for code, *_ in sink.obs}


@names_the_file
def read_columns(
    path: str | Path,
    *,
    layout: Layout = "long",
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    indicator: str | None = None,
    unit: str | None = None,
    years: Mapping[str, int] | None = None,
    province_column: str = "province",
    year_column: str = "year",
    sheet: str | int | None = None,
    skip_rows: int = 0,
    reject_flagged: Mapping[str, str] | None = None,
    expect_provinces: int | None = None,
    on_bad_cell: Literal["error", "reject"] = "error",
) -> Reading:
    """Read a province table; see the module docstring for the layouts.

    Parameters
    ----------
    columns, units : column -> catalog code and column -> unit (``long`` and ``census``).
    indicator, unit : the one indicator name and unit of a ``years`` table.
    years : column -> year (``census``).
    sheet : the worksheet to read (name or 0-based index); default every non-empty sheet. With
        ``sheet`` the other sheets' cells are counted as excluded (kind ``other_sheet``).
    reject_flagged : ``{"column": <flag column>, "reason": <text>}``: every mapped cell of a row
        whose flag column is non-empty is a reject with that reason and the flag text (the source
        says the row is not an observation, e.g. extrapolated values).
    expect_provinces : the number of distinct provinces the table must hold (a check that a file
        cut short, e.g. without its footer, still has its whole body).

    Returns
    -------
    :class:`~imtfp.ingest.nbs.Reading` with raw indicator labels (the column names, or
    ``indicator``) still to be mapped to catalog codes by the manifest. Any failure is an
    :class:`~imtfp.errors.IngestError` naming the file.
    """
    file = str(path)
    spec = _spec(layout, columns, units, indicator, unit, years, province_column, year_column,
                 reject_flagged, file)  # fmt: skip
    tables, others = read_tables(path, sheet=sheet, skip_rows=skip_rows)
    parts = [_read_table(t, spec, on_bad_cell) for t in tables]
    seen = set().union(*(codes for _, codes in parts))
    if expect_provinces is not None and len(seen) != expect_provinces:
        raise IngestError(
            f"{len(seen)} provinces read, {expect_provinces} expected (file cut short?)", file=file
        )
    return combine_sheets([r for r, _ in parts], others, file, sheets=[t.file for t in tables])


def read_entry_columns(
    path: Path, entry: Mapping, *, on_bad_cell: Literal["error", "reject"] = "error"
) -> Reading:
    """A manifest entry with ``reader: columns`` (keys as :func:`read_columns` takes them)."""
    return read_columns(
        path,
        layout=entry.get("layout", "long"),
        columns=entry.get("columns"),
        units=entry.get("units"),
        indicator=entry.get("name"),
        unit=entry.get("unit"),
        years=entry.get("years"),
        province_column=entry.get("province_column", "province"),
        year_column=entry.get("year_column", "year"),
        sheet=entry.get("sheet"),
        skip_rows=entry.get("skip_rows", 0),
        reject_flagged=entry.get("reject_flagged"),
        expect_provinces=entry.get("expect_provinces"),
        on_bad_cell=on_bad_cell,
    )
