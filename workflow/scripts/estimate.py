"""Rule estimate: analysis frame -> tidy results of one model (imtfp.models.stages.<model>_table),
with each column's number of clusters, periods and wild cluster bootstrap p added."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.models import stages
from imtfp.models.clusters import WILD_STAGES, annotate_inference

log = to_file(snakemake.log[0])
model, spec, seed = snakemake.wildcards.model, snakemake.params.spec, snakemake.params.seed
panel = pd.read_parquet(snakemake.input[0])
tidy = getattr(stages, f"{model}_table")(panel, spec, seed=seed)
tidy = annotate_inference(tidy, panel, spec, seed=seed, wild=model in WILD_STAGES)
tidy.to_parquet(snakemake.output[0], index=False)
log.info("%s: %d rows", model, len(tidy))
