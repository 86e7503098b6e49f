"""Rule figure: stored results -> one figure as PNG and PDF."""

from pathlib import Path

import pandas as pd

from imtfp.logs import to_file
from imtfp.report.figures import save_figure
from imtfp.report.stage import make_figures, report_options

to_file(snakemake.log[0])
cfg, stem = snakemake.params.exhibit, snakemake.wildcards.figure
inputs = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
kind = next(k for k in snakemake.params.kinds if stem == k or stem.startswith(f"{k}_"))
figure = make_figures(kind, inputs, cfg, simulated=snakemake.params.simulated)[stem]
save_figure(figure, Path(snakemake.output[0]).with_suffix(""), ("png", "pdf"), options=report_options(cfg)[0])
