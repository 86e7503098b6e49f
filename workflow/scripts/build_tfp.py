"""Rule build_tfp: panel + the capital stock of each chain -> TFP columns of every chain (+ elasticities)."""

import pandas as pd

from imtfp.logs import to_file
from imtfp.tfp import build_tfp_chains

log = to_file(snakemake.log[0])
capitals = {
    name.removeprefix("capital_"): pd.read_parquet(path)
    for name, path in snakemake.input.items()
    if name.startswith("capital_")
}
out = build_tfp_chains(pd.read_parquet(snakemake.input.panel), capitals, snakemake.params.spec)
out["tfp"].to_parquet(snakemake.output.tfp, index=False)
out["elasticities"].to_parquet(snakemake.output.elasticities, index=False)
log.info("tfp %s; elasticities %s", out["tfp"].shape, out["elasticities"].to_dict("records"))
