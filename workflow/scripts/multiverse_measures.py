"""Rule multiverse_measures: the regressor rebuilt under each alternative index / coupling choice."""

import pandas as pd

from imtfp.index.variants import measure_variants
from imtfp.logs import to_file

to_file(snakemake.log[0])
panel = pd.read_parquet(snakemake.input[0])
measure_variants(panel, snakemake.params.spec, snakemake.params.variants).to_parquet(
    snakemake.output[0], index=False
)
