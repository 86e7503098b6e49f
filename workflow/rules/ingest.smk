# raw files -> warehouse (DuckDB) -> analysis panel, and the quality report.


rule ingest:
    input:
        raw_files(),
    output:
        "data/derived/warehouse.duckdb",
    log:
        "logs/ingest.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        dataset={**config["dataset"], "root": dataset_root()},
    script:
        "../scripts/ingest.py"


rule build_panel:
    input:
        "data/derived/warehouse.duckdb",
    output:
        panel="data/derived/{variant}panel/panel.parquet",
        imputed="data/derived/{variant}panel/imputed.parquet",
        series="data/derived/{variant}panel/series.parquet",
        rejected="data/derived/{variant}panel/rejected.parquet",
    log:
        "logs/{variant}panel/build_panel.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        spec=panel_spec,
        on_bad_cell=config["dataset"].get("on_bad_cell", "error"),
    script:
        "../scripts/build_panel.py"


rule quality_report:
    input:
        warehouse="data/derived/warehouse.duckdb",
        imputed="data/derived/panel/imputed.parquet",
        checks="data/derived/quality/checks.parquet",
    output:
        report("data/derived/quality/report.md", caption="../report/quality.rst", category="1 Data"),
    log:
        "logs/quality/quality_report.log",
    priority: 1  # before the checks' gate, so that a failing check still leaves the report to read
    conda:
        "../envs/imtfp.yaml"
    script:
        "../scripts/quality_report.py"
