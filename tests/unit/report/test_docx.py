"""Word writer: opens in python-docx, with the right text, three-line borders and fonts."""

from __future__ import annotations

import io

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from imtfp.report import ReportOptions, mediation_table, to_docx, weights_table
from imtfp.report.builders import MODEL_TABLES
from imtfp.report.writers import HAIR, THICK, THIN

pytestmark = pytest.mark.unit


def _open(data: bytes):
    document = docx.Document(io.BytesIO(data))
    assert len(document.tables) == 1
    return document, document.tables[0]


def _border(element, edge):
    found = element.find(qn(f"w:{edge}"))
    return None if found is None else (found.get(qn("w:val")), found.get(qn("w:sz")))


@pytest.fixture
def baseline(results):
    return MODEL_TABLES["baseline"](results, options=ReportOptions())


def test_header_row_and_known_cell(baseline):
    _, grid = _open(to_docx(baseline))
    assert [c.text for c in grid.rows[0].cells] == ["变量", "(1)", "(2)"]
    first_body = len(baseline.header)
    assert grid.rows[first_body].cells[0].text == "智能制造指数"
    assert grid.rows[first_body].cells[1].text == "0.520***"
    assert grid.rows[first_body + 1].cells[2].text == "(0.150)"
    # the dependent-variable header spans both data columns (one merged cell), labelled
    assert grid.rows[1].cells[1]._tc is grid.rows[1].cells[2]._tc
    assert (
        grid.rows[1].cells[1].text == "全要素生产率" and grid.rows[1].cells[0].text == "被解释变量"
    )


def test_three_line_borders_in_the_table_xml(baseline):
    _, grid = _open(to_docx(baseline))
    borders = grid._tbl.tblPr.find(qn("w:tblBorders"))
    assert _border(borders, "top") == ("single", str(THICK))
    assert _border(borders, "bottom") == ("single", str(THICK))
    for edge in ("left", "right", "insideH", "insideV"):
        assert _border(borders, edge)[0] == "nil", edge
    last_header = len(baseline.header) - 1
    for i, row in enumerate(grid.rows):
        for cell in row.cells:
            tc_borders = (
                cell._tc.tcPr.find(qn("w:tcBorders")) if cell._tc.tcPr is not None else None
            )
            edges = {} if tc_borders is None else {e.tag.split("}")[1]: e for e in tc_borders}
            assert not {"left", "right", "insideV"} & set(edges), "no vertical lines"
            if i == last_header:
                assert _border(tc_borders, "bottom") == ("single", str(THIN))
            else:
                # no other horizontal rule in a strict three-line table (separate_stats is off)
                assert "top" not in edges and ("bottom" not in edges or i < last_header)
    assert THICK > THIN > 0 and HAIR > 0


def test_fonts_east_asian_and_latin(baseline):
    document, grid = _open(to_docx(baseline))
    run = grid.rows[0].cells[0].paragraphs[0].runs[0]
    rfonts = run._element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "SimSun"
    assert rfonts.get(qn("w:ascii")) == rfonts.get(qn("w:hAnsi")) == "Times New Roman"
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "SimSun"


def test_title_and_notes_paragraphs(baseline):
    document, _ = _open(to_docx(baseline))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[0] == "基准回归结果"
    assert texts[1].startswith("注：括号内为")
    assert texts[-1].startswith("*、**、***")


def test_group_header_gets_a_short_rule_and_sections_are_bold(results, weights):
    med = results[results["table"] == "mediation"]
    med = pd.concat(
        [med.assign(column=med["column"] + ":(1)"), med.assign(column=med["column"] + ":(2)")]
    )
    med = med.sort_values("column", kind="stable")  # each channel's columns adjacent
    _, grid = _open(to_docx(mediation_table(med, options=ReportOptions())))
    group_cell = grid.rows[0].cells[1]
    assert _border(group_cell._tc.tcPr.find(qn("w:tcBorders")), "bottom") == ("single", str(HAIR))
    _, wgrid = _open(to_docx(weights_table(weights)))
    section = wgrid.rows[1].cells[0].paragraphs[0].runs[0]
    assert section.text == "技术子系统" and section.bold


def test_docx_bytes_are_reproducible(baseline):
    assert to_docx(baseline) == to_docx(baseline)
