"""Rectangular tables (one header row, rows of text cells) from CSV, Excel and Stata files.

The tidy, wide and columns readers read their files here, so the three agree on what a cell is:
text (:mod:`imtfp.ingest.cells` decides later whether it is a number), never a value guessed by a
library — no "NA"/"null" turned into missing, no float year cut to an integer.

* CSV: UTF-8 (BOM allowed) or GB18030, CRLF/LF/CR line ends, parsed strictly (:mod:`csv`);
* Excel: every worksheet (:mod:`imtfp.ingest.workbook`), or the one named by ``sheet``;
* Stata ``.dta`` (pandas): numbers in their shortest text, missing values empty.

The header is the first non-blank row after ``skip_rows`` lines; its cells must be unique
(an empty header cell over a filled column is named ``<column N>``). Blank rows hold no cell and
are skipped; a row wider than the header (with filled cells beyond it) or, in a CSV, narrower is
an :class:`~imtfp.errors.IngestError` naming file and line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from imtfp.errors import IngestError
from imtfp.ingest.cells import BadCell, filled
from imtfp.ingest.workbook import Sheet, choose_sheets, read_sheets, sheet_label

Row = tuple[int, list[str]]


@dataclass
class Table:
    """A header and its rows; ``skipped`` holds the lines before the header (titles, notes),
    ``header_cells`` the header row as the file has it (``header`` names an empty cell over a
    filled column ``<column N>``)."""

    file: str
    header: list[str]
    header_line: int
    rows: list[Row]
    skipped: list[Row] = field(default_factory=list)
    header_cells: list[str] = field(default_factory=list)


def decode(path: Path, encodings: Sequence[str]) -> str:
    """The file's text in the first encoding that decodes it (IngestError naming the byte)."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror or exc})", file=file) from exc
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
    line = raw[: last.start].count(b"\n") + 1
    raise IngestError(
        f"cannot decode as {' or '.join(encodings)} (byte {last.start})", file=file, line=line
    )


def csv_rows(text: str, file: str) -> list[Row]:
    """Every CSV row with the line it starts on (CR-only line ends are line ends)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise IngestError(
            f"malformed CSV ({exc})", file=file, line=reader.line_num or start
        ) from exc
    return rows


def _check_skip(skip_rows: object, file: str) -> int:
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        raise IngestError(f"skip_rows must be a whole number >= 0, not {skip_rows!r}", file=file)
    return skip_rows


def _header(cells: list[str], body: list[Row], file: str, line: int) -> list[str]:
    """Header names, trailing blanks trimmed; an empty name over a filled column is ``<column N>``."""
    header = [str(h).strip() for h in cells]
    while (
        len(header) > 1
        and header[-1] == ""
        and not any(len(c) >= len(header) and filled(c[len(header) - 1]) for _, c in body)
    ):
        header.pop()
    header = [h or f"<column {j + 1}>" for j, h in enumerate(header)]
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise IngestError(
            f"columns {dup} appear more than once in the header", file=file, line=line
        )
    return header


def _strip(cell: str) -> str:
    return cell if isinstance(cell, BadCell) else str(cell).strip()


def _table(rows: list[Row], file: str, skip_rows: int, *, strict_width: bool) -> Table:
    """Header and body of ``rows`` after ``skip_rows`` lines, every body row the header's width."""
    skipped = [(n, c) for n, c in rows if n <= skip_rows]
    rest = [(n, c) for n, c in rows if n > skip_rows and any(filled(x) for x in c)]
    if not rest:
        raise IngestError("the table is empty (no header line)", file=file, line=skip_rows + 1)
    (hline, hcells), body = rest[0], rest[1:]
    header = _header(hcells, body, file, hline)
    width = len(header)
    out = []
    for line, cells in body:
        if len(cells) > width and any(filled(c) for c in cells[width:]):
            raise IngestError(
                f"row has {len(cells)} cells but the header has {width}", file=file, line=line
            )
        if strict_width and len(cells) < width:
            raise IngestError(
                f"row has {len(cells)} cells but the header has {width} (truncated?)",
                file=file,
                line=line,
            )
        out.append((line, [_strip(c) for c in cells[:width]] + [""] * (width - len(cells))))
    return Table(file, header, hline, out, skipped, list(hcells))


def csv_table(
    path: str | Path, *, encodings: Sequence[str] = ("utf-8-sig",), skip_rows: int = 0
) -> Table:
    """A CSV file as a :class:`Table` (rows narrower than the header are an error)."""
    path = Path(path)
    file = str(path)
    rows = csv_rows(decode(path, encodings), file)
    return _table(rows, file, _check_skip(skip_rows, file), strict_width=True)


def sheet_table(sheet: Sheet, file: str, *, skip_rows: int = 0) -> Table:
    """A worksheet as a :class:`Table` (worksheet rows are 1-based lines)."""
    rows = [(i, cells) for i, cells in enumerate(sheet.rows, start=1)]
    return _table(rows, file, _check_skip(skip_rows, file), strict_width=False)


def _stata_cell(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return ""  # Stata's missing values (., .a … .z)
    return str(value).strip()  # numpy's shortest exact form of float32/float64 values


def stata_table(path: str | Path) -> Table:
    """A Stata ``.dta`` file as a :class:`Table`: line ``i + 2`` is observation ``i + 1``."""
    file = str(path)
    df = pd.read_stata(path, convert_categoricals=False)
    header = [str(c).strip() for c in df.columns]
    rows = [(i + 2, [_stata_cell(v) for v in row])
            for i, row in enumerate(df.itertuples(index=False, name=None))]  # fmt: skip
    return Table(file, _header(header, rows, file, 1), 1, rows, [], header)


def read_tables(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    skip_rows: int = 0,
    encodings: Sequence[str] = ("utf-8-sig", "gb18030"),
) -> tuple[list[Table], list[Sheet]]:
    """The tables of a file and, for a workbook read with ``sheet``, its other non-empty sheets.

    A workbook without ``sheet`` gives one table per non-empty worksheet (their lineage is
    ``file#sheet``); ``sheet`` applies to workbooks only, ``skip_rows`` not to Stata files.
    """
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        chosen, others = choose_sheets(read_sheets(path), sheet, file)
        several = len(chosen) > 1
        tables = [
            sheet_table(s, sheet_label(file, s, several), skip_rows=skip_rows) for s in chosen
        ]
        return tables, others
    if sheet is not None:
        raise IngestError(f"`sheet` ({sheet!r}) applies to Excel workbooks only", file=file)
    if suffix == ".dta":
        if skip_rows:
            raise IngestError("skip_rows does not apply to a Stata file", file=file)
        return [stata_table(path)], []
    return [csv_table(path, encodings=encodings, skip_rows=skip_rows)], []


def table_frame(table: Table) -> pd.DataFrame:
    """The table as a frame of strings with the line of each row in column ``line``."""
    if "line" in table.header:
        raise IngestError(
            "a column may not be named 'line'", file=table.file, line=table.header_line
        )
    body = [[*cells, line] for line, cells in table.rows]
    return pd.DataFrame(body, columns=[*table.header, "line"]).astype({"line": "int64"})
