"""Rule multiverse_collect: chunks -> all results in grid order and the specification-curve summary."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.robustness import collect_multiverse

log = to_file(snakemake.log[0])
chunks = [pd.read_parquet(path) for path in snakemake.input]
results, summary = collect_multiverse(chunks, snakemake.params.spec, truth=snakemake.params.truth)
results.to_parquet(snakemake.output.results, index=False)
summary.to_parquet(snakemake.output.summary, index=False)
log.info("%d specifications", len(results))
