"""Rule plausibility_checks: panel -> data/derived/quality/checks.parquet (the gate rule acts on it)."""

import pandas as pd

from imtfp.checks import run_checks
from imtfp.logs import to_file

log = to_file(snakemake.log[0])
panel, imputed = pd.read_parquet(snakemake.input.panel), pd.read_parquet(snakemake.input.imputed)
results = run_checks(panel, snakemake.params.spec, imputed=imputed)  # published cells only
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
