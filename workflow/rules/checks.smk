# panel -> plausibility checks (quality/checks.parquet); a `fail` stops the run before any measure.


rule plausibility_checks:
    input:
        "data/derived/{variant}panel/panel.parquet",
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
