"""Rule tfp_checks: industrial TFP + capital -> quality/tfp_checks.parquet (the gate rule acts on it)."""

import pandas as pd

from imtfp.checks import log_results
from imtfp.logs import to_file
from imtfp.tfp import industry_checks

log = to_file(snakemake.log[0])
results = industry_checks(
    pd.read_parquet(snakemake.input.tfp),
    pd.read_parquet(snakemake.input.capital),
    snakemake.params.spec,
)
results.to_parquet(snakemake.output[0], index=False)
log_results(results, log)
