"""Rule ingest: every file of the manifest -> data/derived/warehouse.duckdb."""

from imtfp.ingest.manifest import load_manifest
from imtfp.logs import to_file
from imtfp.warehouse import ingest, write_warehouse

log = to_file(snakemake.log[0])
spec = snakemake.params.dataset
manifest = load_manifest(spec["manifest"], root=spec.get("root"))
wh = ingest(
    manifest,
    on_bad_cell=spec.get("on_bad_cell", "error"),
    vintage_priority=spec.get("vintage_priority", {}),
)
write_warehouse(wh, snakemake.output[0])
log.info(
    "%d files, %d observations, %d rejects",
    len(wh.accounting),
    len(wh.observations),
    len(wh.rejects),
)
