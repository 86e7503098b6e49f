"""Readers for provincial exports of the NBS data portal (国家统计局 分省年度数据).

Three layouts share one structure — header lines, a table, footer lines:

* **legacy CSV** — GB18030/GBK, CRLF, comma separated::

      数据库：分省年度数据
      指标：地区生产总值(亿元)
      时间：最近20年
      地区,2024年,2023年,…          (years descending)
      北京市,49670.2,47353.7,…
      …
      注：…                          (continued on lines indented with U+3000)
      数据来源：国家统计局

* **portal CSV** — UTF-8 with BOM, cells separated by a tab and a comma
  (``\\t,``), every row ending with a comma, and no ``指标：`` line: the
  indicator and its unit must be named by the caller.
* **by-region** — either CSV flavour with ``指标`` as the first header cell:
  one province per file (named by the caller or by ``按地区_<省>`` in the
  file name), indicators as rows with the unit in parentheses in the name.

Native ``.xls``/``.xlsx`` exports carry the same lines as worksheet rows.
Line numbers are 1-based lines of the text file, or rows of the worksheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from imtfp import provinces
from imtfp.errors import ConfigError, IngestError
from imtfp.ingest.cells import BLANKS, BadCell, filled, names_the_file, number_problem, parse_number
from imtfp.ingest.workbook import choose_sheets, read_sheets, sheet_label
from imtfp.options import OnBadCell

__all__ = ["BadCell", "Reading", "parse_number", "number_problem", "read_nbs", "read_nbs_file"]

Row = tuple[int, list[str]]

OBS_COLUMNS = ["province", "year", "indicator", "value", "unit", "source_file", "source_line"]
REJECT_COLUMNS = [
    "source_file",
    "source_line",
    "province",
    "year",
    "indicator",
    "raw_value",
    "reason",
]
EXCLUDED_COLUMNS = ["source_file", "source_line", "label", "kind", "cells"]
#: Kinds of excluded rows that are not data: header lines, the column header, footer notes.
TEXT_KINDS = ("header", "column_header", "note")
#: Kind of the excluded row that counts the cells of a worksheet not read (``sheet`` names another).
OTHER_SHEET = "other_sheet"

_YEAR = re.compile(r"^(\d{4})\s*年?$", re.ASCII)
_UNIT = re.compile(r"^(?P<name>.*?)\s*[(（](?P<unit>[^()（）]*)[)）]\s*$")
_BY_REGION_NAME = re.compile(r"按地区_([^_.]+)")
_FOOTER_START = ("注：", "注:", "注 ", "数据来源", "资料来源", "说明：", "说明:")


@dataclass
class Reading:
    """Everything one raw file yielded, so that no cell can vanish unaccounted.

    ``nonempty_cells`` counts every non-empty cell of the file (header lines, column header,
    table, notes, worksheets not read) except the row labels of the table (the keys of its
    cells); each one is an observation, a reject or part of an ``excluded`` row.
    """

    observations: pd.DataFrame
    rejects: pd.DataFrame
    excluded: pd.DataFrame
    nonempty_cells: int
    meta: dict = field(default_factory=dict)


def split_unit(label: str) -> tuple[str, str | None]:
    """``"地区生产总值(亿元)"`` → ``("地区生产总值", "亿元")``: the unit is the last parentheses."""
    m = _UNIT.match(label.strip())
    if not m:
        return label.strip(), None
    return m.group("name").strip(), m.group("unit").strip()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror or exc})", file=str(path)) from exc


def _decode(path: Path) -> str:
    raw = _read_bytes(path)
    if raw.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
    line = raw[: last.start].count(b"\n") + 1
    raise IngestError(
        f"cannot decode as {' or '.join(encodings)} (byte {last.start}); "
        "NBS exports are GB18030/GBK or UTF-8 with BOM",
        file=str(path),
        line=line,
    )


def _text_rows(text: str, file: str) -> list[Row]:
    # CR-only and stray CR line ends become line breaks, so line numbers match what an editor shows.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if any("\t," in ln for ln in lines[:10]):
        # Portal flavour: "\t," separates cells and each row ends with ",".
        rows = []
        for i, ln in enumerate(lines, start=1):
            cells = [c.strip(" \t") for c in ln.split("\t,")]
            if len(cells) > 1 and cells[-1] in ("", ","):
                cells = cells[:-1]
            rows.append((i, cells))
        return rows
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for cells in reader:
            rows.append((start, [c.strip(" \t") for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise IngestError(
            f"malformed CSV ({exc})", file=file, line=reader.line_num or start
        ) from exc
    return rows


_HEADER_KEYS = {"数据库": "database", "指标": "indicator_label", "时间": "time"}


def _split_header(rows: list[Row], file: str, *, headerless: bool) -> tuple[dict, int]:
    """Parse ``数据库：``/``指标：``/``时间：`` lines; return metadata and the header row's index.

    ``headerless``: the caller named what the header lines would say, so a table that starts at
    once with its ``地区``/``指标`` row (an export saved without them) is read too.
    """
    meta: dict = {}
    for idx, (_, cells) in enumerate(rows):
        first = cells[0].strip(BLANKS) if cells else ""
        key, sep, val = first.partition("：")
        if not sep:
            key, sep, val = first.partition(":")
        if sep and key.strip() in _HEADER_KEYS:
            meta[_HEADER_KEYS[key.strip()]] = val.strip(BLANKS)
            continue
        if first in ("地区", "指标"):
            if "database" not in meta and not headerless:
                break
            return meta, idx
        if any(filled(c) for c in cells):
            break
    raise IngestError(
        "not an NBS export: expected '数据库：' header lines and a table starting with 地区 or 指标",
        file=file,
        line=rows[0][0] if rows else 1,
    )


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end > 1 and not filled(cells[end - 1]):
        end -= 1
    return cells[:end]


def _years(header: list[str], line: int, file: str) -> list[int]:
    years: list[int] = []
    for cell in header[1:]:
        m = _YEAR.match(cell.strip(BLANKS))
        if not m:
            raise IngestError(f"column header {cell!r} is not a year", file=file, line=line)
        year = int(m.group(1))
        if year in years:
            raise IngestError(
                f"year {year} appears in two columns of the header", file=file, line=line
            )
        years.append(year)
    return years


def _is_footer_start(label: str) -> bool:
    return label.startswith(_FOOTER_START)


class _Sink:
    """Collects observations, rejects and exclusions of one file."""

    def __init__(self, file: str, on_bad_cell: OnBadCell):
        self.file, self.on_bad_cell = file, on_bad_cell
        self.obs: list[tuple] = []
        self.rejects: list[tuple] = []
        self.excluded: list[tuple] = []
        self.labels = 0  # row labels of the table: keys of the cells, not cells themselves
        self.indicator = ""  # the file's indicator, once known (named in rejects of note lines)

    def bad(
        self, line: int, province: str, year: int | None, indicator: str, raw: str, reason: str
    ):
        if self.on_bad_cell == "error":
            where = f"province {province}, indicator {indicator}" + (
                f", year {year}" if year else ""
            )
            raise IngestError(
                f"{reason} ({where}, cell {str(raw)[:80]!r})", file=self.file, line=line
            )
        self.rejects.append((self.file, line, province, year, indicator, str(raw), reason))

    def text(self, line: int, cells: list[str], kind: str) -> None:
        """Header lines, the column header and notes: counted as excluded text cells.

        A number in a header or note line is never text: it is a bad cell (an error, or a reject
        under ``on_bad_cell: reject``), so that no value is filed away as a note.
        """
        texts = [c for c in cells if filled(c)]
        if kind != "column_header":
            numbers = [c for c in texts if parse_number(c.strip(BLANKS)) is not None]
            texts = [c for c in texts if parse_number(c.strip(BLANKS)) is None]
            label = texts[0].strip(BLANKS)[:60] if texts else ""
            for raw in numbers:
                self.bad(line, label, None, self.indicator, raw.strip(BLANKS),
                         f"number in a {kind} line")  # fmt: skip
        if texts:
            self.excluded.append((self.file, line, texts[0].strip(BLANKS)[:60], kind, len(texts)))

    def cell(
        self, line: int, code: str | None, label: str, year: int, indicator: str, unit, raw: str
    ):
        if not filled(raw):
            return
        raw = raw if isinstance(raw, BadCell) else raw.strip(BLANKS)
        if code is None:
            self.bad(line, label, year, indicator, raw, f"unknown province name {label!r}")
            return
        value = parse_number(raw)
        if value is None:
            self.bad(line, label, year, indicator, raw, number_problem(raw))
            return
        self.obs.append((code, year, indicator, value, unit, self.file, line))

    def reading(self, meta: dict, nonempty: int) -> Reading:
        return Reading(
            observations=_frame(self.obs, OBS_COLUMNS),
            rejects=pd.DataFrame(self.rejects, columns=REJECT_COLUMNS),
            excluded=_frame(self.excluded, EXCLUDED_COLUMNS),
            nonempty_cells=nonempty,
            meta=meta,
        )


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Observations or exclusions with their integer and float columns typed (also when empty)."""
    types = {"year": "int64", "value": "float64", "source_line": "int64", "cells": "int64"}
    return pd.DataFrame(rows, columns=columns).astype(
        {c: t for c, t in types.items() if c in columns}
    )


