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
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from imtfp.options import OnBadCell
from imtfp import provinces
from imtfp.errors import ConfigError, IngestError

Row = tuple[int, list[str]]

OBS_COLUMNS = ["province", "year", "indicator", "value", "unit", "source_file", "source_line"]
REJECT_COLUMNS = ["source_file", "source_line", "province", "year", "indicator", "raw_value", "reason"]
EXCLUDED_COLUMNS = ["source_file", "source_line", "label", "kind", "cells"]

_YEAR = re.compile(r"^(\d{4})\s*年?$")
_UNIT = re.compile(r"^(?P<name>.*?)\s*[(（](?P<unit>[^()（）]*)[)）]\s*$")
_BY_REGION_NAME = re.compile(r"按地区_([^_.]+)")
_MISSING = {"", "nan"}


@dataclass
class Reading:
    """Everything one raw file yielded, so that no cell can vanish unaccounted."""

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


def _decode(path: Path) -> str:
    raw = path.read_bytes()
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


def _text_rows(text: str) -> list[Row]:
    lines = text.splitlines()
    if any("\t," in ln for ln in lines[:10]):
        # Portal flavour: "\t," separates cells and each row ends with ",".
        rows = []
        for i, ln in enumerate(lines, start=1):
            cells = [c.strip() for c in ln.split("\t,")]
            if len(cells) > 1 and cells[-1] in ("", ","):
                cells = cells[:-1]
            rows.append((i, cells))
        return rows
    rows = []
    reader = csv.reader(io.StringIO(text))
    start = 1
    for cells in reader:
        rows.append((start, [c.strip() for c in cells]))
        start = reader.line_num + 1
    return rows


def _excel_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value).strip()


def _excel_rows(path: Path) -> list[Row]:
    try:
        if path.suffix.lower() == ".xls":
            import xlrd

            sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
            values = [sheet.row_values(r) for r in range(sheet.nrows)]
        else:
            import openpyxl

            wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
            values = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    except Exception as exc:  # the Excel libraries raise many types; name the file either way
        raise IngestError(f"not a readable Excel workbook ({exc})", file=str(path)) from exc
    rows = []
    for i, vals in enumerate(values, start=1):
        # Worksheets are rectangular: keep trailing blanks so row widths match the header.
        rows.append((i, [_excel_cell(v) for v in vals]))
    return rows


def _split_header(rows: list[Row], file: str) -> tuple[dict, int]:
    """Parse ``数据库：``/``指标：``/``时间：`` lines; return metadata and the header row's index."""
    meta: dict = {}
    for idx, (_, cells) in enumerate(rows):
        first = cells[0] if cells else ""
        key, sep, val = first.partition("：")
        if sep and key in ("数据库", "指标", "时间"):
            meta[{"数据库": "database", "指标": "indicator_label", "时间": "time"}[key]] = val.strip()
            continue
        if first in ("地区", "指标"):
            if "database" not in meta:
                break
            return meta, idx
        if any(cells):
            break
    raise IngestError(
        "not an NBS export: expected '数据库：' header lines and a table starting with 地区 or 指标",
        file=file,
        line=rows[0][0] if rows else 1,
    )


def _years(header: list[str], line: int, file: str) -> list[int]:
    years = []
    for cell in header[1:]:
        m = _YEAR.match(cell)
        if not m:
            raise IngestError(f"column header {cell!r} is not a year", file=file, line=line)
        years.append(int(m.group(1)))
    return years


def _is_footer(first: str) -> bool:
    return first.startswith(("注：", "注:", "数据来源", "\u3000")) or first == ""


def _parse_footer(rows: list[Row]) -> dict:
    notes: list[str] = []
    meta: dict = {}
    for _, cells in rows:
        text = ",".join(cells).rstrip(",").strip("\ufeff")
        if not text.strip():
            continue
        if text.startswith("数据来源"):
            meta["source"] = text.partition("：")[2].strip() or text
        elif text.startswith(("\u3000", " ")) and notes:
            notes[-1] += "\n" + text.strip("\u3000 ")
        else:
            notes.append(text.strip())
    meta["notes"] = "\n".join(notes)
    return meta


class _Sink:
    """Collects observations, rejects and exclusions of one file."""

    def __init__(self, file: str, on_bad_cell: OnBadCell):
        self.file, self.on_bad_cell = file, on_bad_cell
        self.obs: list[tuple] = []
        self.rejects: list[tuple] = []
        self.excluded: list[tuple] = []
        self.nonempty = 0

    def bad(self, line: int, province: str, year: int | None, indicator: str, raw: str, reason: str):
        if self.on_bad_cell == "error":
            where = f"province {province}, indicator {indicator}" + (f", year {year}" if year else "")
            raise IngestError(f"{reason} ({where}, cell {raw!r})", file=self.file, line=line)
        self.rejects.append((self.file, line, province, year, indicator, raw, reason))

    def cell(self, line: int, code: str | None, label: str, year: int, indicator: str, unit, raw: str):
        if raw.lower() in _MISSING:
            return
        self.nonempty += 1
        if code is None:
            self.bad(line, label, year, indicator, raw, f"unknown province name {label!r}")
            return
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            self.bad(line, label, year, indicator, raw, "non-numeric cell")
            return
        if not math.isfinite(value):
            self.bad(line, label, year, indicator, raw, "non-finite value")
            return
        self.obs.append((code, year, indicator, value, unit, self.file, line))

    def reading(self, meta: dict) -> Reading:
        return Reading(
            observations=pd.DataFrame(self.obs, columns=OBS_COLUMNS).astype(
                {"year": "int64", "value": "float64", "source_line": "int64"}
            ),
            rejects=pd.DataFrame(self.rejects, columns=REJECT_COLUMNS),
            excluded=pd.DataFrame(self.excluded, columns=EXCLUDED_COLUMNS),
            nonempty_cells=self.nonempty,
            meta=meta,
        )


