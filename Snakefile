# imtfp: raw provincial statistics in, publication tables out.
# Every rule calls one function of the imtfp package (src/imtfp); see README.md.

import re

from snakemake.utils import min_version

min_version("9.0")


# config.yaml is the default; `--configfile FILE...` replaces it (FILE holds a complete config, and
# further files are overlays merged onto it), so a real-data config never inherits the demo's indicators.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


include: "workflow/rules/runs.smk"


RUN_FOLDER = _run_folder(config)
if RUN_FOLDER:

    workdir: RUN_FOLDER


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
onerror:
    print_failures(log)


onsuccess:
    write_run_summary()


# Every rule records its wall time and memory (snakemake's benchmark: TSV) beside its log, at
# logs/<log path>.benchmark.tsv: the per-job costs the README's timings come from.
# (Set here for every rule, including ones added later, rather than repeated in each rule.)
for _rule in workflow.rules:
    if _rule.benchmark is None and _rule.log:
        _rule.benchmark_modifier = workflow.modifier.path_modifier
        _rule.benchmark = f"{re.sub(r'[.]log$', '', str(_rule.log[0]))}.benchmark.tsv"
