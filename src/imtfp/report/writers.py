"""Writers of a :class:`~imtfp.report.table.Table`: LaTeX, Word (.docx), Markdown, CSV.

``to_*`` functions are pure (return text or bytes); :func:`write_table` is the
only function here that touches the file system. All outputs are
byte-reproducible: no time stamps (the .docx zip entries and core properties
carry a fixed date).

LaTeX: a ``table`` float holding a ``threeparttable`` with a booktabs
three-line ``tabular`` and ``tablenotes``. Number columns are siunitx ``S``
columns whose ``table-format`` is computed from the cells; stars are
``\\sym{***}`` (post-number text, reserved with ``table-space-text-post``);
text cells are braced so siunitx does not parse them. Needs
``\\usepackage{booktabs,threeparttable,siunitx}`` and, for Chinese, XeLaTeX
with ``ctex``.

Word: a real (editable) table with the three rules set in the table XML —
thick top (1.5 pt), thin under the header (0.75 pt), thick bottom (1.5 pt),
no vertical or inner lines; Latin text in Times New Roman and East Asian
text in SimSun (宋体) via the ``w:eastAsia`` font attribute.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
import re
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from imtfp.options import check_option
from imtfp.report.options import ReportOptions, TableFormat
from imtfp.report.table import Cell, HeaderCell, Row, Table

# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------

_TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # characters Latin Modern / Fandol may lack: typeset as math or TeX ligatures
    "²": r"\textsuperscript{2}",
    "′": r"\ensuremath{'}",
    "×": r"\ensuremath{\times}",
    "·": r"\ensuremath{\cdot}",
    "→": r"\ensuremath{\rightarrow}",
    "≤": r"\ensuremath{\le}",
    "≥": r"\ensuremath{\ge}",
    "–": "--",
    "—": "---",
    "−": "-",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
# Greek letters and sub/superscript letters as math: the text fonts (Latin Modern) lack them
_GREEK = "alpha beta gamma delta epsilon eta theta lambda mu rho sigma tau phi chi psi omega"
_TEX_ESCAPES |= {
    ch: rf"\ensuremath{{\{name}}}"
    for name, ch in zip(_GREEK.split(), "αβγδεηθλμρστφχψω", strict=True)
}
_TEX_ESCAPES |= {"Σ": r"\ensuremath{\Sigma}", "Δ": r"\ensuremath{\Delta}"}
_TEX_ESCAPES |= {
    sub: rf"\textsubscript{{{c}}}" for sub, c in zip("ᵤᵥ₀₁₂₃₋", "uv0123-", strict=True)
}
_TEX_ESCAPES |= {
    "³": r"\textsuperscript{3}",
    "¹": r"\textsuperscript{1}",
    "ȳ": r"\ensuremath{\bar y}",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX_ESCAPES))
_NUMBER = re.compile(r"^(-?)(\d+)(?:\.(\d+))?$")

TEX_PREAMBLE_HINT = (
    "% Requires: \\usepackage{booktabs,threeparttable,siunitx}; Chinese text: XeLaTeX + ctex.\n"
)


def tex_escape(text: str) -> str:
    """Escape LaTeX specials and map a few Unicode symbols to safe TeX."""
    return _TEX_RE.sub(lambda m: _TEX_ESCAPES[m.group(0)], text)


def _column_spec(cells: Sequence[Cell]) -> str:
    """``S[table-format=...]`` sized to the numbers of a column, or ``c`` if it has none."""
    ints, decs, neg, stars = 1, 0, False, 0
    found = False
    for c in cells:
        m = _NUMBER.match(c.number) if c.number is not None else None
        if not m:
            continue
        found = True
        neg |= bool(m.group(1))
        ints = max(ints, len(m.group(2)))
        decs = max(decs, len(m.group(3) or ""))
        stars = max(stars, len(c.stars))
    if not found:
        return "c"
    fmt = f"{'-' if neg else ''}{ints}.{decs}"
    post = f",table-space-text-post={{\\sym{{{'*' * stars}}}}}" if stars else ""
    return f"S[table-format={fmt}{post}]"


def _tex_cell(c: Cell) -> str:
    if c.number is not None and _NUMBER.match(c.number):
        return c.number + (f"\\sym{{{c.stars}}}" if c.stars else "")
    return f"{{{tex_escape(c.text)}}}" if c.text else ""


def _padded(table: Table, n: int) -> Table:
    """A panel widened to ``n`` data columns with empty cells (panels share one tabular)."""
    extra = n - table.ncols
    if extra <= 0:
        return table
    header = tuple((*hrow, *(HeaderCell("") for _ in range(extra))) for hrow in table.header)
    rows = tuple(
        Row(r.label, (*r.cells, *(Cell() for _ in range(extra))), r.kind, r.rule_above)
        for r in table.rows
    )
    return replace(table, header=header, rows=rows)


def _tex_header(table: Table, out: list[str]) -> None:
    for i, hrow in enumerate(table.header):
        parts = [tex_escape(table.header_stub(i))]
        rules, col = [], 2
        for h in hrow:
            text = tex_escape(h.text)
            if h.span > 1:
                parts.append(f"\\multicolumn{{{h.span}}}{{c}}{{{text}}}")
                rules.append(f"\\cmidrule(lr){{{col}-{col + h.span - 1}}}")
            else:
                parts.append(f"{{{text}}}" if text else "")
            col += h.span
        out.append("      " + " & ".join(parts) + r" \\")
        if rules and i < len(table.header) - 1:
            out.append("      " + " ".join(rules))


def _tex_body(table: Table, out: list[str]) -> None:
    for r in table.rows:
        if r.rule_above:
            out.append(r"      \midrule")
        label = tex_escape(r.label)
        if r.kind == "section":
            label = f"\\textbf{{{label}}}"
        out.append("      " + " & ".join([label] + [_tex_cell(c) for c in r.cells]) + r" \\")


def to_latex(table: Table) -> str:
    """LaTeX source of the table (booktabs + threeparttable + siunitx), ending in a newline.

    A table wider than :data:`~imtfp.report.table.MAX_COLUMNS` is set as panels stacked in one
    tabular (``面板A`` / ``Panel A`` rows), each with its own header.
    """
    panels = table.panels()
    n = max(t.ncols for _, t in panels)
    parts = [(title, _padded(t, n)) for title, t in panels]
    by_col = [[r.cells[j] for _, t in parts for r in t.rows] for j in range(n)]
    spec = "l" + "".join(_column_spec(col) for col in by_col)
    out = [
        "% Generated by imtfp.report from stored results; edit the pipeline, not this file.",
        TEX_PREAMBLE_HINT.rstrip("\n"),
        r"\providecommand{\sym}[1]{\ensuremath{^{#1}}}",
        r"\begin{table}[htbp]",
        r"  \centering",
        r"  \begin{threeparttable}",
        f"    \\caption{{{tex_escape(table.title)}}}",
        f"    \\label{{tab:{table.name}}}",
        f"    \\begin{{tabular}}{{{spec}}}",
        r"      \toprule",
    ]
    for k, (title, panel) in enumerate(parts):
        if k:
            out.append(r"      \midrule")
        if title:
            out.append(
                f"      \\multicolumn{{{n + 1}}}{{l}}{{\\textit{{{tex_escape(title)}}}}} \\\\"
            )
        _tex_header(panel, out)
        out.append(r"      \midrule")
        _tex_body(panel, out)
    out += [r"      \bottomrule", r"    \end{tabular}"]
    if table.notes:
        out += [r"    \begin{tablenotes}[flushleft]", r"      \footnotesize"]
        out += [f"      \\item[] {tex_escape(note)}" for note in table.notes]
        out.append(r"    \end{tablenotes}")
    out += [r"  \end{threeparttable}", r"\end{table}"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Markdown and CSV
# ---------------------------------------------------------------------------


def _md_escape(text: str) -> str:
    return text.replace("|", r"\|")


def _md_pipe_table(table: Table) -> list[str]:
    header = table.header_grid(repeat_spans=True)
    lines = ["| " + " | ".join(_md_escape(t) for t in header[0]) + " |"]
    lines.append("| :--- |" + " :---: |" * table.ncols)
    body = header[1:] + [
        [f"**{r.label}**" if r.kind == "section" and r.label else r.label]
        + [c.text for c in r.cells]
        for r in table.rows
    ]
    lines += ["| " + " | ".join(_md_escape(t) for t in row) + " |" for row in body]
    return lines


def to_markdown(table: Table) -> str:
    """GitHub-flavoured Markdown: bold title, pipe table(s), notes as paragraphs.

    Markdown has one header row: the first header row is the table header,
    further header rows (column labels, dependent variables) open the body; a
    spanning header text is repeated in each column it spans. Section rows are bold. A wide table is one pipe table per panel, each under
    its italic panel title.
    """
    lines = [f"**{_md_escape(table.title)}**"]
    for title, panel in table.panels():
        lines.append("")
        if title:
            lines += [f"*{_md_escape(title)}*", ""]
        lines += _md_pipe_table(panel)
    for note in table.notes:
        lines += ["", _md_escape(note)]
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    """The printed grid as CSV; title and notes as leading/trailing ``# `` comment lines.

    Read back with ``pandas.read_csv(path, comment="#")``. A spanning header text is repeated
    in each column it spans. A wide table gives each panel's grid in turn, after a row holding
    the panel title.
    """
    buf = io.StringIO()
    buf.write(f"# {table.title}\n")
    w = csv.writer(buf, lineterminator="\n")
    for title, panel in table.panels():
        if title:
            w.writerow([title])
        for row in panel.header_grid(repeat_spans=True) + panel.body_grid():
            w.writerow(row)
    for note in table.notes:
        buf.write(f"# {note}\n")
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------

# Border widths in eighths of a point (w:sz): 12 = 1.5 pt, 6 = 0.75 pt, 4 = 0.5 pt.
THICK, THIN, HAIR = 12, 6, 4
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


_TBLPR_AFTER_BORDERS = ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")
_TCPR_AFTER_BORDERS = ("shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")
_BORDER_ORDER = ("top", "left", "start", "bottom", "right", "end", "insideH", "insideV")


def _border_xml(tag: str, sz: int | None) -> str:
    from docx.oxml.ns import nsdecls

    if sz is None:
        return f'<w:{tag} {nsdecls("w")} w:val="nil"/>'
    return f'<w:{tag} {nsdecls("w")} w:val="single" w:sz="{sz}" w:space="0" w:color="000000"/>'


def _insert_in_order(parent, child, successors: Sequence[str]) -> None:
    """Insert ``child`` before the first successor element (OOXML fixes the child order)."""
    from docx.oxml.ns import qn

    for tag in successors:
        nxt = parent.find(qn(f"w:{tag}"))
        if nxt is not None:
            nxt.addprevious(child)
            return
    parent.append(child)


def _set_table_borders(tbl) -> None:
    """Three-line table frame: thick top and bottom rules, no side, inner or vertical lines."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    tblPr = tbl._tbl.tblPr
    for old in tblPr.findall(qn("w:tblBorders")):
        tblPr.remove(old)
    borders = parse_xml(f"<w:tblBorders {nsdecls('w')}/>")
    for edge, sz in (
        ("top", THICK),
        ("left", None),
        ("bottom", THICK),
        ("right", None),
        ("insideH", None),
        ("insideV", None),
    ):
        borders.append(parse_xml(_border_xml(edge, sz)))
    _insert_in_order(tblPr, borders, _TBLPR_AFTER_BORDERS)


