# Batches: several jobs of the rules above, run in one process (workflow/scripts/batch.py).
#
# A rule above describes one unit of work (its inputs, params, log and script) and stays the one
# definition of it. Most units take a fraction of a second, while a job of its own pays an
# interpreter start-up and the imports of pandas, scipy and imtfp: about 1 s of CPU, half the CPU
# of a demo run when every unit was a job. A batch rule takes the jobs of those rules that make its
# targets (batch_steps resolves them from the rules when the DAG is built: inputs, params, log,
# wildcards) and runs their scripts one after the other in one process, each with what it would
# get as a job of its own, so every file and log is that of the single job. The batch's params
# are those steps, so a change of any step's params (or of its script) reruns the batch, and
# nothing else does: a report option is a param of the report jobs only.
#
# Where a batch makes a file one of the rules above could make, Snakemake takes the batch
# (`ruleorder`, set by batch_first for every rule a batch runs). A rule above can still run as a
# job of its own (`--allowed-rules table`, say), with the same result.

# ---- the baseline's panel and measures: the critical path of every run --------------------------

# Ingest, the panel and its plausibility checks; the quality report (which must be written even
# when a check fails) and the checks' gate stay outside.
PANEL_STEPS = batch_steps(
    ("data/derived/panel/panel.parquet", "data/derived/quality/checks.parquet"), derived
)


# Everything the baseline's analysis frame needs after the panel (the checks' gate, indices,
# capital stock, TFP), and the multiverse's alternative regressors, which read the same panel.
MEASURE_STEPS = batch_steps(
    (
        "data/derived/measure/analysis.parquet",
        *(
            ["data/derived/robustness/multiverse/measures.parquet"]
            if config.get("multiverse")
            else []
        ),
    ),
    after(PANEL_STEPS),
)


rule panel:
    input:
        batch_inputs(PANEL_STEPS),
    output:
        step_files(PANEL_STEPS, "output"),
    log:
        "logs/batch/panel.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        steps=steps_param(PANEL_STEPS),
        digest=digest(PANEL_STEPS),
    script:
        "../scripts/batch.py"


batch_first("panel", PANEL_STEPS)


rule measures:
    input:
        batch_inputs(MEASURE_STEPS),
    output:
        step_files(MEASURE_STEPS, "output"),
    log:
        "logs/batch/measures.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        steps=steps_param(MEASURE_STEPS),
        digest=digest(MEASURE_STEPS),
    script:
        "../scripts/batch.py"


batch_first("measures", MEASURE_STEPS)


# ---- every model of the baseline (rule estimate, one Parquet file and log each) ----------------

MODEL_STEPS = batch_steps(tuple(f"data/derived/models/{m}.parquet" for m in model_tables()), never)


rule models:
    input:
        batch_inputs(MODEL_STEPS),
    output:
        step_files(MODEL_STEPS, "output"),
    log:
        "logs/batch/models.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        steps=steps_param(MODEL_STEPS),
        digest=digest(MODEL_STEPS),
    script:
        "../scripts/batch.py"


batch_first("models", MODEL_STEPS)


# ---- one named robustness check: the stages its overlay touches, and its baseline model ---------


rule check:
    input:
        lambda wildcards: batch_inputs(check_steps(wildcards)),
    output:
        "data/derived/robustness/{check}/measure/analysis.parquet",
        "data/derived/robustness/{check}/models/baseline.parquet",
    log:
        "logs/robustness/{check}/check.log",
    wildcard_constraints:
        check="[A-Za-z0-9_]+",
    conda:
        "../envs/imtfp.yaml"
    params:
        steps=steps_param(check_steps),
        digest=lambda wildcards: digest(check_steps(wildcards)),
    script:
        "../scripts/batch.py"


ruleorder: check > analysis_frame
ruleorder: check > estimate


# ---- one causal design in one variant: timing, frame, every estimator ---------------------------


rule did:
    input:
        lambda wildcards: batch_inputs(did_steps(wildcards)),
    output:
        timing=f"{DID_FOLDER}timing.parquet",
        unmatched=report(
            f"{DID_FOLDER}unmatched.csv",
            caption="../report/did_unmatched.rst",
            category="7 Causal designs",
            labels={"design": "{design}", "file": "unmatched list entries{dcheck}"},
        ),
        frame=f"{DID_FOLDER}frame.parquet",
        results=f"{DID_FOLDER}results.parquet",
        att_gt=f"{DID_FOLDER}att_gt.parquet",
        bacon=f"{DID_FOLDER}bacon.parquet",
        honest=f"{DID_FOLDER}honest.parquet",
        summary=f"{DID_FOLDER}summary.parquet",
    log:
        "logs/{variant}designs/{design}/{dcheck}did.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        steps=steps_param(did_steps),
        digest=lambda wildcards: digest(did_steps(wildcards)),
    script:
        "../scripts/batch.py"


ruleorder: did > did_timing
ruleorder: did > did_frame
ruleorder: did > did_estimate


# ---- every table, every figure (the report: the only jobs a report option reruns) ---------------

TABLE_STEPS = batch_steps(tuple(table_files()), never)
FIGURE_STEPS = batch_steps(tuple(figure_files()), never)


rule tables:
    input:
        batch_inputs(TABLE_STEPS),
    output:
        [
            report(
                f"data/derived/report/tables/{TABLE_LANGUAGES[0]}/{t}.csv",
                caption="../report/table.rst",
                category="5 Tables",
                labels={"table": t},
            )
            for t in report_tables()
        ],
        [
            report(
                f"data/derived/report/did/tables/{TABLE_LANGUAGES[0]}/did_{kind}_{d}.csv",
                caption="../report/did_table.rst",
                category="7 Causal designs",
                labels={"design": d, "table": kind},
            )
            for d in designs()
            for kind in MODELS["did"].tables
        ],
        [f for f in table_files() if f not in first_language_csvs()],
    log:
        "logs/batch/tables.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        steps=steps_param(TABLE_STEPS),
        digest=digest(TABLE_STEPS),
    script:
        "../scripts/batch.py"


batch_first("tables", TABLE_STEPS)


rule figures:
    input:
        batch_inputs(FIGURE_STEPS),
    output:
        [
            report(
                f"data/derived/report/figures/{f}.png",
                caption="../report/figure.rst",
                category="6 Figures",
                labels={"figure": f},
            )
            for f in report_figures()
        ],
        [
            report(
                f"data/derived/report/did/figures/did_{kind}_{d}.png",
                caption="../report/did_figure.rst",
                category="7 Causal designs",
                labels={"design": d, "figure": kind},
            )
            for d in designs()
            for kind in MODELS["did"].figures
        ],
        [f for f in figure_files() if not f.endswith(".png")],
    log:
        "logs/batch/figures.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        steps=steps_param(FIGURE_STEPS),
        digest=digest(FIGURE_STEPS),
    script:
        "../scripts/batch.py"


batch_first("figures", FIGURE_STEPS)
