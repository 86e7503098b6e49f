"""Rule did_frame: timing + outcomes (analysis frame and/or outcome file) -> the design's frame."""

import pandas as pd

from imtfp.ingest.designs import read_outcome_data
from imtfp.logs import to_file
from imtfp.models.did.stages import design_frame

log = to_file(snakemake.log[0])
spec, inp = snakemake.params.spec, snakemake.input
analysis = pd.read_parquet(inp.analysis) if "analysis" in inp.keys() else None
external = read_outcome_data(inp.external, spec) if "external" in inp.keys() else None
frame = design_frame(pd.read_parquet(inp.timing), spec, analysis=analysis, external=external)
frame.to_parquet(snakemake.output[0], index=False)
log.info(
    "frame: %d rows, %d treated units",
    len(frame),
    frame.loc[frame.first_treated > 0].iloc[:, 0].nunique(),
)
