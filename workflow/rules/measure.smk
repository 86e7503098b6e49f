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
