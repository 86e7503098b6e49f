"""Outputs of the last successful run kept through a failed one (issue 22, item 5): the hard-link copy
and Snakemake's metadata records (the end-to-end case is tests/e2e/test_safe_runs.py)."""

from pathlib import Path

import pytest

from imtfp import supervise

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("IMTFP_LANG", "en")


@pytest.mark.parametrize(
    "output", ["data/derived/panel/panel.parquet", "data/derived/" + "x" * 300]
)
def test_record_paths_are_snakemakes(output, tmp_path):
    # the second implementation: Snakemake's own FilePersistence._record_path
    from snakemake.persistence.file import FilePersistence

    persistence = FilePersistence.__new__(FilePersistence)
    persistence._max_len = 255
    expected = Path(persistence._record_path(str(tmp_path), output)).relative_to(tmp_path)
    assert supervise.record_path(output, max_len=255) == expected


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_failed_run_gets_back_what_it_removed_with_its_record(tmp_path, capsys):
    out = tmp_path / "data" / "derived"
    meta = tmp_path / ".snakemake" / "metadata"
    _write(out / "panel" / "panel.parquet", "old panel")
    _write(out / "models" / "baseline.parquet", "old baseline")
    record = meta / supervise.record_path("data/derived/panel/panel.parquet")
    _write(record, '{"params": "old"}')
    assert supervise.keep_outputs(tmp_path) == 2
    # the failed run: removes the panel to rebuild it, leaves its own record, fails; rebuilds the
    # baseline (complete: it stays) and makes a new file
    (out / "panel" / "panel.parquet").unlink()
    _write(record, '{"params": "new"}')
    (out / "models" / "baseline.parquet").unlink()
    _write(out / "models" / "baseline.parquet", "new baseline")
    _write(out / "new.parquet", "new")
    assert supervise.restore_outputs(tmp_path) == ["panel/panel.parquet"]
    assert (out / "panel" / "panel.parquet").read_text() == "old panel"
    assert record.read_text() == '{"params": "old"}'
    assert (out / "models" / "baseline.parquet").read_text() == "new baseline"
    assert (out / "new.parquet").exists()
    assert not (tmp_path / supervise.KEPT).exists()
    assert "1 output(s) of the last successful run were put back" in capsys.readouterr().err


def test_a_successful_run_drops_the_copy(tmp_path):
    _write(tmp_path / "data" / "derived" / "a.csv", "a")
    supervise.keep_outputs(tmp_path)
    assert (tmp_path / supervise.KEPT / "outputs" / "a.csv").exists()
    supervise.discard_kept(tmp_path)
    assert not (tmp_path / supervise.KEPT).exists()
    assert supervise.restore_outputs(tmp_path) == []
