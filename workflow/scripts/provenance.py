"""Rule provenance: the run's data sources, vintages, config hash and package versions."""

from pathlib import Path

from imtfp.ingest.manifest import load_manifest
from imtfp.logs import to_file
from imtfp.report.publish import publish_provenance
from imtfp.report.stage import provenance

to_file(snakemake.log[0])
cfg, src = snakemake.params.exhibit, snakemake.params.source
manifest = load_manifest(snakemake.input.manifest)  # its entries only: no file is read
prov = provenance(
    cfg, source=src["source"], vintage=src["vintage"], config_hash_=snakemake.params.config_hash
)
publish_provenance(manifest.files, prov, Path(snakemake.output[0]).parent, dataset=manifest.dataset,
                   description=manifest.description, simulated=manifest.simulated, config=cfg)  # fmt: skip
