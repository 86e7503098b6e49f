"""Rule quality_report: warehouse + imputed cells + plausibility checks -> data/derived/quality/report.md."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.quality import quality_report
from imtfp.warehouse import load_warehouse

to_file(snakemake.log[0])
text = quality_report(
    load_warehouse(snakemake.input.warehouse),
    pd.read_parquet(snakemake.input.imputed),
    pd.read_parquet(snakemake.input.checks),
)
with open(snakemake.output[0], "w", encoding="utf-8") as fh:
    fh.write(text)
