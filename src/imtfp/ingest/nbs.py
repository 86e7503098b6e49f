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
import datetime as _dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from imtfp import provinces
from imtfp.errors import ConfigError, IngestError
from imtfp.options import OnBadCell

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

_YEAR = re.compile(r"^(\d{4})\s*年?$", re.ASCII)
_UNIT = re.compile(r"^(?P<name>.*?)\s*[(（](?P<unit>[^()（）]*)[)）]\s*$")
_BY_REGION_NAME = re.compile(r"按地区_([^_.]+)")
#: The one number grammar of every reader: optional sign, digits with optional thousands groups of
#: exactly three digits, optional ``.`` decimals, optional exponent. ASCII only.
_NUMBER = re.compile(
    r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$", re.ASCII
)
_FOOTER_START = ("注：", "注:", "注 ", "数据来源", "资料来源", "说明：")
_BLANKS = " \t\u3000\ufeff\xa0"


class BadCell(str):
    """A worksheet cell that is not a number (error, boolean, date, formula without a cached value).

    It is a non-empty string (so it is counted) that carries the reason it cannot be a value.
    """

    reason: str

    def __new__(cls, text: str, reason: str):
        obj = super().__new__(cls, text)
        obj.reason = reason
        return obj


def parse_number(raw: str) -> float | None:
    """The value of a cell under the strict grammar, or ``None`` if it is not a number.

    Accepted: ``-1234.5``, ``1,234,567.8``, ``1.2e+05``. Rejected: ``1,5``, ``1,2345``,
    ``123,``, ``1_000``, full-width or other non-ASCII digits, ``NaN``, ``inf``, a result
    that overflows to infinity.
    """
    if isinstance(raw, BadCell) or not _NUMBER.match(raw):
        return None
    value = float(raw.replace(",", ""))
    return value if math.isfinite(value) else None


def number_problem(raw: str) -> str:
    """Why ``raw`` is not a value (for the reject's reason)."""
    if isinstance(raw, BadCell):
        return raw.reason
    if raw.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return "not a finite number (NaN/inf)"
    if _NUMBER.match(raw):
        return "not a finite number (overflow)"
    return "non-numeric cell"


@dataclass
class Reading:
    """Everything one raw file yielded, so that no cell can vanish unaccounted.

    ``nonempty_cells`` counts every non-empty cell of the file (header lines, column header,
    table, notes) except the row labels of the table (the keys of its cells); each one is an observation, a reject or part of an ``excluded`` row.
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


def _filled(cell: str) -> bool:
    return cell.strip(_BLANKS) != ""


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


def _excel_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return BadCell(str(value).upper(), "boolean cell, not a number")
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return BadCell(str(value), "date/time cell, not a number")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value).strip(" \t\r\n")
    if text.startswith("#") and text.rstrip("!?/0A").upper() in _EXCEL_ERRORS:
        return BadCell(text, f"Excel error cell {text}")
    return text


_EXCEL_ERRORS = {"#NULL", "#DIV", "#VALUE", "#REF", "#NAME", "#NUM", "#N/A", "#N", "#GETTING_DATA"}


def _xls_rows(path: Path) -> list[list[str]]:
    import xlrd

    book = xlrd.open_workbook(str(path), formatting_info=path.suffix.lower() == ".xls")
    sheet = book.sheet_by_index(0)
    out = []
    for r in range(sheet.nrows):
        row = []
        for c in range(sheet.ncols):
            cell = sheet.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_ERROR:
                code = xlrd.error_text_from_code.get(cell.value, f"#ERR{cell.value}")
                row.append(BadCell(code, f"Excel error cell {code}"))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                row.append(BadCell("TRUE" if cell.value else "FALSE", "boolean cell, not a number"))
            elif cell.ctype == xlrd.XL_CELL_DATE:
                row.append(BadCell(f"date serial {cell.value!r}", "date/time cell, not a number"))
            else:
                row.append(
                    _excel_cell(
                        cell.value
                        if cell.ctype not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
                        else None
                    )
                )
        out.append(row)
    for rlo, rhi, clo, chi in getattr(sheet, "merged_cells", []):
        _fill_merged(out, rlo, rhi, clo, chi)
    return out


def _xlsx_rows(path: Path) -> list[list[str]]:
    import openpyxl

    values_wb = openpyxl.load_workbook(str(path), data_only=True)
    formulas_wb = openpyxl.load_workbook(str(path), data_only=False)
    ws, wf = values_wb.worksheets[0], formulas_wb.worksheets[0]
    out = []
    for row_v, row_f in zip(ws.iter_rows(), wf.iter_rows()):
        row = []
        for cv, cf in zip(row_v, row_f):
            if cv.value is None and cf.data_type == "f":
                row.append(BadCell(str(cf.value), "formula without a cached value"))
            elif cv.data_type == "e":
                row.append(BadCell(str(cv.value), f"Excel error cell {cv.value}"))
            else:
                row.append(_excel_cell(cv.value))
        out.append(row)
    for rng in ws.merged_cells.ranges:
        _fill_merged(out, rng.min_row - 1, rng.max_row, rng.min_col - 1, rng.max_col)
    return out


def _fill_merged(rows: list[list[str]], rlo: int, rhi: int, clo: int, chi: int) -> None:
    """A merged range shows its top-left value in every cell it covers (a label merged over rows).

    Only label cells (first column) are filled: a value merged over several years would otherwise
    be counted several times.
    """
    if clo != 0 or rlo >= len(rows):
        return
    label = rows[rlo][0]
    for r in range(rlo + 1, min(rhi, len(rows))):
        if not _filled(rows[r][0]):
            rows[r][0] = label


def _excel_rows(path: Path) -> list[Row]:
    try:
        values = _xls_rows(path) if path.suffix.lower() == ".xls" else _xlsx_rows(path)
    except Exception as exc:  # the Excel libraries raise many types; name the file either way
        raise IngestError(
            f"not a readable Excel workbook ({type(exc).__name__}: {exc})", file=str(path)
        ) from exc
    # Worksheets are rectangular: keep trailing blanks so row widths match the header.
    return [(i, vals) for i, vals in enumerate(values, start=1)]


_HEADER_KEYS = {"数据库": "database", "指标": "indicator_label", "时间": "time"}


def _split_header(rows: list[Row], file: str) -> tuple[dict, int]:
    """Parse ``数据库：``/``指标：``/``时间：`` lines; return metadata and the header row's index."""
    meta: dict = {}
    for idx, (_, cells) in enumerate(rows):
        first = cells[0].strip(_BLANKS) if cells else ""
        key, sep, val = first.partition("：")
        if not sep:
            key, sep, val = first.partition(":")
        if sep and key.strip() in _HEADER_KEYS:
            meta[_HEADER_KEYS[key.strip()]] = val.strip(_BLANKS)
            continue
        if first in ("地区", "指标"):
            if "database" not in meta:
                break
            return meta, idx
        if any(_filled(c) for c in cells):
            break
    raise IngestError(
        "not an NBS export: expected '数据库：' header lines and a table starting with 地区 or 指标",
        file=file,
        line=rows[0][0] if rows else 1,
    )


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end > 1 and not _filled(cells[end - 1]):
        end -= 1
    return cells[:end]


