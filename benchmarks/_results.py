"""The single source of every performance figure the docs print: ``benchmarks/results.json``.

Each benchmark calls :func:`record` with its timings, ratios, memory and targets; at the end of
the session ``conftest.py`` merges them into ``results.json`` (a run of some benchmarks keeps the
others' last entries), with the machine's load average before and after each measurement.
``python benchmarks/_results.py`` (run by ``make bench``) rewrites the tables between the
``<!-- bench:begin -->`` / ``<!-- bench:end -->`` markers of docs/performance.md and README.md
from the file; ``tests/unit/test_performance_docs.py`` checks that they quote it.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"
ROOT = HERE.parent
DOCS = {"full": ROOT / "docs" / "performance.md", "summary": ROOT / "README.md"}
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

#: Order and labels of the rows; ``summary`` marks the rows README shows.
ROWS = {
    "twfe_75k_balanced": ("TWFE, 75k rows balanced (5,000 × 15)", True),
    "twfe_1M_balanced": ("TWFE, 1M rows balanced (100,000 × 10)", True),
    "twfe_1M_unbalanced": ("TWFE, 1M rows unbalanced (143,000 × 10, 70 % kept)", True),
    "twfe_three_effects_1M": (
        "three absorbed effects (firm + year + industry^year), 1M rows",
        True,
    ),
    "twfe_5M_balanced": ("TWFE, 5M rows balanced, fresh subprocess", False),
    "multiverse_1M_vs_pyfixest": (
        "multiverse, 1M rows, 72 specs vs pyfixest multiple estimation",
        True,
    ),
    "multiverse_demo_vs_pyfixest": ("multiverse, demo (372 rows, 48 specs) vs pyfixest", False),
    "multiverse_1440_vs_panelols": ("multiverse, 1,440 specs vs a PanelOLS loop (per spec)", False),
    "multiverse_10240": ("multiverse, 10,240 specs", False),
    "wild_ci_vs_p_only": ("wild bootstrap B = 9,999, G = 31: with CI vs p only", True),
    "wild_vs_wildboottest": ("wild bootstrap B = 9,999, G = 31 vs wildboottest", False),
    "wild_vs_pyfixest": ("wild bootstrap B = 9,999, G = 31 vs pyfixest", False),
    "att_gt_50k": ("att_gt, 50,000 units × 10, B = 999", True),
    "dea_malmquist": ("DEA + Malmquist, 2,356 LPs: HiGHS re-solve vs linprog", False),
    "mediation_bootstrap": ("mediation bootstrap B = 5,000 vs a PanelOLS loop", False),
}

_session: dict[str, dict] = {}


def load() -> float:
    """The machine's 1-minute load average (Linux/macOS; NaN elsewhere)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


def record(key: str, **fields) -> dict:
    """Store one benchmark's figures (seconds, ratio, MB, target, met, load) for the results file."""
    if key not in ROWS:
        raise KeyError(f"unknown benchmark key {key!r}; add it to ROWS")
    entry = {"measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **fields}
    entry.setdefault("load_after", load())
    _session[key] = entry
    return entry


def write_session() -> None:
    """Merge this session's entries into results.json (sorted keys, stable layout)."""
    if not _session:
        return
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"benchmarks": {}}
    old["benchmarks"].update(_session)
    old["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }
    RESULTS.write_text(json.dumps(old, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _fmt_s(x) -> str:
    if x is None:
        return "—"
    return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"


def _row(key: str, e: dict) -> str:
    label = ROWS[key][0]
    ours = _fmt_s(e.get("imtfp_s"))
    peer = f"{e['peer']} {_fmt_s(e.get('peer_s'))}" if e.get("peer") else "—"
    ratio = f"{e['ratio']:.1f}×" if e.get("ratio") is not None else "—"
    mem = f"{e['peak_mb']:.0f} MB" if e.get("peak_mb") is not None else "—"
    target = e.get("target", "—")
    met = {True: "yes", False: "**no**", None: "—"}[e.get("met")]
    loads = " / ".join(
        f"{e[k]:.1f}" if e.get(k) is not None and e[k] == e[k] else "—"
        for k in ("load_before", "load_after")
    )
    return f"| {label} | {ours} | {peer} | {ratio} | {mem} | {target} | {met} | {loads} |"


def render(results: dict, which: str = "full") -> str:
    """The markdown table of the results file (``summary``: README's rows only)."""
    bench = results["benchmarks"]
    keys = [
        k for k, (_, in_summary) in ROWS.items() if k in bench and (which == "full" or in_summary)
    ]
    dates = sorted(bench[k]["measured"] for k in keys)
    lines = [
        BEGIN,
        f"Generated from `benchmarks/results.json` by `make bench` (measured {dates[0]} – "
        f"{dates[-1]}, {results['machine']['cpus']} CPUs; medians of "
        "interleaved repeats; load = 1-minute load average before / after).",
        "",
        "| workload | imtfp | peer | ratio | memory above the data | target | met | load |",
        "|---|---|---|---|---|---|---|---|",
        *(_row(k, bench[k]) for k in keys),
        END,
    ]
    return "\n".join(lines)


def update_docs() -> None:
    """Rewrite the generated block of docs/performance.md and README.md from results.json."""
    results = json.loads(RESULTS.read_text())
    for which, path in DOCS.items():
        text = path.read_text()
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        path.write_text(head + render(results, which) + tail)


if __name__ == "__main__":
    update_docs()
