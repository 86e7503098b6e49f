"""`make docs`: the HTML reference builds from the docstrings (mkdocs.yml, strict, no network) and
documents every public function and result class of imtfp.models and imtfp.models.did."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

import imtfp.models
import imtfp.models.did

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocstrings") is None,
    reason="the docs extra is not installed (make docs installs it)",
)
def test_reference_documents_every_public_name(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    run = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    html = "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "site" / "reference").rglob("*.html")
    )
    ids = set(re.findall(r'id="(imtfp\.[\w.]+)"', html))
    documented = {i.rsplit(".", 1)[1] for i in ids}
    assert "imtfp.models.panel.twfe" in ids
    public = set(imtfp.models.__all__) | set(imtfp.models.did.__all__)
    assert not public - documented, sorted(public - documented)
