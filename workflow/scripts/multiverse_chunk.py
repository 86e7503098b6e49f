"""Rule multiverse_chunk: one chunk of the specification grid through the vectorised engine."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.robustness import multiverse_chunk

log = to_file(snakemake.log[0])
out = multiverse_chunk(
    pd.read_parquet(snakemake.input.analysis),
    pd.read_parquet(snakemake.input.measures),
    snakemake.params.spec,
    chunk=int(snakemake.wildcards.chunk),
    seed=snakemake.params.seed,
)
out.to_parquet(snakemake.output[0], index=False)
log.info("chunk %s: %d specifications", snakemake.wildcards.chunk, len(out))
