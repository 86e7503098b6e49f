"""Rule estimate: analysis frame -> tidy results of one model (imtfp.models.stages.<model>_table)."""

from imtfp.analysis import read_model_frame
from imtfp.logs import to_file
from imtfp.models import stages

log = to_file(snakemake.log[0])
estimator = getattr(stages, f"{snakemake.wildcards.model}_table")
frame = read_model_frame(snakemake.input[0], snakemake.params.spec)  # only the columns the spec names
tidy = estimator(frame, snakemake.params.spec, seed=snakemake.params.seed)
tidy.to_parquet(snakemake.output[0], index=False)
log.info("%s: %d rows", snakemake.wildcards.model, len(tidy))