def _set_cell_border(cell, edge: str, sz: int) -> None:
    """Set one edge of a cell's border (w:tcBorders), keeping the schema's edge order."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    tcPr = cell._tc.get_or_add_tcPr()
    borders = tcPr.find(qn("w:tcBorders"))
    if borders is None:
        borders = parse_xml(f"<w:tcBorders {nsdecls('w')}/>")
        _insert_in_order(tcPr, borders, _TCPR_AFTER_BORDERS)
    for old in borders.findall(qn(f"w:{edge}")):
        borders.remove(old)
    borders.append(parse_xml(_border_xml(edge, sz)))
    children = sorted(borders, key=lambda e: _BORDER_ORDER.index(e.tag.split("}")[1]))
    for child in children:
        borders.append(child)  # re-appending moves each child: ends in schema order


def _style_run(
    run, options: ReportOptions, size: float, *, bold: bool = False, italic: bool = False
) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.name = options.docx_latin_font
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), options.docx_east_asia_font)


def _write_cell(
    cell, text: str, options: ReportOptions, *, align: str, bold: bool = False, italic: bool = False
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT if align == "left" else WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = 0
    p.paragraph_format.space_after = 0
    _style_run(p.add_run(text), options, 9, bold=bold, italic=italic)


# A4 (GB/T 7713 and most Chinese journals), 2.54 cm margins: 15.92 cm of text width in portrait,
# 24.62 cm in landscape. A table with more than LANDSCAPE_COLUMNS data columns in its widest panel
# (at most MAX_COLUMNS) gets a landscape page of its own: at 16 cm its columns would wrap mid-number.
A4_CM = (21.0, 29.7)
MARGIN_CM = 2.54
TEXT_WIDTH_CM = A4_CM[0] - 2 * MARGIN_CM
LANDSCAPE_COLUMNS = 7
Orientation = Literal["auto", "portrait", "landscape"]


def is_landscape(table: Table, orientation: Orientation = "auto") -> bool:
    """Landscape if asked, or (``auto``) if the table has more than :data:`LANDSCAPE_COLUMNS` columns."""
    check_option(orientation, Orientation, "orientation")
    if orientation == "auto":  # the widest panel as printed (at most MAX_COLUMNS columns)
        return max(t.ncols for _, t in table.panels()) > LANDSCAPE_COLUMNS
    return orientation == "landscape"


def _set_page(document, landscape: bool) -> float:
    """A4 page, 2.54 cm margins, portrait or landscape; returns the text width in cm."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section = document.sections[0]
    short, long = A4_CM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width = Cm(long if landscape else short)
    section.page_height = Cm(short if landscape else long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    return (long if landscape else short) - 2 * MARGIN_CM


def _set_column_widths(grid, ncols: int, text_width: float = TEXT_WIDTH_CM) -> None:
    """Row-label column wider (labels are long), data columns sharing the rest equally."""
    from docx.shared import Cm

    label = min(6.0, text_width * 0.4) if ncols > 1 else text_width * 0.5
    data = (text_width - label) / max(ncols, 1)
    for j, column in enumerate(grid.columns):
        width = Cm(label if j == 0 else data)
        column.width = width
        for cell in column.cells:
            cell.width = width


def _docx_panel(grid, at: int, table: Table, options: ReportOptions) -> None:
    """Header rows (thin rule beneath) and body rows of one panel, from row ``at`` of ``grid``."""
    n_header = len(table.header)
    for i, hrow in enumerate(table.header):
        cells = grid.rows[at + i].cells
        _write_cell(cells[0], table.header_stub(i), options, align="left")
        col = 1
        for h in hrow:
            target = cells[col]
            if h.span > 1:
                target = target.merge(cells[col + h.span - 1])
                if i < n_header - 1:
                    _set_cell_border(target, "bottom", HAIR)  # like \cmidrule under a group
            _write_cell(target, h.text, options, align="center")
            col += h.span
    for cell in grid.rows[at + n_header - 1].cells:
        _set_cell_border(cell, "bottom", THIN)
    for k, r in enumerate(table.rows):
        cells = grid.rows[at + n_header + k].cells
        _write_cell(cells[0], r.label, options, align="left", bold=r.kind == "section")
        for j, c in enumerate(r.cells):
            _write_cell(cells[j + 1], c.text, options, align="center")
        if r.rule_above:
            for cell in cells:
                _set_cell_border(cell, "top", HAIR)


def to_docx(
    table: Table, options: ReportOptions | None = None, *, orientation: Orientation = "auto"
) -> bytes:
    """A .docx document holding the table as an editable Word three-line table.

    The page is A4; ``orientation="auto"`` turns it to landscape for a table wider than
    :data:`LANDSCAPE_COLUMNS` data columns.
    """
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    options = options or ReportOptions()
    document = docx.Document()
    text_width = _set_page(document, is_landscape(table, orientation))
    normal = document.styles["Normal"]
    normal.font.name = options.docx_latin_font
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(
        qn("w:eastAsia"), options.docx_east_asia_font
    )

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _style_run(title.add_run(table.title), options, 10.5, bold=True)

    panels = table.panels()
    n = max(t.ncols for _, t in panels)
    parts = [(heading, _padded(t, n)) for heading, t in panels]
    n_rows = sum(bool(h) + len(t.header) + len(t.rows) for h, t in parts)
    grid = document.add_table(rows=n_rows, cols=n + 1)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _set_table_borders(grid)
    _set_column_widths(grid, n, text_width)
    at = 0
    for k, (heading, panel) in enumerate(parts):
        if heading:
            cells = grid.rows[at].cells
            merged = cells[0].merge(cells[n])
            _write_cell(merged, heading, options, align="left", italic=True)
            if k:
                _set_cell_border(merged, "top", THIN)
            at += 1
        _docx_panel(grid, at, panel, options)
        at += len(panel.header) + len(panel.rows)
    for note in table.notes:
        p = document.add_paragraph()
        p.paragraph_format.space_after = 0
        _style_run(p.add_run(note), options, 9)

    props = document.core_properties
    props.title = table.title
    props.author = "imtfp"
    props.last_modified_by = "imtfp"
    props.revision = 1
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with a fixed time stamp on every entry, so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def write_table(
    table: Table,
    stem: pathlib.Path,
    formats: Sequence[TableFormat] = ("tex", "docx", "md", "csv"),
    *,
    options: ReportOptions | None = None,
    orientation: Orientation = "auto",
) -> list[pathlib.Path]:
    """Write ``stem.<fmt>`` for each format; returns the paths written.

    Text files are UTF-8 with ``\\n`` line ends; the CSV carries a BOM so that
    Excel opens Chinese text correctly.
    """
    for fmt in formats:
        check_option(fmt, TableFormat, "formats")
    stem = pathlib.Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = stem.with_name(stem.name + "." + fmt)
        if fmt == "tex":
            path.write_bytes(to_latex(table).encode("utf-8"))
        elif fmt == "md":
            path.write_bytes(to_markdown(table).encode("utf-8"))
        elif fmt == "csv":
            path.write_bytes(to_csv(table).encode("utf-8-sig"))
        else:
            path.write_bytes(to_docx(table, options, orientation=orientation))
        written.append(path)
    return written
