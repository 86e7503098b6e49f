"""Rule did_checks: summaries of the baseline and of every check of a design -> one table."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.models.did.stages import design_checks

to_file(snakemake.log[0])
summaries = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
design_checks(summaries).to_parquet(snakemake.output[0], index=False)
