"""Every Markdown table a pipeline run wrote is in one language (issue 25).

Looks in ``data/derived/report/**/tables/<language>/`` and ``runs/*/data/derived/report/**/tables/
<language>/`` of this checkout (``.ci/run`` runs this after ``make real``, whose config writes both
languages) and in the folders of ``IMTFP_TABLE_DIRS`` (``:``-separated, each a ``tables`` folder
holding ``zh/`` and ``en/``). A Chinese table may print no run of three or more Latin letters outside
:data:`imtfp.report.purity.ALLOWED_LATIN` (no English word, no raw code such as ``broadband_city``
or ``renjiyi163-panel``); an English table no Chinese character or punctuation. Skips with the reason
when no run has written tables yet. The demo run's tables are checked in tests/e2e/test_pipeline.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imtfp.report.purity import foreign_text

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def table_folders() -> list[Path]:
    """Each ``<run>/report`` folder (or given ``tables`` folder) with Markdown tables in it."""
    found = [ROOT / "data" / "derived" / "report", *sorted(ROOT.glob("runs/*/data/derived/report"))]
    found += [Path(p) for p in os.environ.get("IMTFP_TABLE_DIRS", "").split(":") if p]
    unique = dict.fromkeys(f.resolve() for f in found)
    return [f for f in unique if f.is_dir() and any(f.glob("**/tables/*/*.md"))]


@pytest.mark.parametrize(
    "folder",
    table_folders() or [None],
    ids=lambda f: str(f.relative_to(ROOT)) if f and f.is_relative_to(ROOT) else str(f),
)
def test_every_written_table_is_in_one_language(folder):
    if folder is None:
        pytest.skip(
            "no pipeline run has written tables in this checkout yet (make run / make real)"
        )
    found, checked = {}, 0
    for lang in ("zh", "en"):
        for md in sorted(folder.glob(f"**/tables/{lang}/*.md")):
            checked += 1
            bad = foreign_text(md.read_text(encoding="utf-8"), lang)
            if bad:
                found[str(md.relative_to(folder))] = sorted(set(bad))
    assert checked, f"{folder}: no table under tables/zh or tables/en"
    assert not found, found
