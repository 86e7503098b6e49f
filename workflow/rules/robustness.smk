# Named checks (the same rules under robustness/<name>/) and the multiverse, one job per chunk.


rule robustness_table:
    input:
        unpack(robustness_inputs),
    output:
        "data/derived/robustness/checks.parquet",
    log:
        "logs/robustness/checks.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        terms=robustness_terms(),
    script:
        "../scripts/robustness_table.py"


rule multiverse_measures:
    input:
        "data/derived/panel/panel.parquet",
    output:
        "data/derived/robustness/multiverse/measures.parquet",
    log:
        "logs/robustness/multiverse/measures.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec={**config["index"], "coupling": config.get("coupling", {})},
        variants=config.get("multiverse", {}).get("measures", {}),
    script:
        "../scripts/multiverse_measures.py"


rule multiverse_chunk:
    input:
        analysis="data/derived/measure/analysis.parquet",
        measures="data/derived/robustness/multiverse/measures.parquet",
    output:
        "data/derived/robustness/multiverse/chunks/{chunk}.parquet",
    log:
        "logs/robustness/multiverse/chunks/{chunk}.log",
    wildcard_constraints:
        chunk=r"\d+",
    conda:
        "../envs/imtfp.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=config.get("multiverse"),
        seed=config["seed"],
    script:
        "../scripts/multiverse_chunk.py"


rule multiverse_collect:
    input:
        chunks=multiverse_chunks(),
        analysis="data/derived/measure/analysis.parquet",
        measures="data/derived/robustness/multiverse/measures.parquet",
    output:
        results="data/derived/robustness/multiverse/results.parquet",
        summary="data/derived/robustness/multiverse/summary.parquet",
        by_outcome="data/derived/robustness/multiverse/summary_by_outcome.parquet",
    log:
        "logs/robustness/multiverse/collect.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=config.get("multiverse"),
        truth=simulated_truth(),
    script:
        "../scripts/multiverse_collect.py"
