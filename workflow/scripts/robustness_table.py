"""Rule robustness_table: each named check's core coefficient, from its baseline table."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.robustness import robustness_table

to_file(snakemake.log[0])
results = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
robustness_table(results, snakemake.params.terms).to_parquet(snakemake.output[0], index=False)
