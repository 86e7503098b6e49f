"""Word page setup: A4, 2.54 cm margins; landscape for wide tables (auto) or when asked."""

from __future__ import annotations

import io

import docx
import pytest
from docx.enum.section import WD_ORIENT

from imtfp.errors import ConfigError
from imtfp.report.table import Cell, HeaderCell, Row, Table
from imtfp.report.writers import LANDSCAPE_COLUMNS, is_landscape, to_docx

pytestmark = pytest.mark.unit


def _table(ncols: int) -> Table:
    return Table(
        name="t", title="表", stub="变量", stub_row=0,
        header=(tuple(HeaderCell(f"({j + 1})") for j in range(ncols)),),
        rows=(Row("x", tuple(Cell("0.100", "0.100") for _ in range(ncols))),), notes=(),
    )  # fmt: skip


def _section(data: bytes):
    return docx.Document(io.BytesIO(data)).sections[0]


def test_a4_portrait_for_a_narrow_table():
    s = _section(to_docx(_table(4)))
    assert s.orientation == WD_ORIENT.PORTRAIT
    assert (round(s.page_width.cm, 2), round(s.page_height.cm, 2)) == (21.0, 29.7)
    assert round(s.left_margin.cm, 2) == 2.54


def test_landscape_for_a_wide_table_with_columns_filling_the_text_width():
    data = to_docx(_table(8))  # the widest panel a table prints
    s = _section(data)
    assert s.orientation == WD_ORIENT.LANDSCAPE
    assert (round(s.page_width.cm, 2), round(s.page_height.cm, 2)) == (29.7, 21.0)
    grid = docx.Document(io.BytesIO(data)).tables[0]
    total = sum(c.width.cm for c in grid.rows[0].cells)
    assert total == pytest.approx(29.7 - 2 * 2.54, abs=0.05)


def test_orientation_can_be_forced():
    assert not is_landscape(_table(LANDSCAPE_COLUMNS))
    assert is_landscape(_table(LANDSCAPE_COLUMNS + 1))
    assert not is_landscape(_table(14))  # printed as two panels of 7 columns
    assert _section(to_docx(_table(3), orientation="landscape")).orientation == WD_ORIENT.LANDSCAPE
    assert _section(to_docx(_table(14), orientation="portrait")).orientation == WD_ORIENT.PORTRAIT
    with pytest.raises(ConfigError, match="orientation"):
        to_docx(_table(3), orientation="sideways")
