"""The quickstart's "用自己的数据" section, executed as written (issue 22).

The commands between ``<!-- byod:begin -->`` and ``<!-- byod:end -->`` of docs/quickstart_zh.md run
one by one in a copy of the project (sharing this checkout's .venv): the demo's simulated panel
written as an EPS-style Excel file, ``imtfp init``, ``make run CONFIG=…`` (one pipeline run, to the
baseline tables) and ``make export CONFIG=…``, with no edit in between. Then the config it wrote is
broken on purpose (``panel.yeras``, a misspelled index indicator): a dry run stops at load with the
suggestion. The baseline's two-way FE column recovers the simulated total effect (truth.yaml), the
known truth of the data the practice file holds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "quickstart_zh.md"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def commands(doc: Path = DOC) -> list[str]:
    """The shell commands of the section, comments dropped."""
    text = doc.read_text(encoding="utf-8")
    block = text[text.index("<!-- byod:begin -->") : text.index("<!-- byod:end -->")]
    body = block[block.index("```bash") + len("```bash") : block.rindex("```")]
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in body.splitlines()]
    return [line for line in lines if line]


def test_the_section_is_init_run_export():
    cmds = commands()
    assert cmds[1].startswith(".venv/bin/imtfp init mine.xlsx --name mine")
    assert cmds[2:] == ["make run CONFIG=configs/mine.yaml", "make export CONFIG=configs/mine.yaml"]
    assert commands(ROOT / "docs" / "quickstart_en.md") == cmds  # the English guide runs the same


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, list[subprocess.CompletedProcess]]:
    if not (ROOT / ".venv" / "bin" / "imtfp").exists():
        pytest.skip("the commands use .venv/bin (run `make .venv/.installed` first)")
    work = tmp_path_factory.mktemp("byod")
    for item in ("Snakefile", "workflow", "configs", "config.yaml", "Makefile", "pyproject.toml"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, work / item)  # copy2: mtimes kept,
    (work / ".venv").symlink_to(ROOT / ".venv")  # so make does not reinstall the shared .venv
    env = {**os.environ, "CORES": "2"}
    env.pop("IMTFP_LANG", None)
    runs = []
    for cmd in commands():
        run = subprocess.run(["bash", "-c", cmd], cwd=work, capture_output=True, text=True,
                             timeout=1800, env=env)  # fmt: skip
        runs.append(run)
        assert run.returncode == 0, f"{cmd}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return work, runs


def test_init_says_what_it_matched_and_wrote(project):
    work, runs = project
    out = runs[1].stdout
    assert "读取 mine.xlsx：每行一个省份-年份，30 个省份，2011–2022 年，19 列对应到指标" in out
    assert "固定资产投资价格指数（上年=100）  →  invest_price_index" in out
    # the catalogue's per-resident GRP is in 元/人: a column in 元 is not taken for it
    assert "人均地区生产总值（元）: 单位 元 不能换算成 gdp_pc_v2020 的单位（元/人）" in out
    assert "内蒙 → 内蒙古" in out and "（已写入 panel.drop_provinces）：西藏" in out
    assert "已写入 configs/mine.yaml 与 configs/manifests/mine.yaml" in out
    config = yaml.safe_load((work / "configs" / "mine.yaml").read_text(encoding="utf-8"))
    assert config["run_name"] == "mine" and config["panel"]["drop_provinces"] == ["西藏"]


def test_the_run_reaches_the_baseline_under_runs_mine(project):
    work, runs = project
    derived = work / "runs" / "mine" / "data" / "derived"
    assert (derived / "report" / "tables" / "zh" / "baseline.docx").stat().st_size > 0
    assert not (work / "data" / "derived").exists()  # nothing outside the run folder
    truth = yaml.safe_load((ROOT / "data/raw/demo/truth.yaml").read_text(encoding="utf-8"))
    tidy = pd.read_parquet(derived / "models" / "baseline.parquet")
    last = tidy[tidy["term"] == "im_index"].iloc[-1]  # two-way FE, every control
    assert last["entity_fe"] and last["time_fe"] and int(last["nobs"]) == 30 * 12
    assert last["ci_low"] <= truth["total_effect"] <= last["ci_high"]
    report = (derived / "quality" / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# 数据质量报告") and "1 个拒收" in report
    assert "模拟数据 — 由 `imtfp.demo` 生成" not in report  # the manifest is imtfp init's
    # the data source as the manifest describes it, in the run's provenance file
    note = (derived / "report" / "provenance.md").read_text(encoding="utf-8")
    assert "SIMULATED practice panel written by imtfp.demo --eps" in note  # the file says so
    assert "# 运行摘要" in runs[2].stderr


def test_the_export_is_a_dta_pandas_reads(project):
    work, _ = project
    export = work / "runs" / "mine" / "data" / "derived" / "export"
    with pd.io.stata.StataReader(export / "panel.dta") as reader:
        labels = reader.variable_labels()
        frame = reader.read()
    assert len(frame) == 30 * 12 and "西藏" not in set(frame["province_name"])
    assert labels["invest_price_index"] == "固定资产投资价格指数(上年=100)"
    assert labels["software_rev_pc"] == "人均软件业务收入"
    assert (export / "panel.xlsx").stat().st_size > 0


@pytest.mark.parametrize(
    "old, new, lang, expected",
    [
        ("  years:", "  yeras:", "zh",
         "[imtfp] 配置错误（没有运行任何任务）：配置项 'panel.yeras' 不是这一节的设置；您是否指 'years'？"),
        ("      rd_intensity: +", "      rd_intensty: +", "en",
         "[imtfp] config error (no job was run): config key 'index.subsystems.technology.rd_intensty': "
         "there is no variable 'rd_intensty'"),
    ],
)  # fmt: skip
def test_a_typo_in_the_config_stops_a_dry_run_with_the_suggestion(
    project, old, new, lang, expected
):
    work, _ = project
    text = (work / "configs" / "mine.yaml").read_text(encoding="utf-8")
    assert old in text
    (work / "configs" / "typo.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    env = {**os.environ, "IMTFP_LANG": lang}
    run = subprocess.run([SNAKEMAKE, "-n", "--configfile=configs/typo.yaml"], cwd=work,
                         capture_output=True, text=True, timeout=600, env=env)  # fmt: skip
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(expected), last
    assert lang == "zh" or last.endswith("did you mean 'rd_intensity'?")
    assert "Traceback" not in run.stderr
