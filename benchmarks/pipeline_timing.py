"""The demo run before and after, on one machine in one session: ``benchmarks/pipeline.json``.

``python benchmarks/pipeline_timing.py --before DIR [--after DIR] [--repeats 2]`` runs, in each
tree (``--before``: a checkout of the commit to compare with, e.g. a ``git worktree`` of main;
``--after``: this one), ``make clean`` then ``make run`` under ``/usr/bin/time``, and then a
report-only change (the table language flipped, the same command with ``--configfile``), the two
trees interleaved ``--repeats`` times. Each measurement records wall seconds, CPU seconds (user +
sys of make, Snakemake and every job), the jobs Snakemake ran, and the 1-minute load average
before and after. The file keeps every measurement and their medians; the table between
``<!-- pipeline:begin -->`` and ``<!-- pipeline:end -->`` in README.md is written from it
(``--render`` rewrites it alone), and ``tests/unit/test_performance_docs.py`` checks that README
quotes the file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).parent
RESULTS = HERE / "pipeline.json"
README = HERE.parent / "README.md"
BEGIN, END = "<!-- pipeline:begin -->", "<!-- pipeline:end -->"
SNAKEMAKE_RUN = "{bin}/python -m imtfp.supervise -- {bin}/snakemake --cores all --rerun-incomplete"


def load() -> float:
    return round(os.getloadavg()[0], 2)


def timed(command: str, cwd: Path) -> dict:
    """Wall and CPU seconds (GNU time: user + sys of the command and all it waited for), the
    jobs Snakemake reported done, and the load average before and after."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        before = load()
        run = subprocess.run(
            ["/usr/bin/time", "-o", out.name, "-f", "%e %U %S", "bash", "-c", command],
            cwd=cwd, capture_output=True, text=True,
        )  # fmt: skip
        after = load()
        wall, user, sys_ = map(float, Path(out.name).read_text().split()[-3:])
    if run.returncode != 0:
        raise SystemExit(f"{command} failed in {cwd}:\n{run.stderr[-3000:]}")
    text = run.stdout + run.stderr
    done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", text)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(user + sys_, 2),
        "jobs": int(done[-1][1]) if done else 0,
        "jobs_by_rule": jobs_by_rule(text),
        "load_before": before,
        "load_after": after,
    }


def jobs_by_rule(text: str) -> dict[str, int]:
    """{rule: jobs} of the "Job stats" table Snakemake prints as a run starts."""
    if "Job stats" not in text:
        return {}
    table = text[text.index("Job stats") :].split("\n\n")[0]
    rows = re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M)
    return {rule: int(n) for rule, n in rows if rule != "total"}


def report_only_config(tree: Path) -> Path:
    """config.yaml of ``tree`` with the table language flipped (zh <-> en): ``report.languages``,
    or ``report.language`` in a tree from before the list."""
    config = yaml.safe_load((tree / "config.yaml").read_text(encoding="utf-8"))
    report = config["report"]
    if "languages" in report:
        report["languages"] = ["en"] if report["languages"][0] != "en" else ["zh"]
    else:
        report["language"] = "en" if report.get("language") != "en" else "zh"
    path = tree / ".pipeline_timing_report_only.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def measure(tree: Path) -> dict:
    subprocess.run(["make", "clean"], cwd=tree, check=True, capture_output=True)
    full = timed("make run", tree)
    other = report_only_config(tree)
    command = SNAKEMAKE_RUN.format(bin=".venv/bin") + f" --configfile={other.name}"
    report_only = timed(command, tree)
    other.unlink()
    return {"full": full, "report_only": report_only}


def commit(tree: Path) -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip


def medians(runs: list[dict]) -> dict:
    out = {}
    for kind in ("full", "report_only"):
        out[kind] = {
            key: round(statistics.median(r[kind][key] for r in runs), 2)
            for key in ("wall_s", "cpu_s", "jobs")
        }
    return out


def run(before: Path, after: Path, repeats: int) -> dict:
    trees = {"before": before, "after": after}
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(repeats):
        for name, tree in trees.items():
            runs[name].append(measure(tree))
            print(name, runs[name][-1], file=sys.stderr, flush=True)
    return {
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "command": "make clean && make run; then the same run with the table language flipped",
        "repeats": repeats,
        **{
            name: {"commit": commit(tree), "runs": runs[name], "median": medians(runs[name])}
            for name, tree in trees.items()
        },
    }


def _loads(entry: dict, kind: str) -> str:
    values = [v for r in entry["runs"] for v in (r[kind]["load_before"], r[kind]["load_after"])]
    return f"{min(values):.1f}–{max(values):.1f}"


def _by_rule(entry: dict) -> str:
    counts = entry["runs"][0]["full"]["jobs_by_rule"]
    return ", ".join(f"`{rule}` {n}" for rule, n in sorted(counts.items(), key=lambda x: -x[1]))


def render(results: dict) -> str:
    """README's table: medians of the interleaved runs, before and after."""
    b, a = results["before"], results["after"]

    def row(label: str, kind: str, key: str, fmt: str) -> str:
        x, y = b["median"][kind][key], a["median"][kind][key]
        ratio = f"{y / x:.2f}×" if x else "—"
        return f"| {label} | {fmt.format(x)} | {fmt.format(y)} | {ratio} |"

    lines = [
        BEGIN,
        f"Generated from `benchmarks/pipeline.json` by `python benchmarks/pipeline_timing.py` "
        f"(measured {results['measured']}, {results['machine']['cpus']} CPUs; medians of "
        f"{results['repeats']} interleaved runs of each tree; before = "
        f"`{b['commit']}`, after = `{a['commit']}`; load = 1-minute load average, before "
        f"{_loads(b, 'full')}, after {_loads(a, 'full')}).",
        "",
        "| demo | before | after | after / before |",
        "|---|---|---|---|",
        row("`make run`: jobs", "full", "jobs", "{:.0f}"),
        row("`make run`: wall", "full", "wall_s", "{:.1f} s"),
        row("`make run`: CPU (user + sys, Snakemake and every job)", "full", "cpu_s", "{:.1f} s"),
        row("report-only change (table language): jobs", "report_only", "jobs", "{:.0f}"),
        row("report-only change: wall", "report_only", "wall_s", "{:.1f} s"),
        row("report-only change: CPU", "report_only", "cpu_s", "{:.1f} s"),
        "",
        f"Jobs by rule, before: {_by_rule(b)}; after: {_by_rule(a)}.",
        END,
    ]
    return "\n".join(lines)


def update_readme(results: dict) -> None:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + render(results) + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="tree of the commit to compare with")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="this tree (default)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--render", action="store_true", help="rewrite README from the file only")
    args = parser.parse_args(argv)
    if not args.render:
        if args.before is None:
            parser.error("--before DIR is required (or --render)")
        results = run(args.before.resolve(), args.after.resolve(), args.repeats)
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    update_readme(json.loads(RESULTS.read_text()))


if __name__ == "__main__":
    main()
