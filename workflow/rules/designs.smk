# Causal designs (config `designs`): pilot list -> treatment timing -> estimation frame -> every DiD
# estimator -> tables and figures. A design-level check (`designs.<d>.checks.<c>`: an overlay of the
# design) runs through the same rules under designs/<d>/checks/<c>/; named robustness checks that touch
# `designs` or `panel` re-run the designs under robustness/<name>/ like every other stage.

from pathlib import Path

import imtfp.config


wildcard_constraints:
    design="[A-Za-z0-9_]+",
    dcheck="(checks/[A-Za-z0-9_]+/)?",


def design_root():
    """Folder the designs' file paths are relative to: the dataset root, else the manifest's folder."""
    return Path(dataset_root() or Path(config["dataset"]["manifest"]).parent)


def design_of(wildcards):
    """The design's spec in this variant, with the design-level check's overlay merged on."""
    spec = dict(variant_config(wildcards)["designs"][wildcards.design])
    checks = spec.pop("checks", {}) or {}
    if wildcards.dcheck:
        spec = imtfp.config.merge(spec, checks[wildcards.dcheck.split("/")[1]])
    return spec


def design_timing_inputs(wildcards):
    spec = design_of(wildcards)
    paths = {"pilots": str(design_root() / spec["pilots"])}
    if spec.get("outcome_data"):
        paths["external"] = str(design_root() / spec["outcome_data"])
    return paths


def design_frame_inputs(wildcards):
    spec = design_of(wildcards)
    base = f"data/derived/{wildcards.variant}designs/{wildcards.design}/{wildcards.dcheck}"
    paths = {"timing": base + "timing.parquet"}
    if spec["level"] == "province":
        paths["analysis"] = f"data/derived/{wildcards.variant}measure/analysis.parquet"
    if spec.get("outcome_data"):
        paths["external"] = str(design_root() / spec["outcome_data"])
    return paths


DID_CHECK_SECTIONS = {"province": {"designs", "panel"}, "city": {"designs"}}


def did_check_summaries(wildcards):
    """Summaries of a design: baseline, its design-level checks, named checks touching it."""
    spec = config["designs"][wildcards.design]
    base = f"designs/{wildcards.design}/"
    paths = {"baseline": f"data/derived/{base}summary.parquet"}
    for name in spec.get("checks", {}) or {}:
        paths[name] = f"data/derived/{base}checks/{name}/summary.parquet"
    for name, overlay in config.get("robustness", {}).items():
        touched = set(overlay) & DID_CHECK_SECTIONS[spec["level"]]
        if "designs" in overlay and wildcards.design not in overlay["designs"]:
            touched.discard("designs")
        if touched:
            paths[name] = f"data/derived/robustness/{name}/{base}summary.parquet"
    return paths


def baseline_design(wildcards):
    return config["designs"][wildcards.design]


def did_targets():
    """Every DiD result, table and figure of the configured designs."""
    out = []
    exts = [".csv", *TABLE_EXTS]
    for d in config.get("designs", {}) or {}:
        out += [f"data/derived/designs/{d}/unmatched.csv", f"data/derived/robustness/did_multiverse/{d}.parquet"]
        for kind in ("results", "att_gt", "honest", "checks", "multiverse"):
            out += [f"data/derived/report/did/tables/did_{kind}_{d}{ext}" for ext in exts]
        for kind in ("event_study", "bacon"):
            out += [f"data/derived/report/did/figures/did_{kind}_{d}.{fmt}" for fmt in ("png", "pdf")]
    return out


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
            "data/derived/report/did/tables/did_{kind}_{design}.csv",
            caption="../report/did_table.rst",
            category="7 Causal designs",
            labels={"design": "{design}", "table": "{kind}"},
        ),
        multiext("data/derived/report/did/tables/did_{kind}_{design}", *TABLE_EXTS),
    log:
        "logs/report/did/tables/did_{kind}_{design}.log",
    conda:
        "../envs/imtfp.yaml"
    wildcard_constraints:
        kind="results|att_gt|honest|checks|multiverse",
    params:
        exhibit=exhibit_config(),
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
        "data/derived/report/did/figures/did_{kind}_{design}.pdf",
    log:
        "logs/report/did/figures/did_{kind}_{design}.log",
    conda:
        "../envs/imtfp.yaml"
    wildcard_constraints:
        kind="event_study|bacon",
    params:
        exhibit=exhibit_config(),
        simulated=data_source()["simulated"],
    script:
        "../scripts/did_figure.py"
