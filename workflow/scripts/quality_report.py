"""Rule quality_report: warehouse + imputed cells + plausibility checks -> data/derived/quality/report.md."""

import pandas as pd

from imtfp.demo import wrote
from imtfp.logs import to_file
from imtfp.quality import quality_report
from imtfp.warehouse import load_warehouse

to_file(snakemake.log[0])  # also sets the report's language (report.language) for the messages
text = quality_report(
    load_warehouse(snakemake.input.warehouse),
    pd.read_parquet(snakemake.input.imputed),
    pd.read_parquet(snakemake.input.checks),
    simulated=wrote(snakemake.config["dataset"]["manifest"]),
)
with open(snakemake.output[0], "w", encoding="utf-8") as fh:
    fh.write(text)