def _province_code(label: str) -> str | None:
    try:
        return provinces.to_code(label)
    except ValueError:
        return None


def _resolve_indicator(meta: dict, indicator: str | None, unit: str | None, file: str) -> tuple[str, str]:
    name, file_unit = split_unit(meta.get("indicator_label", "")) if "indicator_label" in meta else (None, None)
    indicator = indicator or name
    unit = unit or file_unit
    if not indicator:
        raise IngestError(
            "the file has no '指标：' line; name the indicator (indicator=…, or in the manifest)",
            file=file,
        )
    if not unit:
        raise IngestError(f"no unit for indicator {indicator!r}; pass unit=… or declare it", file=file)
    return indicator, unit


def _body(rows: list[Row], header_idx: int, file: str) -> tuple[list[tuple[int, str, list[str]]], int]:
    """The table's data rows (line, label, cells) up to the footer, and the footer's index.

    Every row must have as many cells as the header; a file without a footer is truncated.
    """
    width = len(rows[header_idx][1])
    body = []
    for idx in range(header_idx + 1, len(rows)):
        line, cells = rows[idx]
        label = cells[0] if cells else ""
        if _is_footer(label):
            return body, idx
        if len(cells) != width:
            raise IngestError(
                f"row of {label} has {len(cells)} cells but the header has {width} (truncated or mis-split file?)",
                file=file,
                line=line,
            )
        body.append((line, label, cells[1:]))
    raise IngestError("file ends inside the table, without the 数据来源 footer (truncated?)", file=file)


def _by_province(rows, header_idx, meta, sink, indicator, unit, file) -> int:
    hline, header = rows[header_idx]
    years = _years(header, hline, file)
    indicator, unit = _resolve_indicator(meta, indicator, unit, file)
    meta.update(indicator=indicator, unit=unit, layout="by_province")
    seen: dict[str, int] = {}
    body, end = _body(rows, header_idx, file)
    for line, label, values in body:
        kind = provinces.non_provincial(label)
        if kind:
            n = sum(v.lower() not in _MISSING for v in values)
            sink.nonempty += n
            sink.excluded.append((file, line, label, kind, n))
            continue
        code = _province_code(label)
        if code is not None and code in seen:
            if sink.on_bad_cell == "error":
                raise IngestError(
                    f"duplicate row for province {label} (first at line {seen[code]})", file=file, line=line
                )
            for year, raw in zip(years, values):
                if raw.lower() not in _MISSING:
                    sink.nonempty += 1
                    sink.bad(line, label, year, indicator, raw, f"duplicate row of line {seen[code]}")
            continue
        if code is not None:
            seen[code] = line
        for year, raw in zip(years, values):
            sink.cell(line, code, label, year, indicator, unit, raw)
    meta.update(_parse_footer(rows[end:]))
    return end


def _by_region(rows, header_idx, meta, sink, province, file) -> int:
    hline, header = rows[header_idx]
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
    body, end = _body(rows, header_idx, file)
    for line, label, values in body:
        indicator, unit = split_unit(label)
        if unit is None:
            raise IngestError(f"indicator row {label!r} has no unit in parentheses", file=file, line=line)
        for year, raw in zip(years, values):
            sink.cell(line, code, province, year, indicator, unit, raw)
    meta.update(_parse_footer(rows[end:]))
    return end


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
    """
    if on_bad_cell not in ("error", "reject"):
        raise ConfigError(f"on_bad_cell must be 'error' or 'reject', not {on_bad_cell!r}")
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise IngestError("no such file", file=file)
    rows = _excel_rows(path) if path.suffix.lower() in (".xls", ".xlsx") else _text_rows(_decode(path))
    rows = [(n, [c.replace("\ufeff", "") for c in cells]) for n, cells in rows]
    meta, header_idx = _split_header(rows, file)
    sink = _Sink(file, on_bad_cell)
    if rows[header_idx][1][0] == "指标":
        _by_region(rows, header_idx, meta, sink, province, file)
    else:
        _by_province(rows, header_idx, meta, sink, indicator, unit, file)
    return sink.reading(meta)


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
    df.attrs["excluded_rows"] = len(reading.excluded)
    df.attrs["excluded_cells"] = int(reading.excluded["cells"].sum()) if len(reading.excluded) else 0
    return df
