"""Rule estimate: analysis frame -> tidy results of one model (imtfp.models.stages.estimate_<model>)."""

import pandas as pd

from imtfp.core.vcov import inference_limits
from imtfp.logs import to_file
from imtfp.models import stages

log = to_file(snakemake.log[0])
estimator = stages.ESTIMATORS[snakemake.wildcards.model]
with inference_limits(snakemake.params.spec):  # models.min_clusters / few_clusters / dk_* (issue 16)
    tidy = estimator(pd.read_parquet(snakemake.input[0]), snakemake.params.spec, seed=snakemake.params.seed)
tidy.to_parquet(snakemake.output[0], index=False)
log.info("%s: %d rows", snakemake.wildcards.model, len(tidy))
