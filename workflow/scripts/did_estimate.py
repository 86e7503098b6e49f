"""Rule did_estimate: the design's frame -> every DiD estimator on every outcome (tidy frames)."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.models.did.stages import design_results

log = to_file(snakemake.log[0])
frames = design_results(pd.read_parquet(snakemake.input[0]), snakemake.params.spec,
                        design=snakemake.wildcards.design, seed=snakemake.params.seed)  # fmt: skip
for name, frame in frames.items():
    frame.to_parquet(snakemake.output[name], index=False)
log.info(
    "%s", frames["summary"][["outcome", "estimator", "att", "se", "pretrend_p", "ri_p"]].to_string()
)
