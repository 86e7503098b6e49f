# panel -> indices, coupling coordination, capital stock, TFP; and the analysis frame the models read.


rule build_index:
    input:
        stage_input("panel", "panel/panel.parquet"),
        checks=stage_input("panel", "quality/checks.passed"),
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
        spec=index_spec,
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


rule build_tfp:
    input:
        panel=stage_input("panel", "panel/panel.parquet"),
        capital=stage_input("tfp", "measure/capital.parquet"),
    output:
        "data/derived/{variant}measure/tfp.parquet",
    log:
        "logs/{variant}measure/build_tfp.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=tfp_spec,
    script:
        "../scripts/build_tfp.py"


rule analysis_frame:
    input:
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
