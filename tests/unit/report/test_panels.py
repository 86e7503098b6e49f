"""Wide tables print as panels of at most eight data columns, in every writer (issue 25)."""

from __future__ import annotations

import csv
import io
import re

import docx
import pandas as pd
import pytest

from imtfp.report import ReportOptions, format_table, to_csv, to_docx, to_latex, to_markdown
from imtfp.report.builders import multiverse_rows, robustness_table
from imtfp.report.labels import Labels
from imtfp.report.table import MAX_COLUMNS, Cell, HeaderCell, Row, Table, assemble_table

pytestmark = pytest.mark.unit


def wide(n: int, language: str = "zh") -> pd.DataFrame:
    rows = [
        {"column": f"c{j}", "term": "im_index", "estimate": 0.1 * j, "se": 0.05, "p": 0.001,
         "nobs": 300, "entity_fe": True, "time_fe": True, "cov": "clustered", "dep_var": "tfp"}
        for j in range(n)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def table_of(n: int, language: str = "zh") -> Table:
    return format_table(
        wide(n),
        name="robustness",
        options=ReportOptions(language=language),
        column_labels={f"c{j}": f"({j + 1})" for j in range(n)},
    )


@pytest.mark.parametrize(("n", "widths"), [(8, [8]), (12, [6, 6]), (15, [8, 7]), (21, [7, 7, 7])])
def test_columns_dealt_into_near_equal_panels(n, widths):
    panels = table_of(n).panels()
    assert [t.ncols for _, t in panels] == widths
    assert [title for title, _ in panels] == (
        [""] if len(widths) == 1 else [f"面板{'ABC'[k]}" for k in range(len(widths))]
    )
    # every column once, in order, with its own header and values
    labels = [h.text for _, t in panels for h in t.header[t.stub_row]]
    assert labels == [f"({j + 1})" for j in range(n)]
    firsts = [c.text for _, t in panels for c in t.rows[0].cells]
    assert firsts == [f"{0.1 * j:.3f}***" for j in range(n)]


def test_english_panels_and_column_groups_kept_whole():
    labels = Labels("en")
    cols = [f"{g}:{e}" for g in ("tfp", "im_index") for e in ("cs", "sa", "bjs", "twfe", "late")]
    rows = [Row("ATT", tuple(Cell("0.1") for _ in cols), "coef")]
    table = assemble_table(
        name="t", labels=labels, columns=cols, rows=rows, title="T",
        column_labels={c: c.split(":")[1] for c in cols}, column_groups={c: c.split(":")[0] for c in cols},
    )  # fmt: skip
    panels = table.panels()
    assert [title for title, _ in panels] == ["Panel A", "Panel B"]
    assert [[h.text for h in t.header[0]] for _, t in panels] == [["TFP"], ["IM index"]]
    assert all(t.header[0][0].span == 5 for _, t in panels)


def test_rows_without_a_cell_in_a_panel_are_left_out(results):
    summary = pd.DataFrame([{"n_specs": 144, "share_same_sign": 0.9, "median": 0.4}])
    one = results[(results["table"] == "robustness") & (results["column"] == "winsorize")]
    extra = pd.concat([one.assign(column=f"check{k}") for k in range(8)])
    table = robustness_table(pd.concat([results, extra]), summary=summary)
    assert table.ncols == 12
    (_, a), (_, b) = table.panels()
    assert "设定数" not in [r.label for r in a.rows]  # the multiverse column is in panel B
    assert "设定数" in [r.label for r in b.rows]
    assert multiverse_rows(summary)["term"].tolist() == ["n_specs", "share_same_sign", "median"]


def test_markdown_one_pipe_table_per_panel():
    md = to_markdown(table_of(15))
    assert md.count("*面板A*") == 1 and md.count("*面板B*") == 1
    for line in md.splitlines():
        if line.startswith("|"):
            assert line.count(" | ") + 1 <= MAX_COLUMNS + 1, line
    assert md.index("*面板B*") < md.index("注：")  # notes once, after the last panel


def test_csv_rows_never_wider_than_a_panel():
    rows = list(csv.reader(line for line in to_csv(table_of(15)).splitlines() if line[:1] != "#"))
    assert max(len(r) for r in rows) == MAX_COLUMNS + 1
    assert ["面板A"] in rows and ["面板B"] in rows


def test_latex_one_tabular_of_panel_width():
    tex = to_latex(table_of(15, "en"))
    spec = re.search(r"\\begin\{tabular\}\{(.*)\}\n", tex).group(1)
    assert len(re.findall(r"S\[|(?<![a-z])c(?![a-z])|^l", spec)) == MAX_COLUMNS + 1
    assert r"\multicolumn{9}{l}{\textit{Panel A}}" in tex
    assert r"\multicolumn{9}{l}{\textit{Panel B}}" in tex
    assert tex.count(r"\toprule") == 1 and tex.count(r"\bottomrule") == 1


def test_docx_one_table_of_panel_width():
    document = docx.Document(io.BytesIO(to_docx(table_of(15))))
    (grid,) = document.tables
    assert len(grid.columns) == MAX_COLUMNS + 1
    texts = [row.cells[0].text for row in grid.rows]
    assert "面板A" in texts and "面板B" in texts


def test_a_narrow_table_is_unchanged():
    table = Table(
        name="t", title="T", stub="变量", stub_row=0, header=((HeaderCell("(1)"),),),
        rows=(Row("x", (Cell("1"),)),), notes=(),
    )  # fmt: skip
    assert table.panels() == [("", table)]
    assert "面板" not in to_markdown(table) and "Panel" not in to_latex(table)
