"""Rule multiverse_collect: chunks -> all results in grid order (with β per within-SD of x and y),
the headline specification-curve summary and the summary by outcome."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.robustness import KEY, collect_multiverse

log = to_file(snakemake.log[0])
chunks = [pd.read_parquet(path) for path in snakemake.input.chunks]
data = pd.read_parquet(snakemake.input.analysis).merge(
    pd.read_parquet(snakemake.input.measures), on=KEY, how="left", validate="one_to_one"
)
results, summary, by_outcome = collect_multiverse(
    chunks, snakemake.params.spec, truth=snakemake.params.truth, data=data
)
results.to_parquet(snakemake.output.results, index=False)
summary.to_parquet(snakemake.output.summary, index=False)
by_outcome.to_parquet(snakemake.output.by_outcome, index=False)
log.info("%d specifications, %d outcomes", len(results), len(by_outcome))
