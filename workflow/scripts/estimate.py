"""Rule estimate: analysis frame -> tidy results of one model (imtfp.models.stages.estimate_<model>),
with each column's number of clusters, periods and wild cluster bootstrap p added.

``models.transforms`` (logs, winsorising; a named check may set them) are applied first."""

from imtfp.analysis import read_model_frame
from imtfp.core.vcov import inference_limits
from imtfp.logs import to_file
from imtfp.models import stages
from imtfp.models.clusters import WILD_STAGES, annotate_inference
from imtfp.models.falsification import apply_transforms

log = to_file(snakemake.log[0])
model, spec, seed = snakemake.wildcards.model, snakemake.params.spec, snakemake.params.seed
frame = read_model_frame(snakemake.input[0], spec)  # only the columns the spec names
panel = apply_transforms(frame, spec)
with inference_limits(spec):  # models.min_clusters / few_clusters / dk_* (issue 16)
    tidy = stages.ESTIMATORS[model](panel, spec, seed=seed)
    tidy = annotate_inference(tidy, panel, spec, seed=seed, wild=model in WILD_STAGES)
tidy.to_parquet(snakemake.output[0], index=False)
log.info("%s: %d rows", model, len(tidy))
