"""Every .tex table a pipeline run wrote compiles with XeLaTeX (ctex, booktabs, threeparttable, siunitx).

Looks in ``data/derived/report/tables/<language>`` and ``runs/*/data/derived/report/tables/<language>``
of this checkout (``.ci/run`` runs this after ``make real``) and in the folders of ``IMTFP_TEX_DIRS``
(``:``-separated).
Skips with the reason when XeLaTeX or ctex is not installed, or when no run has written tables yet.
The formatter's own tables (every table type, zh and en) are compiled by
``tests/unit/report/test_latex.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PREAMBLE = "\\documentclass{ctexart}\n\\usepackage{booktabs,threeparttable,siunitx}\n"


def table_folders() -> list[Path]:
    found = [
        *sorted(ROOT.glob("data/derived/report/tables/*")),
        *sorted(ROOT.glob("runs/*/data/derived/report/tables/*")),
    ]
    found += [Path(p) for p in os.environ.get("IMTFP_TEX_DIRS", "").split(":") if p]
    unique = dict.fromkeys(f.resolve() for f in found)
    return [f for f in unique if f.is_dir() and any(f.glob("*.tex"))]


def _tex_ready() -> str | None:
    """None if XeLaTeX with ctex can run, else why not."""
    if shutil.which("xelatex") is None:
        return "xelatex not installed (.ci/run installs texlive-xetex + texlive-lang-chinese via apt when it can)"
    if (
        shutil.which("kpsewhich")
        and subprocess.run(["kpsewhich", "ctexart.cls"], capture_output=True).returncode
    ):
        return "ctex not installed (texlive-lang-chinese)"
    return None


@pytest.mark.parametrize(
    "folder",
    table_folders() or [None],
    ids=lambda f: str(f.relative_to(ROOT)) if f and f.is_relative_to(ROOT) else str(f),
)
def test_every_written_tex_table_compiles(folder, tmp_path):
    reason = _tex_ready()
    if reason:
        pytest.skip(reason)
    if folder is None:
        pytest.skip(
            "no pipeline run has written .tex tables in this checkout yet (make run / make real)"
        )
    tables = sorted(folder.glob("*.tex"))
    for tex in tables:
        shutil.copy(tex, tmp_path / tex.name)
    body = "\n\\clearpage\n".join(f"\\input{{{t.name}}}" for t in tables)
    (tmp_path / "all.tex").write_text(
        PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n", encoding="utf-8"
    )
    run = subprocess.run(
        ["xelatex", "-interaction=nonstopmode", "-halt-on-error", "all.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    log = (tmp_path / "all.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, f"{folder}: {[t.name for t in tables]}\n{log[-3000:]}"
    assert "Missing character" not in log, f"{folder}: a glyph is missing from the fonts"
