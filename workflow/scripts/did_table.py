"""Rule did_table: stored DiD results -> one publication table in every language and format."""

from pathlib import Path

import pandas as pd

from imtfp.logs import to_file
from imtfp.report.publish import publish_did_table
from imtfp.report.stage import provenance

to_file(snakemake.log[0])
cfg, src = snakemake.params.exhibit, snakemake.params.source
inputs = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
prov = provenance(
    cfg, source=src["source"], vintage=src["vintage"], config_hash_=snakemake.params.config_hash
)
folder = Path(snakemake.output[0]).parent.parent  # <folder>/<first language>/<table>.csv
publish_did_table(snakemake.wildcards.kind, inputs, cfg, folder,
                  design=snakemake.wildcards.design, prov=prov, simulated=src["simulated"])  # fmt: skip
