"""Rule figure: stored results -> one figure as PNG and PDF."""

from pathlib import Path

import pandas as pd

from imtfp.logs import to_file
from imtfp.report.figures import save_figure
from imtfp.report.options import options_from_config
from imtfp.report.stage import make_figures

to_file(snakemake.log[0])
cfg, stem = snakemake.params.exhibit, snakemake.wildcards.figure
inputs = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
kind = next(k for k in snakemake.params.kinds if stem == k or stem.startswith(f"{k}_"))
figure = make_figures(kind, inputs, cfg, simulated=snakemake.params.simulated)[stem]
save_figure(figure, Path(snakemake.output[0]).with_suffix(""), ("png", "pdf"), options=options_from_config(cfg.get("report")))
