"""Rule build_tfp: panel + capital -> one TFP column per configured method."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.tfp import build_tfp

log = to_file(snakemake.log[0])
tfp = build_tfp(
    pd.read_parquet(snakemake.input.panel),
    pd.read_parquet(snakemake.input.capital),
    snakemake.params.spec,
)
tfp.to_parquet(snakemake.output[0], index=False)
log.info("tfp %s", tfp.shape)
