"""Rule plausibility_checks: panel -> data/derived/quality/checks.parquet (the gate rule acts on it)."""

import pandas as pd

from imtfp.checks import log_results, run_checks
from imtfp.logs import to_file

log = to_file(snakemake.log[0])
panel, imputed = pd.read_parquet(snakemake.input.panel), pd.read_parquet(snakemake.input.imputed)
results = run_checks(panel, snakemake.params.spec, imputed=imputed)  # published cells only
results.to_parquet(snakemake.output[0], index=False)
log_results(results, log)
