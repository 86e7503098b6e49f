# analysis frame -> tidy model results: baseline, inference, mediation, heterogeneity, IV, threshold.


rule estimate:
    input:
        "data/derived/{variant}measure/analysis.parquet",
    output:
        "data/derived/{variant}models/{model}.parquet",
    log:
        "logs/{variant}models/{model}.log",
    wildcard_constraints:
        model="baseline|inference|mediation|heterogeneity|iv|threshold",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=models_spec,
        seed=config["seed"],
    script:
        "../scripts/estimate.py"


# falsification and sensitivity (models.falsification): leads, randomisation inference, placebo
# outcomes, province trends, Oster bounds.
rule falsification:
    input:
        "data/derived/{variant}measure/analysis.parquet",
    output:
        "data/derived/{variant}models/falsification.parquet",
    log:
        "logs/{variant}models/falsification.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=models_spec,
        seed=config["seed"],
    script:
        "../scripts/falsification.py"
