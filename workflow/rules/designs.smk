# Causal designs (config `designs`): pilot list -> treatment timing -> estimation frame -> every DiD
# estimator -> tables and figures. A design-level check (`designs.<d>.checks.<c>`: an overlay of the
# design) runs through the same rules under designs/<d>/checks/<c>/; named robustness checks that touch
# `designs` or `panel` re-run the designs under robustness/<name>/ like every other stage.


wildcard_constraints:
    design="[A-Za-z0-9_]+",
    dcheck="(checks/[A-Za-z0-9_]+/)?",


rule did_timing:
    input:
        unpack(design_timing_inputs),
    output:
        timing="data/derived/{variant}designs/{design}/{dcheck}timing.parquet",
        unmatched=report(
            "data/derived/{variant}designs/{design}/{dcheck}unmatched.csv",
            caption="../report/did_unmatched.rst",
            category="7 Causal designs",
            labels={"design": "{design}", "file": "unmatched list entries{dcheck}"},
        ),
    log:
        "logs/{variant}designs/{design}/{dcheck}timing.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=design_of,
    script:
        "../scripts/did_timing.py"


rule did_frame:
    input:
        unpack(design_frame_inputs),
    output:
        "data/derived/{variant}designs/{design}/{dcheck}frame.parquet",
    log:
        "logs/{variant}designs/{design}/{dcheck}frame.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=design_of,
    script:
        "../scripts/did_frame.py"


rule did_estimate:
    input:
        "data/derived/{variant}designs/{design}/{dcheck}frame.parquet",
    output:
        results="data/derived/{variant}designs/{design}/{dcheck}results.parquet",
        att_gt="data/derived/{variant}designs/{design}/{dcheck}att_gt.parquet",
        bacon="data/derived/{variant}designs/{design}/{dcheck}bacon.parquet",
        honest="data/derived/{variant}designs/{design}/{dcheck}honest.parquet",
        summary="data/derived/{variant}designs/{design}/{dcheck}summary.parquet",
    log:
        "logs/{variant}designs/{design}/{dcheck}estimate.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=design_of,
        seed=config["seed"],
    script:
        "../scripts/did_estimate.py"


rule did_multiverse:
    input:
        "data/derived/designs/{design}/frame.parquet",
    output:
        "data/derived/robustness/did_multiverse/{design}.parquet",
    log:
        "logs/robustness/did_multiverse/{design}.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=baseline_design,
        seed=config["seed"],
    script:
        "../scripts/did_multiverse.py"


rule did_checks:
    input:
        unpack(did_check_summaries),
    output:
        "data/derived/robustness/did_checks/{design}.parquet",
    log:
        "logs/robustness/did_checks/{design}.log",
    conda:
        "../envs/imtfp.yaml"
    script:
        "../scripts/did_checks.py"


rule did_table:
    input:
        summary="data/derived/designs/{design}/summary.parquet",
        att_gt="data/derived/designs/{design}/att_gt.parquet",
        honest="data/derived/designs/{design}/honest.parquet",
        checks="data/derived/robustness/did_checks/{design}.parquet",
        multiverse="data/derived/robustness/did_multiverse/{design}.parquet",
    output:
        report(
            f"data/derived/report/did/tables/{TABLE_LANGUAGES[0]}/did_{{kind}}_{{design}}.csv",
            caption="../report/did_table.rst",
            category="7 Causal designs",
            labels={"design": "{design}", "table": "{kind}"},
        ),
        language_files("data/derived/report/did/tables", "did_{kind}_{design}"),
    log:
        "logs/report/did/tables/did_{kind}_{design}.log",
    wildcard_constraints:
        kind="|".join(MODELS["did"].tables),
    conda:
        "../envs/imtfp.yaml"
    params:
        exhibit=did_exhibit_config(),
        config_hash=config_hash(config),
        source=data_source(),
    script:
        "../scripts/did_table.py"


rule did_figure:
    input:
        results="data/derived/designs/{design}/results.parquet",
        bacon="data/derived/designs/{design}/bacon.parquet",
    output:
        report(
            "data/derived/report/did/figures/did_{kind}_{design}.png",
            caption="../report/did_figure.rst",
            category="7 Causal designs",
            labels={"design": "{design}", "figure": "{kind}"},
        ),
        expand("data/derived/report/did/figures/did_{{kind}}_{{design}}{ext}", ext=FIGURE_EXTS),
    log:
        "logs/report/did/figures/did_{kind}_{design}.log",
    wildcard_constraints:
        kind="|".join(MODELS["did"].figures),
    conda:
        "../envs/imtfp.yaml"
    params:
        exhibit=exhibit_config(),
        simulated=data_source()["simulated"],
    script:
        "../scripts/did_figure.py"
