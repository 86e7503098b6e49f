"""Rule build_capital: GFCF and the investment price index (all observed years) -> capital stock."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.tfp import capital_from_series

log = to_file(snakemake.log[0])
capital = capital_from_series(pd.read_parquet(snakemake.input[0]), snakemake.params.spec)
capital.to_parquet(snakemake.output[0], index=False)
log.info("capital stock %s", capital.shape)
