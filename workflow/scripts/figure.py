"""Rule figure: stored results -> one figure as PNG and every other format of report.figure_formats."""

from pathlib import Path

import pandas as pd

from imtfp.logs import to_file
from imtfp.report.figures import save_figure
from imtfp.report.stage import figure_kind, make_figures, report_options

to_file(snakemake.log[0])
cfg, stem = snakemake.params.exhibit, snakemake.wildcards.figure
inputs = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
figure = make_figures(figure_kind(stem), inputs, cfg, simulated=snakemake.params.simulated)[stem]
options = report_options(cfg)[0]
formats = tuple(
    dict.fromkeys(["png", *options.figure_formats])
)  # the PNG is the rule's report() output
save_figure(figure, Path(snakemake.output[0]).with_suffix(""), formats, options=options)
