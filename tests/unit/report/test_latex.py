"""LaTeX writer: structure of every table (booktabs, threeparttable, siunitx); XeLaTeX build."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from imtfp.report import (
    ReportOptions,
    correlation_table,
    coupling_table,
    descriptive_table,
    to_latex,
    weights_table,
)
from imtfp.report.builders import MODEL_TABLES
from imtfp.report.writers import tex_escape

pytestmark = pytest.mark.unit
NUMBER_CELL = re.compile(r"^-?\d+(\.\d+)?(\\sym\{\*+\})?$")


@pytest.fixture
def all_tables(panel, coupling, weights, results):
    tables = []
    for language in ("zh", "en"):
        options = ReportOptions(language=language, separate_stats=language == "en")
        tables += [
            descriptive_table(panel, variables=["im_index", "tfp", "urban"], options=options),
            correlation_table(panel, variables=["im_index", "tfp", "urban"], options=options),
            weights_table(weights, options=options),
            coupling_table(coupling, options=options),
        ]
        tables += [build(results, options=options) for build in MODEL_TABLES.values()]
    return tables


def _split_cells(line: str) -> list[str]:
    body = line.strip().removesuffix(r"\\").strip()
    return [c.strip() for c in re.split(r"(?<!\\)&", body)]


def _width(cells: list[str]) -> int:
    spans = [re.match(r"\\multicolumn\{(\d+)\}", c) for c in cells]
    return sum(int(m.group(1)) if m else 1 for m in spans)


def check_structure(tex: str, ncols: int, has_notes: bool) -> None:
    stack = []
    for m in re.finditer(r"\\(begin|end)\{([^}]+)\}", tex):
        if m.group(1) == "begin":
            stack.append(m.group(2))
        else:
            assert stack and stack.pop() == m.group(2), f"unbalanced \\end{{{m.group(2)}}}"
    assert not stack, f"unclosed environments {stack}"
    assert tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}")
    envs = re.findall(r"\\begin\{([^}]+)\}", tex)
    assert envs == ["table", "threeparttable", "tabular"] + (["tablenotes"] if has_notes else [])
    assert (
        tex.count(r"\toprule") == 1
        and tex.count(r"\bottomrule") == 1
        and tex.count(r"\midrule") >= 1
    )
    assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.index(r"\bottomrule")
    if has_notes:
        assert tex.index(r"\end{tabular}") < tex.index(r"\begin{tablenotes}")
    spec = re.search(r"\\begin\{tabular\}\{(.*)\}\n", tex).group(1)
    assert "|" not in spec, "three-line tables have no vertical rules"
    columns = re.findall(r"S\[[^\]]*\]|[lc]", spec)
    assert len(columns) == ncols + 1
    inside = tex[tex.index(r"\toprule") : tex.index(r"\bottomrule")].splitlines()[1:]
    for line in inside:
        if not line.strip() or line.strip().startswith(("\\midrule", "\\cmidrule")):
            continue
        cells = _split_cells(line)
        assert _width(cells) == ncols + 1, line
        if any(c.startswith("\\multicolumn") for c in cells):
            continue  # a spanning header: braced by \multicolumn, nothing for siunitx to parse
        for kind, cell in zip(columns[1:], cells[1:], strict=True):
            # siunitx parses an S-column cell unless braced: numbers (with \sym stars) or {text}
            if kind.startswith("S") and cell and not cell.startswith("{"):
                assert NUMBER_CELL.match(cell), cell


def test_every_table_has_a_valid_three_line_structure(all_tables):
    for table in all_tables:
        check_structure(to_latex(table), table.ncols, bool(table.notes))


def test_escaping():
    assert tex_escape("R&D 100% a_b #1 R² c′") == (
        r"R\&D 100\% a\_b \#1 R\textsuperscript{2} c\ensuremath{'}"
    )


def test_latex_has_label_caption_and_notes(results):
    tex = to_latex(MODEL_TABLES["baseline"](results, options=ReportOptions()))
    assert r"\caption{基准回归结果}" in tex and r"\label{tab:baseline}" in tex
    assert r"\item[] 注：括号内为按省份聚类的稳健标准误。" in tex
    assert r"10\%、5\%、1\%" in tex


@pytest.mark.skipif(
    shutil.which("xelatex") is None, reason="xelatex not installed (TeX Live with ctex needed)"
)
def test_xelatex_compiles_all_tables(all_tables, tmp_path):
    body = "\n\\clearpage\n".join(to_latex(t) for t in all_tables)
    doc = (
        "\\documentclass{ctexart}\n\\usepackage{booktabs,threeparttable,siunitx}\n"
        "\\begin{document}\n" + body + "\\end{document}\n"
    )
    (tmp_path / "tables.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(
        ["xelatex", "-interaction=nonstopmode", "-halt-on-error", "tables.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    log = (tmp_path / "tables.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "Missing character" not in log  # every glyph found in the fonts
    assert (tmp_path / "tables.pdf").stat().st_size > 0
