# imtfp: raw provincial statistics in, publication tables out.
# Every rule calls one function of the imtfp package (src/imtfp); see README.md.

from snakemake.utils import min_version

min_version("9.0")


# config.yaml is the default; `--configfile FILE...` replaces it (FILE holds a complete config, and
# further files are overlays merged onto it), so a real-data config never inherits the demo's indicators.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


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


rule all:
    default_target: True
    input:
        final_targets(),
        did_targets(),