def _province_code(label: str) -> str | None:
    try:
        return provinces.to_code(label)
    except (ValueError, KeyError, TypeError):
        return None


def _non_provincial(label: str) -> str | None:
    try:
        return provinces.non_provincial(label)
    except (ValueError, KeyError, TypeError):
        return None


def _resolve_indicator(
    meta: dict, indicator: str | None, unit: str | None, file: str
) -> tuple[str, str]:
    name, file_unit = (
        split_unit(meta.get("indicator_label", "")) if "indicator_label" in meta else (None, None)
    )
    if name is not None:
        meta["file_indicator"], meta["file_unit"] = name, file_unit
    indicator = indicator or name
    unit = unit or file_unit
    if not indicator:
        raise IngestError(
            "the file has no '指标：' line; name the indicator (indicator=…, or in the manifest)",
            file=file,
        )
    if not unit:
        raise IngestError(
            f"no unit for indicator {indicator!r}; pass unit=… or declare it", file=file
        )
    return indicator, unit


def _table_cells(line: int, label: str, cells: list[str], width: int, file: str) -> list[str]:
    """The value cells of a table row, which must have a label and the header's width."""
    if not label:
        raise IngestError(
            "row without a label inside the table (values but no province or indicator name)",
            file=file,
            line=line,
        )
    if len(cells) < width or any(filled(c) for c in cells[width:]):
        n = len(_trim(cells)) if len(cells) > width else len(cells)
        raise IngestError(
            f"row of {label} has {n} cells but the header has {width} (truncated or mis-split file?)",
            file=file,
            line=line,
        )
    return cells[1:width]