def _years(header: list[str], line: int, file: str) -> list[int]:
    years: list[int] = []
    for cell in header[1:]:
        m = _YEAR.match(cell.strip(_BLANKS))
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
        """Header lines, the column header and notes: counted as excluded text cells."""
        n = sum(_filled(c) for c in cells)
        if n:
            label = next(c for c in cells if _filled(c)).strip(_BLANKS)[:60]
            self.excluded.append((self.file, line, label, kind, n))

    def cell(
        self, line: int, code: str | None, label: str, year: int, indicator: str, unit, raw: str
    ):
        if not _filled(raw):
            return
        raw = raw if isinstance(raw, BadCell) else raw.strip(_BLANKS)
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
            observations=pd.DataFrame(self.obs, columns=OBS_COLUMNS).astype(
                {"year": "int64", "value": "float64", "source_line": "int64"}
            ),
            rejects=pd.DataFrame(self.rejects, columns=REJECT_COLUMNS),
            excluded=pd.DataFrame(self.excluded, columns=EXCLUDED_COLUMNS).astype(
                {"cells": "int64"}
            ),
            nonempty_cells=nonempty,
            meta=meta,
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


def _body(
    rows: list[Row], header_idx: int, width: int, file: str
) -> tuple[list[tuple[int, str, list[str]]], int]:
    """The table's data rows (line, label, cells) and the index of the footer's first row.

    The table ends only at a footer line (``注：``, ``数据来源：`` …). Blank lines inside it are
    skipped (they hold no cell); any other row must be a labelled row of the header's width.
    A file without a footer is truncated.
    """
    body = []
    for idx in range(header_idx + 1, len(rows)):
        line, cells = rows[idx]
        if not any(_filled(c) for c in cells):
            continue  # blank, comma-only or ideographic-space line: nothing to read, nothing lost
        label = cells[0].strip(_BLANKS) if cells else ""
        if _is_footer_start(label):
            return body, idx
        if not label:
            raise IngestError(
                "row without a label inside the table (values but no province or indicator name)",
                file=file,
                line=line,
            )
        if len(cells) < width or any(_filled(c) for c in cells[width:]):
            n = len(_trim(cells)) if len(cells) > width else len(cells)
            raise IngestError(
                f"row of {label} has {n} cells but the header has {width} (truncated or mis-split file?)",
                file=file,
                line=line,
            )
        body.append((line, label, cells[1:width]))
    raise IngestError(
        "file ends inside the table, without the 数据来源 footer (truncated?)", file=file
    )


def _looks_like_data(cells: list[str]) -> bool:
    label = cells[0].strip(_BLANKS) if cells else ""
    if _province_code(label) is None and _non_provincial(label) is None:
        return False
    return any(parse_number(c.strip(_BLANKS)) is not None for c in cells[1:] if _filled(c))


