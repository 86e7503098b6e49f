"""The DAG on the demo data, in a temporary copy of the workflow with a small config.

The small config keeps two named checks, a two-chunk multiverse and fewer bootstrap draws so the
suite stays fast; everything else is the repository's config.yaml.
"""

import hashlib
import json
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
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def small_config() -> dict:
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    cfg["robustness"] = {k: cfg["robustness"][k] for k in ("critic_weights", "drop_2020")}
    m = cfg["models"]
    m["inference"]["wild_bootstrap"]["bootstrap"] = 999
    m["mediation"]["bootstrap"] = 299
    m["threshold"].update(bootstrap=30, grid=50)
    mv = cfg["multiverse"]
    mv["choices"].update(x=["im_index", "im_critic", "ccd"], sample=["all", "drop_2020"], lag=[0])
    mv["chunks"] = 2
    cfg["report"]["languages"] = ["zh", "en"]  # both sets: each checked for one language only
    return cfg


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=1500,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("pipeline")
    for item in ("Snakefile", "workflow", "configs"):
        src = ROOT / item
        if src.exists():
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    (work / "config.yaml").write_text(
        yaml.safe_dump(small_config(), allow_unicode=True), encoding="utf-8"
    )
    return work


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outputs(workdir: Path) -> list[Path]:
    # DuckDB files carry internal timestamps; every table and figure is compared.
    return sorted(
        p
        for p in (workdir / "data" / "derived").rglob("*")
        if p.is_file() and p.suffix != ".duckdb"
    )