def _parses_as_data(cells: list[str], known_label) -> bool:
    """Whether a row met after a note is a table row again (it ends the note).

    A continuation line (indented with U+3000 or spaces) belongs to its note. Any other row with a
    number after its label is data, and so is a row whose label is a known row label (a province,
    a national/HK/Macao/Taiwan row, an indicator with its unit) with any other cell filled.
    """
    first = cells[0] if cells else ""
    if first[:1] in ("\u3000", " ", "\t"):
        return False
    rest = [c for c in cells[1:] if filled(c)]
    if any(parse_number(c.strip(BLANKS)) is not None for c in rest):
        return True
    return bool(rest) and known_label(first.strip(BLANKS))


def _sections(
    rows: list[Row], header_idx: int, width: int, file: str, known_label, *, footer_required: bool
) -> tuple[list[tuple[int, str, list[str]]], list[Row]]:
    """Split the rows after the column header into table rows (line, label, cells) and note rows.

    A ``注…``/``说明…``/``数据来源…``/``资料来源…`` line starts a note; the note goes on (continuation
    lines, free text) until a row that parses as data (:func:`_parses_as_data`), where the table
    resumes: a note inside the table never swallows the rows after it. Blank lines hold no cell
    and are skipped. The file must end in a note (the ``数据来源`` footer), else it is truncated;
    only a header-less workbook (``footer_required=False``) may end with a table row.
    """
    body: list[tuple[int, str, list[str]]] = []
    notes: list[Row] = []
    in_note = False
    for line, cells in rows[header_idx + 1 :]:
        if not any(filled(c) for c in cells):
            continue  # blank, comma-only or ideographic-space line: nothing to read, nothing lost
        label = cells[0].strip(BLANKS) if cells else ""
        if _is_footer_start(label) or (in_note and not _parses_as_data(cells, known_label)):
            in_note = True
            notes.append((line, cells))
            continue
        in_note = False
        body.append((line, label, _table_cells(line, label, cells, width, file)))
    if footer_required and not in_note:
        raise IngestError(
            "file ends inside the table, without the 数据来源 footer (truncated?)", file=file
        )
    return body, notes