def _footer(rows: list[Row], start: int, sink: _Sink, file: str) -> dict:
    """Notes and source after the table; a province row among them is an error, never a note."""
    notes: list[str] = []
    meta: dict = {}
    for line, cells in rows[start:]:
        if not any(_filled(c) for c in cells):
            continue
        if _looks_like_data(cells):
            raise IngestError(
                f"table row of {cells[0].strip(_BLANKS)} after the footer began at line {rows[start][0]} "
                "(a note inside the table?)",
                file=file,
                line=line,
            )
        sink.text(line, cells, "note")
        raw = ",".join(cells).rstrip(",")
        text = raw.strip(_BLANKS)
        if text.startswith(("数据来源", "资料来源")):
            meta["source"] = text.partition("：")[2].strip() or text
        elif raw.startswith(("\u3000", " ")) and notes:
            notes[-1] += "\n" + text
        else:
            notes.append(text)
    meta["notes"] = "\n".join(notes)
    return meta


def _by_province(rows, header_idx, meta, sink, indicator, unit, file) -> None:
    hline, header = rows[header_idx]
    header = _trim(header)
    years = _years(header, hline, file)
    indicator, unit = _resolve_indicator(meta, indicator, unit, file)
    meta.update(indicator=indicator, unit=unit, layout="by_province")
    seen: dict[str, int] = {}
    body, end = _body(rows, header_idx, len(header), file)
    sink.labels += len(body)
    for line, label, values in body:
        n = sum(_filled(v) for v in values)
        kind = _non_provincial(label)
        if kind:
            sink.excluded.append((file, line, label, kind, n))
            continue
        code = _province_code(label)
        if n == 0:
            continue  # e.g. the second row of a label merged over two rows
        if code is not None and code in seen:
            if sink.on_bad_cell == "error":
                raise IngestError(
                    f"duplicate row for province {label} (first at line {seen[code]})",
                    file=file,
                    line=line,
                )
            for year, raw in zip(years, values):
                if _filled(raw):
                    sink.bad(
                        line, label, year, indicator, raw, f"duplicate row of line {seen[code]}"
                    )
            continue
        if code is not None:
            seen[code] = line
        for year, raw in zip(years, values):
            sink.cell(line, code, label, year, indicator, unit, raw)
    meta.update(_footer(rows, end, sink, file))


def _by_region(rows, header_idx, meta, sink, province, file) -> None:
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
    body, end = _body(rows, header_idx, len(header), file)
    seen: dict[str, int] = {}
    sink.labels += len(body)
    for line, label, values in body:
        if not any(_filled(v) for v in values):
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
    meta.update(_footer(rows, end, sink, file))


def read_nbs_file(
    path: str | Path,
    *,
    indicator: str | None = None,
    unit: str | None = None,
    province: str | None = None,
    on_bad_cell: OnBadCell = "error",
) -> Reading:
    """Read one NBS export into observations, rejects and counted exclusions.

    Parameters
    ----------
    path : a ``.csv`` (legacy or portal flavour), ``.xls`` or ``.xlsx`` export.
    indicator, unit : override (or, for portal files without ``指标：``, supply)
        the indicator name and its unit.
    province : the province of a by-region export (default: from ``按地区_<省>``).
    on_bad_cell : ``"error"`` raises :class:`~imtfp.errors.IngestError` on an
        unknown province or a non-numeric cell; ``"reject"`` records it.

    Every non-empty cell of the file is counted in ``nonempty_cells`` and lands in exactly one of
    observations, rejects or an ``excluded`` row (header lines, column header and notes as the
    kinds in :data:`TEXT_KINDS`). Any failure is an :class:`~imtfp.errors.IngestError` naming the
    file (and the line where there is one).
    """
    if on_bad_cell not in ("error", "reject"):
        raise ConfigError(f"on_bad_cell must be 'error' or 'reject', not {on_bad_cell!r}")
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise IngestError("no such file", file=file)
    try:
        rows = (
            _excel_rows(path)
            if path.suffix.lower() in (".xls", ".xlsx")
            else _text_rows(_decode(path), file)
        )
        meta, header_idx = _split_header(rows, file)
        sink = _Sink(file, on_bad_cell)
        for line, cells in rows[:header_idx]:
            sink.text(line, cells, "header")
        sink.text(rows[header_idx][0], rows[header_idx][1], "column_header")
        if rows[header_idx][1][0].strip(_BLANKS) == "指标":
            _by_region(rows, header_idx, meta, sink, province, file)
        else:
            _by_province(rows, header_idx, meta, sink, indicator, unit, file)
    except IngestError:
        raise
    except (
        Exception
    ) as exc:  # last line of defence: whatever a malformed file triggers names the file
        raise IngestError(f"cannot read the file ({type(exc).__name__}: {exc})", file=file) from exc
    nonempty = sum(_filled(c) for _, cells in rows for c in cells) - sink.labels
    meta["row_labels"] = sink.labels
    return sink.reading(meta, nonempty)


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
