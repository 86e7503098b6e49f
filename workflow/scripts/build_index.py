"""Rule build_index: panel -> IM index and subsystems, weights, coupling coordination, obstacle degrees."""

import pandas as pd

from imtfp.index import build_index
from imtfp.logs import to_file

log = to_file(snakemake.log[0])
out = build_index(
    pd.read_parquet(snakemake.input[0]),
    snakemake.params.spec,
    imputed=pd.read_parquet(snakemake.input.imputed),
)
for name, frame in out.items():
    frame.to_parquet(snakemake.output[name], index=False)
log.info("index %s; mean D %.4f", out["index"].shape, out["coupling"]["D"].mean())