def _notes(notes: list[Row], sink: _Sink) -> dict:
    """Count the note rows (numbers in them are bad cells) and collect their text and source."""
    texts: list[str] = []
    meta: dict = {}
    for line, cells in notes:
        sink.text(line, cells, "note")
        raw = ",".join(cells).rstrip(",")
        text = raw.strip(BLANKS)
        if text.startswith(("数据来源", "资料来源")):
            meta["source"] = text.partition("：")[2].strip() or text
        elif raw.startswith(("\u3000", " ")) and texts:
            texts[-1] += "\n" + text
        else:
            texts.append(text)
    meta["notes"] = "\n".join(texts)
    return meta


def _is_province_row(label: str) -> bool:
    return _province_code(label) is not None or _non_provincial(label) is not None


def _is_indicator_row(label: str) -> bool:
    return split_unit(label)[1] is not None


def _by_province(rows, header_idx, meta, sink, indicator, unit, file, footer_required) -> None:
    hline, header = rows[header_idx]
    header = _trim(header)
    years = _years(header, hline, file)
    indicator, unit = _resolve_indicator(meta, indicator, unit, file)
    sink.indicator = indicator
    meta.update(indicator=indicator, unit=unit, layout="by_province")
    seen: dict[str, int] = {}
    body, notes = _sections(
        rows, header_idx, len(header), file, _is_province_row, footer_required=footer_required
    )
    sink.labels += len(body)
    for line, label, values in body:
        n = sum(filled(v) for v in values)
        kind = _non_provincial(label)
        if kind:
            sink.excluded.append((file, line, label, kind, n))
            continue
        code = _province_code(label)
        if n == 0:
            continue  # e.g. the second row of a label merged over two rows
        if code is not None and code in seen:
            _duplicate_row(sink, line, label, seen[code], years, values, indicator)
            continue
        if code is not None:
            seen[code] = line
        for year, raw in zip(years, values):
            sink.cell(line, code, label, year, indicator, unit, raw)
    meta.update(_notes(notes, sink))


def _duplicate_row(sink: _Sink, line, label, first, years, values, indicator) -> None:
    """A second row of one province: an error naming both lines, or its cells rejected."""
    if sink.on_bad_cell == "error":
        raise IngestError(
            f"duplicate row for province {label} (first at line {first})", file=sink.file, line=line
        )
    for year, raw in zip(years, values):
        if filled(raw):
            sink.bad(line, label, year, indicator, raw, f"duplicate row of line {first}")


