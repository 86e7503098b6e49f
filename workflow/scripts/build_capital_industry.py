"""Rule build_capital_industry: the long series -> industrial capital stock (imtfp.tfp.industry)."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.tfp import industry_capital

log = to_file(snakemake.log[0])
capital = industry_capital(pd.read_parquet(snakemake.input[0]), snakemake.params.spec)
capital.to_parquet(snakemake.output[0], index=False)
log.info("industrial capital stock %s", capital.shape)
