"""Rule build_panel: warehouse observations -> analysis panel (+ imputed cells, long series, derived
cells rejected as not finite)."""

from imtfp.logs import to_file
from imtfp.panel import build_panel
from imtfp.warehouse import read_table

log = to_file(snakemake.log[0])
out = build_panel(
    read_table(snakemake.input[0], "observations"),
    snakemake.params.spec,
    on_bad_cell=snakemake.params.on_bad_cell,
)
for name, frame in out.items():
    frame.to_parquet(snakemake.output[name], index=False)
log.info(
    "panel %s, %d imputed cells, %d derived cells rejected (not finite)",
    out["panel"].shape,
    len(out["imputed"]),
    len(out["rejected"]),
)
