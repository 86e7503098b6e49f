"""Rule tfp_checks: industrial TFP + capital -> quality/tfp_checks.parquet (the gate rule acts on it)."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.tfp import industry_checks

log = to_file(snakemake.log[0])
results = industry_checks(
    pd.read_parquet(snakemake.input.tfp),
    pd.read_parquet(snakemake.input.capital),
    snakemake.params.spec,
)
results.to_parquet(snakemake.output[0], index=False)
for row in results.itertuples(index=False):
    (log.warning if row.status != "pass" else log.info)(
        "%s %s on %s: %d cells. %s %s",
        row.status,
        row.check,
        row.indicator,
        row.n_cells,
        row.detail,
        row.cells,
    )
