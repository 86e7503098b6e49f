# imtfp: raw provincial statistics in, publication tables out.
# Every rule calls one function of the imtfp package (src/imtfp); see README.md.

import re

import imtfp.logs
import imtfp.messages
import imtfp.supervise
from snakemake.utils import min_version

min_version("9.0")


# config.yaml is the default; `--configfile FILE...` replaces it (FILE holds a complete config, and
# further files are overlays merged onto it), so a real-data config never inherits the demo's indicators.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


# Messages in the run's language (report.language; IMTFP_LANG overrides), and paths on the console as
# seen from the folder snakemake starts in (runs/<run_name>/logs/…, not the run folder's logs/…).
imtfp.messages.use_language(imtfp.messages.language_of(config))
imtfp.logs.remember_project(main=workflow.is_main_process)


include: "workflow/rules/runs.smk"


# A config or data error found as the workflow loads (here and in common.smk: a key, a name the config
# gives, the manifest, a raw file) stops it with one line and no traceback (imtfp.logs.at_load).
RUN_FOLDER = imtfp.logs.at_load(_run_folder, config)
if RUN_FOLDER:

    workdir: RUN_FOLDER


# `make run` and a plain `snakemake` share one guard: another live run of this (run) folder stops this
# one, whatever its flags; a lock left by an interrupted run is removed (imtfp.supervise.guard).
if workflow.is_main_process:
    imtfp.supervise.guard()


include: "workflow/rules/common.smk"


# The empty variant is the baseline; a named robustness check writes under robustness/<name>/.
wildcard_constraints:
    variant="(robustness/[A-Za-z0-9_]+/)?",


include: "workflow/rules/ingest.smk"
include: "workflow/rules/checks.smk"
include: "workflow/rules/measure.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/robustness.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/credibility.smk"
include: "workflow/rules/designs.smk"
include: "workflow/rules/export.smk"


# The benchmark files of the loop at the end, set already for the rules above: the batches resolve
# their jobs as they load, and a step of a batch writes its own job's benchmark file.
benchmarks_beside_logs()


# last: a batch rule runs jobs of the rules above in one process (see the file)
include: "workflow/rules/batches.smk"


# Jobs that take a second or two (collecting, summarising, hashing) run in the main process's
# host even under a cluster profile: a cluster submission costs more than the job.
localrules:
    output_manifest,
    robustness_table,
    multiverse_collect,
    quality_report,
    export_panel,
    did_checks,


rule all:
    default_target: True
    input:
        final_targets(),
        did_targets(),


# A failed job's own message on the console (its script also echoes it as it fails), and after a
# successful run the warnings that change how results read, in data/derived/run_summary.md.
# Before the first job the outputs of the last successful run are kept (hard links); a failed run puts
# back every one it removed and did not make again (imtfp.supervise.keep_outputs, restore_outputs).
onstart:
    imtfp.supervise.keep_outputs()


onerror:
    print_failures(log)
    imtfp.supervise.restore_outputs()


onsuccess:
    write_run_summary()
    imtfp.supervise.discard_kept()


# Every rule records its wall time and memory (snakemake's benchmark: TSV) beside its log, at
# logs/<log path>.benchmark.tsv: the per-job costs the README's timings come from.
# (Set here for every rule, including ones added later, rather than repeated in each rule.)
for _rule in workflow.rules:
    if _rule.benchmark is None and _rule.log:
        _rule.benchmark_modifier = workflow.modifier.path_modifier
        _rule.benchmark = f"{re.sub(r'[.]log$', '', str(_rule.log[0]))}.benchmark.tsv"
