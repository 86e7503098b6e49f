"""Worksheets of ``.xls`` (xlrd) and ``.xlsx`` (openpyxl) files as rows of text cells.

Both Excel readers of the package (the NBS reader and the columns reader) read workbooks here, so
a cell means the same in both: numbers become their shortest exact text (``repr`` of the float),
text cells stay text (``NA``, ``null`` and ``#N/A`` typed as text are text, never "missing"), and
error cells, booleans, dates and formulas without a cached value become
:class:`~imtfp.ingest.cells.BadCell` with their reason. A label merged over several rows labels
each of them.

Every worksheet is returned. :func:`choose_sheets` picks the ones to read: all non-empty sheets,
or the one named by ``sheet``, the others then counted cell by cell so the caller reports them
as excluded.

xlrd and openpyxl are the maintained readers of the two formats (pandas calls them too); we call
them directly because pandas turns ``NA``/``null`` text into missing values and error cells into
plain strings.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path

from imtfp.errors import IngestError
from imtfp.ingest.cells import BadCell, filled

_EXCEL_ERRORS = {"#NULL", "#DIV", "#VALUE", "#REF", "#NAME", "#NUM", "#N/A", "#N", "#GETTING_DATA"}


@dataclass
class Sheet:
    """One worksheet: its name and its rows (row ``i`` is worksheet row ``i + 1``)."""

    name: str
    rows: list[list[str]]

    def nonempty(self) -> int:
        return sum(filled(c) for row in self.rows for c in row)


def excel_cell(value: object) -> str:
    """A Python value of a worksheet cell as text, or a :class:`BadCell` that cannot be a value."""
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


def _xls_sheets(path: Path) -> list[Sheet]:
    import xlrd

    with open(os.devnull, "w") as quiet:  # xlrd prints warnings on corrupt files to stdout
        book = xlrd.open_workbook(str(path), formatting_info=True, logfile=quiet)
    out = []
    for sheet in book.sheets():
        rows = [[_xls_cell(sheet.cell(r, c), xlrd) for c in range(sheet.ncols)]
                for r in range(sheet.nrows)]  # fmt: skip
        for rlo, rhi, clo, chi in getattr(sheet, "merged_cells", []):
            _fill_merged(rows, rlo, rhi, clo, chi)
        out.append(Sheet(sheet.name, rows))
    return out


def _xls_cell(cell, xlrd) -> str:
    if cell.ctype == xlrd.XL_CELL_ERROR:
        code = xlrd.error_text_from_code.get(cell.value, f"#ERR{cell.value}")
        return BadCell(code, f"Excel error cell {code}")
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return BadCell("TRUE" if cell.value else "FALSE", "boolean cell, not a number")
    if cell.ctype == xlrd.XL_CELL_DATE:
        return BadCell(f"date serial {cell.value!r}", "date/time cell, not a number")
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    return excel_cell(cell.value)


def _xlsx_sheets(path: Path) -> list[Sheet]:
    import openpyxl

    values_wb = openpyxl.load_workbook(str(path), data_only=True)
    formulas_wb = openpyxl.load_workbook(str(path), data_only=False)
    out = []
    for ws, wf in zip(values_wb.worksheets, formulas_wb.worksheets):
        rows = [[_xlsx_cell(cv, cf) for cv, cf in zip(row_v, row_f)]
                for row_v, row_f in zip(ws.iter_rows(), wf.iter_rows())]  # fmt: skip
        for rng in ws.merged_cells.ranges:
            _fill_merged(rows, rng.min_row - 1, rng.max_row, rng.min_col - 1, rng.max_col)
        out.append(Sheet(ws.title, rows))
    return out


def _xlsx_cell(cv, cf) -> str:
    if cv.value is None and cf.data_type == "f":
        return BadCell(str(cf.value), "formula without a cached value")
    if cv.data_type == "e":
        return BadCell(str(cv.value), f"Excel error cell {cv.value}")
    return excel_cell(cv.value)


def _fill_merged(rows: list[list[str]], rlo: int, rhi: int, clo: int, chi: int) -> None:
    """A merged range shows its top-left value in every cell it covers (a label merged over rows).

    Only label cells (first column) are filled: a value merged over several years would otherwise
    be counted several times.
    """
    if clo != 0 or rlo >= len(rows) or not rows[rlo]:
        return
    label = rows[rlo][0]
    for r in range(rlo + 1, min(rhi, len(rows))):
        if rows[r] and not filled(rows[r][0]):
            rows[r][0] = label


def read_sheets(path: str | Path) -> list[Sheet]:
    """Every worksheet of an ``.xls`` or ``.xlsx`` file, in workbook order.

    Any failure of the Excel libraries (a corrupt or truncated file, a zip that is not a
    workbook) is an :class:`~imtfp.errors.IngestError` naming the file.
    """
    path = Path(path)
    try:
        return _xls_sheets(path) if path.suffix.lower() == ".xls" else _xlsx_sheets(path)
    except Exception as exc:  # the Excel libraries raise many types; name the file either way
        raise IngestError(
            f"not a readable Excel workbook ({type(exc).__name__}: {exc})", file=str(path)
        ) from exc


def choose_sheets(
    sheets: list[Sheet], sheet: str | int | None, file: str
) -> tuple[list[Sheet], list[Sheet]]:
    """The sheets to read and the other non-empty sheets (to be counted as excluded).

    ``sheet`` ``None``: every non-empty sheet is read (the first sheet if all are empty, so that
    an empty workbook fails as an empty file does). A name or a 0-based index: that sheet only.
    """
    if sheet is None:
        chosen = [s for s in sheets if s.nonempty()] or sheets[:1]
    else:
        names = [s.name for s in sheets]
        if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(sheets):
            chosen = [sheets[sheet]]
        elif isinstance(sheet, str) and sheet in names:
            chosen = [sheets[names.index(sheet)]]
        else:
            raise IngestError(f"the workbook has no sheet {sheet!r} (sheets: {names})", file=file)
    others = [s for s in sheets if all(s is not c for c in chosen) and s.nonempty()]
    return chosen, others


def sheet_label(file: str, sheet: Sheet, several: bool) -> str:
    """``file#sheet`` when a workbook has several sheets read, else ``file``: the lineage of a cell."""
    return f"{file}#{sheet.name}" if several else file
