# analysis frame -> tidy results of every model of the registry (imtfp.models.registry.MODELS):
# baseline, inference, mediation, heterogeneity, IV, threshold, falsification.


rule estimate:
    input:
        "data/derived/{variant}measure/analysis.parquet",
    output:
        "data/derived/{variant}models/{model}.parquet",
    log:
        "logs/{variant}models/{model}.log",
    wildcard_constraints:
        model=ESTIMATE_WILDCARD,
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=models_spec,
        seed=config["seed"],
    script:
        "../scripts/estimate.py"
