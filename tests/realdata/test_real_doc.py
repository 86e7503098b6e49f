"""docs/real_data.md's numbers are those of the real run's outputs (imtfp.realdoc, ``make real-doc``).

The block between ``<!-- numbers:begin`` and ``<!-- numbers:end -->`` is rendered from
runs/real/data/derived (written by ``make real``); this test renders it again and compares, so a
number in the document that the outputs do not give fails. Skipped when the run's outputs are
absent (a fresh clone before ``make real``).
"""

from pathlib import Path

import pytest

from imtfp.realdoc import current_block, numbers_block, replace_block, stars

pytestmark = pytest.mark.realdata

ROOT = Path(__file__).resolve().parents[2]
DERIVED = ROOT / "runs" / "real" / "data" / "derived"
DOC = ROOT / "docs" / "real_data.md"


def test_document_matches_the_run_outputs(shared_data):
    if not (DERIVED / "models" / "baseline.parquet").is_file():
        pytest.skip(f"{DERIVED} has no outputs: run `make real`, then `make real-doc`")
    text = DOC.read_text(encoding="utf-8")
    assert current_block(text) == numbers_block(DERIVED), "run `make real-doc`"


def test_block_replacement_and_stars():
    text = "a\n<!-- numbers:begin: x -->\nold\n<!-- numbers:end -->\nb\n"
    assert replace_block(text, "NEW") == "a\nNEW\nb\n"
    assert [stars(p) for p in (0.005, 0.03, 0.07, 0.2, float("nan"))] == [
        "***", "**", "*", "", "",
    ]  # fmt: skip
