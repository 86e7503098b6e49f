"""The committed demo files are exactly what the generator writes from the config's seed."""

import filecmp
from pathlib import Path

import pytest
import yaml

from imtfp.demo import write_demo

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "raw" / "demo"


def test_generator_reproduces_committed_files_byte_for_byte(tmp_path):
    seed = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["seed"]
    write_demo(tmp_path, seed)
    committed = sorted(p.relative_to(DEMO) for p in DEMO.rglob("*") if p.is_file())
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == written
    for rel in committed:
        assert filecmp.cmp(DEMO / rel, tmp_path / rel, shallow=False), rel


def test_everything_says_simulated():
    manifest = yaml.safe_load((DEMO / "manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["simulated"] is True and "SIMULATED" in manifest["description"]
    assert yaml.safe_load((DEMO / "truth.yaml").read_text(encoding="utf-8"))["simulated"] is True