def _by_region(rows, header_idx, meta, sink, province, file, footer_required) -> None:
    hline, header = rows[header_idx]
    header = _trim(header)
    years = _years(header, hline, file)
    if province is None:
        m = _BY_REGION_NAME.search(Path(file).name)
        province = m.group(1) if m else None
    if province is None:
        raise IngestError("by-region export: name the province (province=…)", file=file, line=hline)
    code = _province_code(province)
    if code is None:
        raise IngestError(f"unknown province name {province!r}", file=file, line=hline)
    meta.update(province=code, layout="by_region")
    body, notes = _sections(
        rows, header_idx, len(header), file, _is_indicator_row, footer_required=footer_required
    )
    seen: dict[str, int] = {}
    sink.labels += len(body)
    for line, label, values in body:
        if not any(filled(v) for v in values):
            continue
        indicator, unit = split_unit(label)
        if unit is None:
            raise IngestError(
                f"indicator row {label!r} has no unit in parentheses", file=file, line=line
            )
        if indicator in seen:
            raise IngestError(f"duplicate row for indicator {indicator} (first at line {seen[indicator]})",
                              file=file, line=line)  # fmt: skip
        seen[indicator] = line
        for year, raw in zip(years, values):
            sink.cell(line, code, province, year, indicator, unit, raw)
    meta.update(_notes(notes, sink))


def _read_rows(
    rows: list[Row],
    file: str,
    *,
    excel: bool,
    indicator: str | None,
    unit: str | None,
    province: str | None,
    on_bad_cell: OnBadCell,
) -> Reading:
    """One export (a text file or one worksheet) as rows of cells → its :class:`Reading`."""
    # The caller says what header lines would: the indicator and its unit, or a region's province.
    named = (indicator is not None and unit is not None) or province is not None
    meta, header_idx = _split_header(rows, file, headerless=named)
    # A workbook saved without its header lines has no footer either; a text file must end in one.
    footer_required = not excel or "database" in meta
    sink = _Sink(file, on_bad_cell)
    for line, cells in rows[:header_idx]:
        sink.text(line, cells, "header")
    sink.text(rows[header_idx][0], rows[header_idx][1], "column_header")
    if rows[header_idx][1][0].strip(BLANKS) == "指标":
        _by_region(rows, header_idx, meta, sink, province, file, footer_required)
    else:
        _by_province(rows, header_idx, meta, sink, indicator, unit, file, footer_required)
    nonempty = sum(filled(c) for _, cells in rows for c in cells) - sink.labels
    meta["row_labels"] = sink.labels
    return sink.reading(meta, nonempty)


def _read_workbook(path: Path, sheet: str | int | None, **options) -> Reading:
    """Every worksheet (or the one named by ``sheet``) read as an export; the others counted."""
    file = str(path)
    chosen, others = choose_sheets(read_sheets(path), sheet, file)
    several = len(chosen) > 1
    parts = []
    for s in chosen:
        label = sheet_label(file, s, several)
        rows = [(i, cells) for i, cells in enumerate(s.rows, start=1)]
        try:
            parts.append(_read_rows(rows, label, excel=True, **options))
        except IngestError as exc:
            if not several:
                raise
            raise IngestError(
                f"sheet {s.name!r} of a workbook with several sheets cannot be read ({exc}); "
                "to read only one sheet, name it in the manifest (`sheet`)",
                file=label,
                line=exc.line,
            ) from exc
    return combine_sheets(parts, others, file, sheets=[s.name for s in chosen])


