# the analysis panel -> Stata (.dta) and Excel (.xlsx, with a sheet per table). `make export`.


rule export_panel:
    input:
        panel="data/derived/measure/analysis.parquet",
        tables=expand(
            "data/derived/report/tables/{lang}/{table}.csv",
            lang=TABLE_LANGUAGES[0],
            table=report_tables(),
        ),
    output:
        dta="data/derived/export/panel.dta",
        xlsx="data/derived/export/panel.xlsx",
    log:
        "logs/export/export_panel.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        exhibit=exhibit_config(),
    script:
        "../scripts/export_panel.py"
