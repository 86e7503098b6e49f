# panel -> plausibility checks (quality/checks.parquet), then the gate: a `fail` stops the run before
# any measure (measures depend on quality/checks.passed), while the quality report, which reads
# checks.parquet, can still show the failing cells.


rule plausibility_checks:
    input:
        panel="data/derived/{variant}panel/panel.parquet",
        imputed="data/derived/{variant}panel/imputed.parquet",
    output:
        "data/derived/{variant}quality/checks.parquet",
    log:
        "logs/{variant}quality/checks.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=checks_spec,
    script:
        "../scripts/plausibility_checks.py"


rule plausibility_gate:
    input:
        "data/derived/{variant}quality/checks.parquet",
    output:
        "data/derived/{variant}quality/checks.passed",
    log:
        "logs/{variant}quality/checks_gate.log",
    conda:
        "../envs/imtfp.yaml"
    script:
        "../scripts/plausibility_gate.py"