def test_dry_run_and_lint_are_clean(workdir):
    dry = _snakemake(workdir, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    lint = _snakemake(workdir, "--lint")
    text = lint.stdout + lint.stderr
    assert lint.returncode == 0 and "Lints for" not in text, text[-3000:]


@pytest.fixture(scope="module")
def first_run(workdir):
    run = _snakemake(workdir)
    assert run.returncode == 0, run.stderr[-5000:]
    return {p: _sha(p) for p in _outputs(workdir)}


def test_full_run_is_byte_identical_twice(workdir, first_run):
    assert workdir / "data" / "derived" / "panel" / "panel.parquet" in first_run
    assert workdir / "data" / "derived" / "quality" / "checks.parquet" in first_run
    shutil.rmtree(workdir / "data" / "derived")
    second = _snakemake(workdir)
    assert second.returncode == 0, second.stderr[-5000:]
    changed = [
        str(p.relative_to(workdir)) for p, h in first_run.items() if not p.exists() or _sha(p) != h
    ]
    assert not changed, f"outputs differ between two runs: {changed}"


def test_every_exhibit_in_every_format_and_the_manifest(workdir, first_run):
    derived = workdir / "data" / "derived"
    cfg = small_config()
    for table in cfg["report"]["tables"]:
        for lang in cfg["report"]["languages"]:
            for ext in cfg["report"]["formats"]:
                path = derived / "report" / "tables" / lang / f"{table}.{ext}"
                assert path.stat().st_size > 0, (table, lang, ext)
    for ext in ("md", "docx"):  # one provenance file per run, not a paragraph under every table
        assert (derived / "report" / f"provenance.{ext}").stat().st_size > 0
    figures = {p.name for p in (derived / "report" / "figures").iterdir()}
    assert {"coupling_heatmap.png", "coupling_heatmap.pdf", "specification_curve.png"} <= figures
    assert {f"mediation_path_{c}.pdf" for c in cfg["models"]["mediation"]["channels"]} <= figures
    manifest = json.loads((derived / "manifest.json").read_text(encoding="utf-8"))
    for path, sha in manifest.items():
        assert _sha(workdir / path) == sha, path
    assert "模拟数据" in (derived / "report" / "tables" / "zh" / "baseline.md").read_text(
        encoding="utf-8"
    )
    assert "Simulated" in (derived / "report" / "tables" / "en" / "baseline.md").read_text(
        encoding="utf-8"
    )
    provenance = (derived / "report" / "provenance.md").read_text(encoding="utf-8")
    assert "simulated-v1" in provenance and "配置哈希" in provenance


def test_every_table_is_in_one_language(workdir, first_run):
    """No English in a Chinese table and no Chinese in an English one (issue 25): in every
    Markdown table of the run, a Chinese table has no run of three or more Latin letters outside
    imtfp.report.purity.ALLOWED_LATIN (so no raw code such as `pilot` or `demo`), an English
    table no Chinese character or punctuation. The same check runs on a real run's tables in
    tests/e2e/test_table_language.py."""
    from imtfp.report.purity import foreign_text

    report = workdir / "data" / "derived" / "report"
    checked, found = 0, {}
    for lang in ("zh", "en"):
        for md in sorted(report.glob(f"**/tables/{lang}/*.md")):
            checked += 1
            bad = foreign_text(md.read_text(encoding="utf-8"), lang)
            if bad:
                found[str(md.relative_to(report))] = sorted(set(bad))
    assert checked >= 2 * len(small_config()["report"]["tables"]), checked
    assert not found, found


def test_baseline_table_recovers_the_simulated_effect(workdir, first_run):
    """Expectations from the simulation, not from an earlier run: the two-way FE column with all
    controls (the last) covers the DGP's total effect of the index on ln A (truth.yaml), pooled
    OLS without effects or controls (the first) does not (the DGP's province and year effects
    correlate with the index), and the Markdown table prints the estimate and clustered s.e. of
    the last column."""
    truth = yaml.safe_load(
        (ROOT / "data" / "raw" / "demo" / "truth.yaml").read_text(encoding="utf-8")
    )
    tidy = pd.read_parquet(workdir / "data" / "derived" / "models" / "baseline.parquet")
    core = tidy[tidy["term"] == "im_index"].set_index("column")
    last = core.iloc[-1]
    assert last["entity_fe"] and last["time_fe"] and last["cov"] == "clustered"
    assert last["ci_low"] <= truth["total_effect"] <= last["ci_high"]
    pooled = core.iloc[0]
    assert not pooled["entity_fe"] and not pooled["controls"]
    assert not pooled["ci_low"] <= truth["total_effect"] <= pooled["ci_high"]
    md = (workdir / "data" / "derived" / "report" / "tables" / "zh" / "baseline.md").read_text(
        encoding="utf-8"
    )
    assert f"{last['estimate']:.3f}" in md and f"({last['se']:.3f})" in md
    assert str(int(last["nobs"])) in md


def test_baseline_table_layout_is_unchanged(workdir, first_run):
    """A layout snapshot, not a reference: the Chinese Markdown baseline table equals
    tests/e2e/expected/baseline.md, so a refactoring that moves a digit, a star, a label or a note
    shows here. (The numbers' correctness is tested against the simulated truth above and against
    published references elsewhere.) Regenerate the file deliberately when a change of layout is
    intended. The provenance (config hash, package versions) is in report/provenance.md, not in
    the table (report.provenance: file)."""
    md = (workdir / "data" / "derived" / "report" / "tables" / "zh" / "baseline.md").read_text(
        encoding="utf-8"
    )
    body = md.splitlines()
    expected = (ROOT / "tests" / "e2e" / "expected" / "baseline.md").read_text(encoding="utf-8")
    assert body == expected.splitlines()


def _planned(dry: subprocess.CompletedProcess) -> dict[str, int]:
    """{rule: jobs} of a dry run's "Job stats" table."""
    stats = dry.stdout + dry.stderr
    rows = re.findall(r"^(\w+)\s+(\d+)$", stats[stats.index("Job stats") :], flags=re.M)
    return {rule: int(n) for rule, n in rows}


@pytest.mark.parametrize(
    ("key", "value"), [("languages", ["en"]), ("stars", [0.05, 0.01]), ("decimals", 4)]
)
def test_a_report_option_reruns_the_report_jobs_only(workdir, first_run, key, value):
    """Issue 24: after a complete run, a report-only option change plans at most 6 jobs (all
    tables, all figures, the output manifest and `all`; the credibility report where it prints
    the option: stars and decimals), with Snakemake's default rerun triggers (mtime, params,
    input, code, software-env)."""
    cfg = small_config()
    cfg["report"][key] = value
    other = workdir / f"report_{key}.yaml"
    other.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    dry = _snakemake(workdir, "-n", "--quiet", "rules", "--configfile", str(other))
    assert dry.returncode == 0, dry.stderr[-3000:]
    planned = _planned(dry)
    total = planned.pop("total")
    report_jobs = {"tables", "figures", "output_manifest", "all"}
    assert report_jobs <= set(planned) <= report_jobs | {"credibility_report"}, planned
    assert ("credibility_report" in planned) == (key != "languages")  # it writes both languages
    assert total <= 6


def test_html_report(workdir, first_run):
    run = _snakemake(workdir, "--report", "report.html")
    assert run.returncode == 0, run.stderr[-3000:]
    html = (workdir / "report.html").read_text(encoding="utf-8", errors="replace")
    assert "coupling_heatmap" in html and "baseline" in html


def test_a_batch_makes_what_its_rules_make_as_jobs_of_their_own(workdir, first_run):
    """The batches run the jobs of the rules in one process; the same jobs run one by one
    (`--allowed-rules`: the rules, not the batch) write the same bytes: a table, and a named
    check's measures and model."""
    derived = workdir / "data" / "derived"
    table = sorted((derived / "report" / "tables" / "zh").glob("baseline.*"))
    check = derived / "robustness" / "critic_weights"
    files = [*table, check / "measure" / "index.parquet", check / "measure" / "analysis.parquet",
             check / "models" / "baseline.parquet"]  # fmt: skip
    before = {p: _sha(p) for p in files}
    for p in files:
        p.unlink()
    targets = ["data/derived/report/tables/zh/baseline.csv",
               "data/derived/robustness/critic_weights/models/baseline.parquet"]  # fmt: skip
    rules = ["table", "build_index", "analysis_frame", "estimate"]
    run = _snakemake(workdir, *targets, "--allowed-rules", *rules)
    assert run.returncode == 0, run.stderr[-5000:]
    ran = set(re.findall(r"^(?:local)?rule (\w+):", run.stdout + run.stderr, flags=re.M))
    assert ran == set(rules), ran
    assert {p: _sha(p) for p in files} == before


def test_multiverse_through_cluster_executor_equals_local_run(workdir, first_run):
    mv = workdir / "data" / "derived" / "robustness" / "multiverse"
    local = pd.read_parquet(mv / "results.parquet")
    shutil.rmtree(mv / "chunks")
    (mv / "results.parquet").unlink()
    run = subprocess.run(
        [SNAKEMAKE, "--profile", "workflow/profiles/local-cluster", str((mv / "results.parquet").relative_to(workdir))],
        cwd=workdir, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-5000:]
    assert "multiverse_chunk" in run.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(mv / "results.parquet"), local, check_exact=True)
    assert len(local) == 2 * 3 * 3 * 2 * 2 * 2 * 1  # y x controls sample fe winsor lag


def test_export_labels_every_column_from_the_catalogues(workdir, first_run):
    # issue 22: `make export` stopped on a fresh clone at the first indicator without a report label
    run = _snakemake(workdir, "export_panel")
    assert run.returncode == 0, run.stderr[-3000:]
    export = workdir / "data" / "derived" / "export"
    with pd.io.stata.StataReader(export / "panel.dta") as reader:
        labels = reader.variable_labels()
        frame = reader.read()
    assert labels["broadband_ports"] == "互联网宽带接入端口" and labels["ccd_C"] == "耦合度 C"
    assert len(frame) == 31 * 12 and set(frame["province_name"]) >= {"北京", "内蒙古"}
    import openpyxl

    sheets = openpyxl.load_workbook(export / "panel.xlsx", read_only=True).sheetnames
    assert sheets[:2] == ["面板数据", "描述性统计"] and "基准回归结果" in sheets
