"""Seeded mutation fuzzing of every reader (issue 16 item 7, issue 23): the engine and its oracle are
in ``fuzzing.py`` beside this file.

Every kind of file is fuzzed — NBS legacy/portal/by-region CSV, NBS ``.xlsx``/``.xls`` with one or
several worksheets and header-less ones, notes inside tables, the ``columns`` reader (long, years,
census; CSV, ``.xlsx``, ``.xls``), tidy and wide CSV, corrupt workbooks — and judged by an oracle
that tokenizes the file itself: no uncaught exception (only IngestError naming the file), no
silent wrong value (every observation is the number in its cell, no number filed as text, no key
observed twice) and no cell unaccounted. About 520 synthetic cases here; ``make fuzz`` runs 5,000
with the real files of ``../shared/data`` as further seeds.
"""

from __future__ import annotations

import warnings

import pytest
from fuzzing import KINDS, run

pytestmark = pytest.mark.unit

CASES = 520


def test_fuzzed_files_raise_ingest_error_or_read_right_with_every_cell(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # pandas warns about the undecodable strings of corrupt .dta
        tally = run(range(CASES), tmp_path)
    assert tally.bad() == 0, "\n" + tally.table() + "\n" + "\n".join(map(str, tally.examples[:10]))
    # the fuzzing also reads files of every kind (a fuzz that only ever errors tests nothing)
    assert set(tally.read) == set(KINDS), tally.table()
    assert sum(tally.read.values()) > CASES // 4, tally.table()
