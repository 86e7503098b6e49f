"""write_table: the files it writes, the CSV read back, reproducible bytes."""

from __future__ import annotations

import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.report import ReportOptions, to_csv, write_table
from imtfp.report.builders import MODEL_TABLES

pytestmark = pytest.mark.unit


def test_writes_each_format_once_and_reproducibly(results, tmp_path):
    table = MODEL_TABLES["baseline"](results, options=ReportOptions(), simulated=True)
    first = write_table(table, tmp_path / "a" / "baseline")
    second = write_table(table, tmp_path / "b" / "baseline")
    assert [p.name for p in first] == [
        "baseline.tex",
        "baseline.docx",
        "baseline.md",
        "baseline.csv",
    ]
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name
    assert first[3].read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese text


def test_csv_reads_back_as_the_printed_grid(results, tmp_path):
    table = MODEL_TABLES["baseline"](results, options=ReportOptions(language="en"))
    path = write_table(table, tmp_path / "t", formats=("csv",))[0]
    frame = pd.read_csv(path, comment="#", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["Variable", "(1)", "(2)"]
    assert frame.iloc[1].tolist() == ["IM index", "0.520***", "0.410**"]
    assert frame.iloc[2].tolist() == ["", "(0.110)", "(0.150)"]
    text = to_csv(table)
    assert text.splitlines()[0] == "# Baseline regression results"
    assert text.rstrip("\n").splitlines()[-1].startswith("# *, ** and ***")


def test_unknown_format_is_named(results, tmp_path):
    table = MODEL_TABLES["baseline"](results)
    with pytest.raises(ConfigError, match="'html'"):
        write_table(table, tmp_path / "t", formats=("html",))
    assert not list(tmp_path.iterdir())
