# panel -> indices, coupling coordination, capital stock, TFP; and the analysis frame the models read.


rule build_index:
    input:
        "data/derived/panel/panel.parquet",
    output:
        index="data/derived/measure/index.parquet",
        weights="data/derived/measure/weights.parquet",
        coupling="data/derived/measure/coupling.parquet",
        obstacle="data/derived/measure/obstacle.parquet",
    log:
        "logs/measure/build_index.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=index_spec(),
    script:
        "../scripts/build_index.py"


rule build_capital:
    input:
        "data/derived/panel/series.parquet",
    output:
        "data/derived/measure/capital.parquet",
    log:
        "logs/measure/build_capital.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=config["tfp"],
    script:
        "../scripts/build_capital.py"


rule build_tfp:
    input:
        panel="data/derived/panel/panel.parquet",
        capital="data/derived/measure/capital.parquet",
    output:
        "data/derived/measure/tfp.parquet",
    log:
        "logs/measure/build_tfp.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=config["tfp"],
    script:
        "../scripts/build_tfp.py"


rule analysis_frame:
    input:
        panel="data/derived/panel/panel.parquet",
        index="data/derived/measure/index.parquet",
        coupling="data/derived/measure/coupling.parquet",
        tfp="data/derived/measure/tfp.parquet",
    output:
        "data/derived/measure/analysis.parquet",
    log:
        "logs/measure/analysis_frame.log",
    conda:
        "../envs/imtfp.yaml"
    script:
        "../scripts/analysis_frame.py"