def combine_sheets(parts: list[Reading], others: list, file: str, *, sheets: list[str]) -> Reading:
    """One :class:`Reading` of the sheets read; each other non-empty sheet is one excluded row
    (kind :data:`OTHER_SHEET`, label the sheet's name, line 0: the whole sheet)."""
    if len(parts) == 1 and not others:
        return parts[0]
    other_rows = [(file, 0, s.name, OTHER_SHEET, s.nonempty()) for s in others]
    meta = dict(parts[0].meta)
    meta.update(
        sheets=sheets,
        sheet_meta=[p.meta for p in parts],
        row_labels=sum(p.meta.get("row_labels", 0) for p in parts),
    )
    return Reading(
        observations=pd.concat([p.observations for p in parts], ignore_index=True),
        rejects=pd.concat([p.rejects for p in parts], ignore_index=True),
        excluded=pd.concat(
            [*(p.excluded for p in parts), _frame(other_rows, EXCLUDED_COLUMNS)], ignore_index=True
        ),
        nonempty_cells=sum(p.nonempty_cells for p in parts) + sum(r[-1] for r in other_rows),
        meta=meta,
    )


@names_the_file
def read_nbs_file(
    path: str | Path,
    *,
    indicator: str | None = None,
    unit: str | None = None,
    province: str | None = None,
    sheet: str | int | None = None,
    on_bad_cell: OnBadCell = "error",
) -> Reading:
    """Read one NBS export into observations, rejects and counted exclusions.

    Parameters
    ----------
    path : a ``.csv`` (legacy or portal flavour), ``.xls`` or ``.xlsx`` export.
    indicator, unit : override (or, for portal files without ``指标：``, supply)
        the indicator name and its unit. With both named, a file whose table starts at once
        with its ``地区`` row (no ``数据库``/``指标``/``时间`` lines) is read too; a workbook
        saved so may also lack the ``数据来源`` footer.
    province : the province of a by-region export (default: from ``按地区_<省>``).
    sheet : the worksheet to read (name or 0-based index). Default: every non-empty
        worksheet, each an export of its own (lineage ``file#sheet``). With ``sheet`` the other
        worksheets' cells are counted as excluded (kind :data:`OTHER_SHEET`).
    on_bad_cell : ``"error"`` raises :class:`~imtfp.errors.IngestError` on an
        unknown province or a non-numeric cell; ``"reject"`` records it.

    Every non-empty cell of the file is counted in ``nonempty_cells`` and lands in exactly one of
    observations, rejects or an ``excluded`` row (header lines, column header and notes as the
    kinds in :data:`TEXT_KINDS`). A number is never excluded as text: in a note or header line it
    is a bad cell. Any failure is an :class:`~imtfp.errors.IngestError` naming the file (and the
    line where there is one).
    """
    if on_bad_cell not in ("error", "reject"):
        raise ConfigError(f"on_bad_cell must be 'error' or 'reject', not {on_bad_cell!r}")
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise IngestError("no such file", file=file)
    options = dict(indicator=indicator, unit=unit, province=province, on_bad_cell=on_bad_cell)
    if path.suffix.lower() in (".xls", ".xlsx"):
        return _read_workbook(path, sheet, **options)
    if sheet is not None:
        raise IngestError(f"`sheet` ({sheet!r}) applies to Excel workbooks only", file=file)
    return _read_rows(_text_rows(_decode(path), file), file, excel=False, **options)


def read_nbs(
    path: str | Path,
    *,
    indicator: str | None = None,
    unit: str | None = None,
    province: str | None = None,
) -> pd.DataFrame:
    """One row per non-empty cell of an NBS export.

    Columns ``province`` (GB/T 2260 code), ``year``, ``indicator`` (name
    without unit), ``value``, ``unit``, ``source_file``, ``source_line``.
    Header metadata (database, time span, notes, source, layout) and the
    count of excluded national/Hong Kong/Macao/Taiwan rows go to ``df.attrs``.
    Bad cells raise :class:`~imtfp.errors.IngestError` naming file and line.
    """
    reading = read_nbs_file(path, indicator=indicator, unit=unit, province=province)
    df = reading.observations
    df.attrs.update(reading.meta)
    rows = reading.excluded[~reading.excluded["kind"].isin(TEXT_KINDS)]
    df.attrs["excluded_rows"] = len(rows)
    df.attrs["excluded_cells"] = int(rows["cells"].sum()) if len(rows) else 0
    return df
