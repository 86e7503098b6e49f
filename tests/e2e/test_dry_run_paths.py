"""Issue 23 item 4: a dry run (``snakemake -n``) with a config path that leaves its folder is refused
with a ConfigError naming the key, and creates nothing outside the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    # <tmp>/outside/inside/project: `../../x` from the project would be <tmp>/outside/x
    work = tmp_path_factory.mktemp("paths") / "outside" / "inside" / "project"
    work.mkdir(parents=True)
    for item in ("Snakefile", "workflow", "configs", "config.yaml"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    return work


@pytest.mark.parametrize(
    ("key", "value"),
    [("designs.pilot.outcome_data", "/etc/passwd"),
     ("designs.pilot.pilots", "../../../../etc/hostname"),
     ("run_name", "../../x")],
)  # fmt: skip
def test_a_dry_run_refuses_a_path_out_of_its_folder(project, key, value):
    cfg = yaml.safe_load((project / "config.yaml").read_text(encoding="utf-8"))
    node = cfg
    *head, last = key.split(".")
    for part in head:
        node = node[part]
    node[last] = value
    path = project / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    outside = project.parents[1]
    before = _outside_project(outside, project)
    run = subprocess.run(
        [SNAKEMAKE, "-n", "--cores", "1", "--configfile=bad.yaml"],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "IMTFP_LANG": "en"},
    )  # fmt: skip
    out = run.stdout + run.stderr  # snakemake prints a workflow error on stdout
    assert run.returncode != 0
    # a ConfigError (its class: tests/unit/test_config_paths.py), raised in a rule's input or
    # printed at load as the catalogue's one-line banner of an imtfp error
    said = f"config key '{key}'"
    assert f"ConfigError: {said}" in out or f"config error (no job was run): {said}" in out, out[
        -3000:
    ]
    assert _outside_project(outside, project) == before
    assert not (project / "runs").exists()


def _outside_project(outside: Path, project: Path) -> set[str]:
    """Every file and folder under ``outside`` that is not in the project."""
    return {str(p.relative_to(outside)) for p in outside.rglob("*")
            if p != project and project not in p.parents}  # fmt: skip
