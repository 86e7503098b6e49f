"""Rule build_capital: GFCF and the investment price index (all observed years) -> capital stock."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.tfp import build_capital

log = to_file(snakemake.log[0])
series = pd.read_parquet(snakemake.input[0]).rename(columns={"gfcf": "invest", "invest_price": "price"})
capital = build_capital(series.dropna(subset=["invest", "price"]), snakemake.params.spec)
capital.to_parquet(snakemake.output[0], index=False)
log.info("capital stock %s", capital.shape)
