"""Rule export_panel: analysis frame (+ the tables' CSVs) -> panel.dta and panel.xlsx."""

from pathlib import Path

import pandas as pd

from imtfp.export import export_panel
from imtfp.logs import to_file
from imtfp.report.stage import report_options

log = to_file(snakemake.log[0])
tables = {Path(p).stem: p for p in snakemake.input.tables}
options, labels = report_options(snakemake.params.exhibit)  # catalog with report.variable_labels
export_panel(
    pd.read_parquet(snakemake.input.panel),
    dta=snakemake.output.dta,
    xlsx=snakemake.output.xlsx,
    tables=tables,
    language=options.language,  # the first of report.languages, as the tables it holds
    labels=labels,
)
log.info("panel exported with %d table sheets", len(tables))
