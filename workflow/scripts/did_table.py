"""Rule did_table: stored DiD results -> one publication table in every configured format."""

from pathlib import Path

import pandas as pd

from imtfp.logs import to_file
from imtfp.report import write_table
from imtfp.report.did import did_table
from imtfp.report.stage import provenance, report_options

to_file(snakemake.log[0])
cfg, src = snakemake.params.exhibit, snakemake.params.source
inputs = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
prov = provenance(
    cfg, source=src["source"], vintage=src["vintage"], config_hash_=snakemake.params.config_hash
)
table = did_table(snakemake.wildcards.kind, inputs, cfg, design=snakemake.wildcards.design, prov=prov,
                  simulated=src["simulated"])  # fmt: skip
options, _ = report_options(cfg)
formats = tuple(dict.fromkeys(["csv", *options.formats]))
write_table(table, Path(snakemake.output[0]).with_suffix(""), formats, options=options)
