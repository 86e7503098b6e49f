# panel -> indices, coupling coordination, capital stock, TFP; and the analysis frame the models read.
#
# TFP chains (tfp.chains): the whole economy (build_capital -> measure/capital.parquet) and industry
# (build_capital_industry -> measure/capital_industry.parquet); build_tfp writes the columns of every chain
# selected, and the industrial chain's checks (tfp.industry.checks) gate the analysis frame.


rule build_index:
    input:
        stage_input("panel", "panel/panel.parquet"),
        checks=stage_input("panel", "quality/checks.passed"),
        imputed=stage_input("panel", "panel/imputed.parquet"),
    output:
        index="data/derived/{variant}measure/index.parquet",
        weights="data/derived/{variant}measure/weights.parquet",
        coupling="data/derived/{variant}measure/coupling.parquet",
        obstacle="data/derived/{variant}measure/obstacle.parquet",
    log:
        "logs/{variant}measure/build_index.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=index_spec_with_sources,
    script:
        "../scripts/build_index.py"


rule build_capital:
    input:
        stage_input("panel", "panel/series.parquet"),
        checks=stage_input("panel", "quality/checks.passed"),
    output:
        "data/derived/{variant}measure/capital.parquet",
    log:
        "logs/{variant}measure/build_capital.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=tfp_spec,
    script:
        "../scripts/build_capital.py"


rule build_capital_industry:
    input:
        stage_input("panel", "panel/series.parquet"),
        checks=stage_input("panel", "quality/checks.passed"),
    output:
        "data/derived/{variant}measure/capital_industry.parquet",
    log:
        "logs/{variant}measure/build_capital_industry.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=tfp_spec,
    script:
        "../scripts/build_capital_industry.py"


rule build_tfp:
    input:
        unpack(tfp_capital_inputs),
        panel=stage_input("panel", "panel/panel.parquet"),
    output:
        tfp="data/derived/{variant}measure/tfp.parquet",
        elasticities="data/derived/{variant}measure/tfp_elasticities.parquet",
    log:
        "logs/{variant}measure/build_tfp.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=tfp_spec,
    script:
        "../scripts/build_tfp.py"


rule tfp_checks:
    input:
        tfp="data/derived/{variant}measure/tfp.parquet",
        capital="data/derived/{variant}measure/capital_industry.parquet",
    output:
        "data/derived/{variant}quality/tfp_checks.parquet",
    log:
        "logs/{variant}quality/tfp_checks.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=tfp_spec,
    script:
        "../scripts/tfp_checks.py"


rule tfp_checks_gate:
    input:
        "data/derived/{variant}quality/tfp_checks.parquet",
    output:
        "data/derived/{variant}quality/tfp_checks.passed",
    log:
        "logs/{variant}quality/tfp_checks_gate.log",
    conda:
        "../envs/imtfp.yaml"
    script:
        "../scripts/plausibility_gate.py"


rule analysis_frame:
    input:
        gate=tfp_gate,
        panel=stage_input("panel", "panel/panel.parquet"),
        index=stage_input("index", "measure/index.parquet"),
        coupling=stage_input("index", "measure/coupling.parquet"),
        tfp=stage_input("tfp", "measure/tfp.parquet"),
    output:
        "data/derived/{variant}measure/analysis.parquet",
    log:
        "logs/{variant}measure/analysis_frame.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        drop_years=drop_years,
    script:
        "../scripts/analysis_frame.py"
