"""Rule did_figure: stored DiD results -> the event-study figure or the Bacon scatter (PNG and report.figure_formats)."""

from pathlib import Path

import pandas as pd

from imtfp.logs import to_file
from imtfp.report.did import did_figure
from imtfp.report.figures import save_figure
from imtfp.report.stage import report_options

to_file(snakemake.log[0])
cfg = snakemake.params.exhibit
inputs = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
figure = did_figure(snakemake.wildcards.kind, inputs, cfg, design=snakemake.wildcards.design,
                    simulated=snakemake.params.simulated)  # fmt: skip
options = report_options(cfg)[0]
formats = tuple(dict.fromkeys(["png", *options.figure_formats]))  # the PNG is the report() output
save_figure(figure, Path(snakemake.output[0]).with_suffix(""), formats, options=options)
