"""Rule table: stored results -> one publication table in every configured language and format."""

from pathlib import Path

import pandas as pd

from imtfp.logs import to_file
from imtfp.report.publish import publish_table
from imtfp.report.stage import provenance

to_file(snakemake.log[0])
cfg, src = snakemake.params.exhibit, snakemake.params.source
inputs = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
prov = provenance(
    cfg, source=src["source"], vintage=src["vintage"], config_hash_=snakemake.params.config_hash
)
# output[0] is <folder>/<first language>/<table>.csv: every language is written under <folder>
folder = Path(snakemake.output[0]).parent.parent
publish_table(snakemake.wildcards.table, inputs, cfg, folder, prov=prov, simulated=src["simulated"])
