"""Rule did_multiverse: the design's frame -> overall ATT over the product of its design choices."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.models.did.stages import design_multiverse

log = to_file(snakemake.log[0])
specs = design_multiverse(pd.read_parquet(snakemake.input[0]), snakemake.params.spec,
                          design=snakemake.wildcards.design, seed=snakemake.params.seed)  # fmt: skip
specs.to_parquet(snakemake.output[0], index=False)
log.info("%d specifications", len(specs))
