"""Rule falsification: analysis frame -> leads, randomisation inference, placebo outcomes,
province trends and Oster bounds (imtfp.models.falsification.falsification_tests)."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.models.clusters import annotate_inference
from imtfp.models.falsification import apply_transforms, falsification_tests

log = to_file(snakemake.log[0])
spec, seed = snakemake.params.spec, snakemake.params.seed
panel = apply_transforms(pd.read_parquet(snakemake.input[0]), spec)
tidy = annotate_inference(
    falsification_tests(panel, spec, seed=seed), panel, spec, seed=seed, wild=False
)
tidy.to_parquet(snakemake.output[0], index=False)
log.info("falsification: %d rows", len(tidy))
