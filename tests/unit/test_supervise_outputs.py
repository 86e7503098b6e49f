"""Issue 23 item 7: outputs are verified before a run starts; a damaged one is rebuilt, not accepted.

``imtfp.supervise.verify_outputs`` marks for rebuilding (a modification time older than any input,
so Snakemake reruns the rule) every output whose bytes differ from the run's
``data/derived/manifest.json``, every Parquet file that does not open and a DuckDB file that does
not open — in the project and in every ``runs/<name>/`` folder — and never touches a path outside
the run folder, whatever the manifest says.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from imtfp.supervise import STALE, verify_outputs

pytestmark = pytest.mark.unit


def _marked(path: Path) -> bool:
    return path.stat().st_mtime == STALE


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(folder: Path) -> dict[str, Path]:
    derived = folder / "data" / "derived"
    (derived / "report" / "tables").mkdir(parents=True)
    (derived / "models").mkdir()
    files = {
        "a": derived / "report" / "tables" / "a.csv",
        "b": derived / "report" / "tables" / "b.md",
    }
    files["a"].write_text("term,estimate\nx,0.5\n", encoding="utf-8")
    files["b"].write_text("| x | 0.5 |\n", encoding="utf-8")
    files["p"] = derived / "models" / "baseline.parquet"
    pd.DataFrame({"term": ["x"], "estimate": [0.5]}).to_parquet(files["p"])
    manifest = {str(p.relative_to(folder)): _sha(p) for p in files.values()}
    (derived / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return files


@pytest.mark.parametrize("run", [".", "runs/real"])
def test_an_output_whose_bytes_differ_from_the_manifest_is_removed(tmp_path, run):
    folder = tmp_path / run
    files = _run(folder)
    files["a"].write_bytes(files["a"].read_bytes()[:7])  # truncated by hand
    done = verify_outputs(tmp_path)
    assert _marked(files["a"]) and not _marked(files["b"]) and not _marked(files["p"])
    assert len(done) == 1 and "a.csv" in done[0] and "differ" in done[0]
    files["a"].write_text("term,estimate\nx,0.5\n", encoding="utf-8")  # what the run rebuilds
    assert verify_outputs(tmp_path) == []


def test_a_parquet_that_does_not_open_is_removed(tmp_path):
    files = _run(tmp_path)
    intermediate = tmp_path / "data" / "derived" / "panel" / "panel.parquet"
    intermediate.parent.mkdir()
    pd.DataFrame({"x": range(100)}).to_parquet(intermediate)
    good = intermediate.with_name("series.parquet")
    pd.DataFrame({"x": [1.0]}).to_parquet(good)
    intermediate.write_bytes(intermediate.read_bytes()[:-40])  # truncated: no footer
    done = verify_outputs(tmp_path)
    assert _marked(intermediate) and not _marked(good) and not _marked(files["p"])
    assert len(done) == 1 and "panel.parquet" in done[0] and "does not open" in done[0]


def test_a_duckdb_file_that_does_not_open_is_removed(tmp_path):
    from imtfp.database import connect

    _run(tmp_path)
    wh = tmp_path / "data" / "derived" / "warehouse.duckdb"
    with connect(wh) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert verify_outputs(tmp_path) == [] and wh.exists()
    wh.write_bytes(b"garbage" * 100)
    assert "warehouse.duckdb" in verify_outputs(tmp_path)[0] and _marked(wh)


def test_a_manifest_never_makes_the_check_touch_a_file_outside_the_run(tmp_path):
    project = tmp_path / "project"
    files = _run(project)
    secret = tmp_path / "secret.txt"
    secret.write_text("keep me", encoding="utf-8")
    manifest = project / "data" / "derived" / "manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["../secret.txt"] = "0" * 64
    doc[str(secret)] = "0" * 64
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    done = verify_outputs(project)
    assert secret.read_text(encoding="utf-8") == "keep me" and not _marked(secret)
    # the manifest itself is not trusted any more: it is rebuilt by the run
    assert _marked(manifest) and not _marked(files["a"])
    assert any("outside" in d for d in done)


def test_an_unreadable_manifest_is_removed(tmp_path):
    files = _run(tmp_path)
    manifest = tmp_path / "data" / "derived" / "manifest.json"
    manifest.write_text("{not json", encoding="utf-8")
    done = verify_outputs(tmp_path)
    assert _marked(manifest) and not _marked(files["a"]) and len(done) == 1


def test_nothing_to_verify_without_outputs(tmp_path):
    assert verify_outputs(tmp_path) == []
