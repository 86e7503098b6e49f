"""Rule estimate: analysis frame -> tidy results of one model of the registry
(imtfp.models.stages.estimate_model: its stage, with each column's number of clusters, periods and
wild cluster bootstrap p added, after ``models.transforms``)."""

from imtfp.analysis import read_model_frame
from imtfp.logs import to_file
from imtfp.models.stages import estimate_model

log = to_file(snakemake.log[0])
model, spec = snakemake.wildcards.model, snakemake.params.spec
frame = read_model_frame(snakemake.input[0], spec)  # only the columns the spec names
tidy = estimate_model(model, frame, spec, seed=snakemake.params.seed)
tidy.to_parquet(snakemake.output[0], index=False)
log.info("%s: %d rows", model, len(tidy))
