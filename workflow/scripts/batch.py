"""Batch rules (workflow/rules/batches.smk): several jobs of the workflow's rules in one process.

Each step is one job of a rule of the workflow, resolved by ``batch_steps`` when the DAG is built:
its script runs here as Snakemake's ``script:`` directive would run it (``snakemake`` holds the
step's own input, output, params, wildcards and log; ``__main__`` is the script), in the order
of the steps' dependencies. So the files, logs and console lines are those of the single jobs;
what the batch saves is the interpreter start-up and the imports, paid once.

Between steps, nothing a script sets is kept: each runs in fresh globals, and its warnings in a
``warnings.catch_warnings()`` block, so a warning that an earlier step gave at the same line is
logged again (Python's once-per-location registry is reset). A failing step writes its traceback
to its own log and one line to the console naming it and its log (as a single job would), the
batch's log gets the same line, and the batch stops.
"""

import datetime
import logging
import resource
import runpy
import sys
import time
import traceback
import warnings
from pathlib import Path

from snakemake.iocontainers import (
    InputFiles,
    Log,
    Namedlist,
    OutputFiles,
    Params,
    ResourceList,
    Snakemake,
    Wildcards,
)

from imtfp.logs import STEP_FAILED, console, failure_line, shown_path


def namedlist(cls: type[Namedlist], data: dict) -> Namedlist:
    """A Snakemake named list from the plain ``{"items": [...], "names": {name: [i, j]}}``."""
    out = cls(toclone=data["items"])
    for name, (start, end) in data["names"].items():
        out._set_name(name, start, end=end)
    return out


def job_object(step: dict, batch: Snakemake) -> Snakemake:
    """The ``snakemake`` object the step's script would get as a job of its own."""
    return Snakemake(
        namedlist(InputFiles, step["input"]),
        namedlist(OutputFiles, step["output"]),
        namedlist(Params, step["params"]),
        Wildcards(fromdict=step["wildcards"]),
        1,
        ResourceList(),
        namedlist(Log, step["log"]),
        batch.config,
        step["rule"],
        batch.bench_iteration,
        batch.scriptdir,
    )


def run_step(step: dict, batch: Snakemake, out) -> None:
    job = job_object(step, batch)
    for path in job.output:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with warnings.catch_warnings():
            runpy.run_path(
                str(Path(batch.scriptdir) / step["script"]),
                init_globals={"snakemake": job},
                run_name="__main__",
            )
    except BaseException as exc:
        # as a job of its own: the traceback in the step's log (its script routed stderr there),
        # one line on the console; then the batch's log, and the batch fails
        traceback.print_exc()
        sys.stderr.flush()
        line = failure_line(exc, rule=step["rule"], log=shown_path(job.log[0]) if job.log else "")
        console(line)
        print(line, file=out, flush=True)
        # the step behind the batch's failure, for the failed-jobs summary (imtfp.logs.failed_jobs)
        print(
            f"{STEP_FAILED} {step['rule']} {job.log[0] if job.log else '-'}", file=out, flush=True
        )
        print(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
              file=out, flush=True)  # fmt: skip
        raise SystemExit(1) from None
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stderr.flush()
        sys.stderr = out
    wildcards = ", ".join(f"{k}={v!r}" for k, v in step["wildcards"].items())
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{step['rule']}({wildcards}): {wall:.2f} s, CPU {cpu:.2f} s", file=out, flush=True)
    if step["benchmark"]:
        write_benchmark(step["benchmark"], wall, cpu)


def write_benchmark(path: str, wall: float, cpu: float) -> None:
    """The step's line in Snakemake's benchmark format (logs/<job>.benchmark.tsv, as a job of its
    own would write): wall and CPU seconds of the step in the batch's process, whose start-up and
    imports the first step that needs a module pays; max_rss is the process's peak so far (MB);
    the fields a step cannot have on its own are "-"."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hms = str(datetime.timedelta(seconds=int(wall)))
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time"
    row = [f"{wall:.2f}", hms, f"{rss:.2f}", *["-"] * 6, f"{cpu:.2f}"]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(f"{header}\n" + "\t".join(row) + "\n", encoding="utf-8")


def main(batch: Snakemake) -> None:
    Path(batch.log[0]).parent.mkdir(parents=True, exist_ok=True)
    out = open(batch.log[0], "w", encoding="utf-8")  # noqa: SIM115 - the process's stderr to the end
    sys.stderr = out
    # warnings go through logging (each script's imtfp.logs.to_file); set once here, so that the
    # catch_warnings block of a step restores this hook rather than the bare one
    logging.captureWarnings(True)
    steps = batch.params.steps
    print(f"{batch.rule}: {len(steps)} jobs in one process", file=out, flush=True)
    for step in steps:
        run_step(step, batch, out)
    print(f"CPU of the process: {time.process_time():.2f} s", file=out, flush=True)


if __name__ == "__main__":  # as Snakemake runs it; a test imports the functions
    main(snakemake)
