"""Rule logging: the failing job's message on the console, heartbeats, and the run summary."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from imtfp import logs
from imtfp.errors import IngestError
from imtfp.logs import failure_line, log_warnings, run_summary

pytestmark = pytest.mark.unit


def test_failure_line_names_rule_error_and_log():
    line = failure_line(
        IngestError("raw/x.csv line 3: unknown province '京'"), rule="ingest", log="logs/ingest.log"
    )
    assert (
        line
        == "[imtfp] rule ingest failed: IngestError: raw/x.csv line 3: unknown province '京' (log: logs/ingest.log)"
    )
    assert failure_line(ValueError("a\nb"), rule="r", log="l").endswith("ValueError: a … (log: l)")


def test_a_failing_script_prints_its_error_on_the_console(tmp_path):
    script = tmp_path / "job.py"
    log = tmp_path / "logs" / "job.log"
    script.write_text(textwrap.dedent(f"""
        import warnings
        from imtfp.logs import to_file, heartbeat
        from imtfp.errors import EstimationError
        to_file({str(log)!r}, rule="estimate")
        heartbeat("halfway")
        warnings.warn("only 8 clusters: few-cluster inference")
        raise EstimationError("iv: the instrument is constant in every province")
    """), encoding="utf-8")  # fmt: skip
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "[imtfp] estimate: halfway" in run.stderr
    assert (
        "[imtfp] rule estimate failed: EstimationError: iv: the instrument is constant"
        in run.stderr
    )
    assert "Traceback" not in run.stderr  # the traceback goes to the log only
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "EstimationError" in text and "WARNING py.warnings" in text


def test_run_summary_collects_warnings_by_job(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "baseline.log").write_text(
        "INFO imtfp: fine\n"
        "WARNING py.warnings: /x/panel.py:281: UserWarning: Driscoll–Kraay with only T = 12 periods\n"
        "  warnings.warn(msg, UserWarning, stacklevel=2)\n"
        "WARNING imtfp.models: Driscoll–Kraay with only T = 12 periods\n",
        encoding="utf-8",
    )
    (tmp_path / "ingest.log").write_text("INFO imtfp: 3 files\n", encoding="utf-8")
    assert log_warnings(tmp_path) == {
        "models/baseline": ["Driscoll–Kraay with only T = 12 periods"]
    }
    text = run_summary(tmp_path)
    assert text.startswith("# Run summary\n") and "- **models/baseline**: Driscoll–Kraay" in text
    (tmp_path / "models" / "baseline.log").write_text("INFO ok\n", encoding="utf-8")
    assert "No warnings" in run_summary(tmp_path)


def test_imputed_shares_above_the_threshold_name_provinces():
    import pandas as pd

    from imtfp.logs import imputed_warnings

    panel = pd.DataFrame({"province": ["44"] * 10 + ["11"] * 10, "year": list(range(10)) * 2})
    imputed = pd.DataFrame(
        {
            "province": ["44", "44", "11", "44"],
            "year": [1, 2, 3, 4],
            "indicator": ["a", "a", "a", "b"],
        }
    )
    lines = imputed_warnings(panel, imputed, threshold=0.1)
    assert lines == ["a: 3 of 20 province-years imputed (15.0%); most in Guangdong 2, Beijing 1"]
    zh = imputed_warnings(panel, imputed, threshold=0.1, lang="zh")
    assert zh == ["a：20 个省份-年份中有 3 个为插补值（15.0%）；最多的是 广东 2、北京 1"]
    assert imputed_warnings(panel, imputed.iloc[:0]) == []


def test_label_warnings_are_counted_not_listed(tmp_path):
    (tmp_path / "t.log").write_text(
        "WARNING py.warnings: /x/labels.py:136: LabelWarning: no variable label for 'gov'; printing the raw name\n",
        encoding="utf-8",
    )
    assert log_warnings(tmp_path) == {}
    assert (
        "1 name(s) print raw in tables and figures (no label in labels.yaml or report.labels): gov"
        in run_summary(tmp_path)
    )


def test_failed_jobs_and_their_last_error_from_snakemake_and_job_logs(tmp_path):
    job_log = tmp_path / "job.log"
    job_log.write_text(
        "Traceback (most recent call last):\n  ...\nimtfp.errors.ConfigError: bad key\n"
    )
    run_log = tmp_path / "run.log"
    run_log.write_text(
        f"Error in rule estimate:\n    jobid: 3\n    log: {job_log} (check log)\nfoo\n"
    )
    assert logs.failed_jobs([str(run_log)]) == [("estimate", str(job_log))]
    assert logs.last_error(job_log) == "imtfp.errors.ConfigError: bad key"
    assert logs.last_error(tmp_path / "absent.log") == "(no log written)"


def test_a_failed_batch_is_reported_as_its_failed_step(tmp_path):
    """A batch job (workflow/scripts/batch.py) names the step that failed: the summary gives that
    step's rule and log, as if it had run as a job of its own."""
    step_log = tmp_path / "ingest.log"
    step_log.write_text("Traceback ...\nimtfp.errors.IngestError: file x.csv, line 1: bad\n")
    batch_log = tmp_path / "panel.log"
    batch_log.write_text(f"panel: 3 jobs in one process\n{logs.STEP_FAILED} ingest {step_log}\n")
    run_log = tmp_path / "run.log"
    run_log.write_text(f"Error in rule panel:\n    jobid: 1\n    log: {batch_log} (check log)\n")
    assert logs.failed_jobs([str(run_log)]) == [("ingest", str(step_log))]


def test_console_lines_follow_the_run_language_and_show_the_run_folder(tmp_path, monkeypatch):
    # issue 22: under run_name the console pointed at logs/ingest.log instead of runs/eps/logs/…
    from imtfp import messages

    run = tmp_path / "runs" / "eps"
    (run / "logs").mkdir(parents=True)
    monkeypatch.setenv("IMTFP_PROJECT", str(tmp_path))
    monkeypatch.chdir(run)
    assert logs.shown_path("logs/ingest.log") == "runs/eps/logs/ingest.log"
    monkeypatch.setenv("IMTFP_LANG", "zh")
    err = messages.error(IngestError, "config.missing_file", key="designs.d.pilots", path="x.csv")
    line = failure_line(err, rule="ingest", log="runs/eps/logs/ingest.log")
    assert line == (
        "[imtfp] 任务 ingest 失败：IngestError: 配置项 'designs.d.pilots'：文件 x.csv 不存在"
        "（日志：runs/eps/logs/ingest.log）"
    )
    assert run_summary(tmp_path / "none").startswith("# 运行摘要\n")
    monkeypatch.setenv("IMTFP_LANG", "en")
    assert "rule ingest failed: IngestError: config key 'designs.d.pilots'" in failure_line(
        err, rule="ingest", log="l"
    )
