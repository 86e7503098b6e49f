# stored results -> tables (tex/docx/md/csv), figures (png/pdf), the output manifest.

from imtfp.report.stage import config_hash


rule table:
    input:
        unpack(table_inputs),
    output:
        report(
            f"data/derived/report/tables/{TABLE_LANGUAGES[0]}/{{table}}.csv",
            caption="../report/table.rst",
            category="5 Tables",
            labels={"table": "{table}"},
        ),
        language_files("data/derived/report/tables", "{table}"),
    log:
        "logs/report/tables/{table}.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        # the whole validated config: the robustness table labels each check from its resolved
        # config, and the provenance (note or file) names the hash of the whole config of the run
        exhibit=config,
        config_hash=config_hash(config),
        source=data_source(),
    script:
        "../scripts/table.py"


rule provenance:
    input:
        manifest=config["dataset"]["manifest"],
    output:
        "data/derived/report/provenance.md",
        "data/derived/report/provenance.docx",
    log:
        "logs/report/provenance.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        exhibit=exhibit_config(),
        config_hash=config_hash(config),
        source=data_source(),
    script:
        "../scripts/provenance.py"


rule figure:
    input:
        unpack(figure_inputs),
    output:
        report(
            "data/derived/report/figures/{figure}.png",
            caption="../report/figure.rst",
            category="6 Figures",
            labels={"figure": "{figure}"},
        ),
        expand("data/derived/report/figures/{{figure}}{ext}", ext=FIGURE_EXTS),
    log:
        "logs/report/figures/{figure}.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        exhibit=exhibit_config(),
        simulated=data_source()["simulated"],
    script:
        "../scripts/figure.py"


rule output_manifest:
    input:
        exhibits(),
    output:
        "data/derived/manifest.json",
    log:
        "logs/report/output_manifest.log",
    conda:
        "../envs/imtfp.yaml"
    script:
        "../scripts/output_manifest.py"
