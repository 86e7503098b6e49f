"""Rule analysis_frame: panel + indices + coupling + TFP -> the frame every model reads."""

import pandas as pd

from imtfp.analysis import analysis_frame
from imtfp.logs import to_file

to_file(snakemake.log[0])
frames = {name: pd.read_parquet(path) for name, path in snakemake.input.items() if name != "gate"}
analysis_frame(**frames, drop_years=snakemake.params.drop_years).to_parquet(
    snakemake.output[0], index=False
)
