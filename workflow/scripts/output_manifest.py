"""Rule output_manifest: SHA-256 of every table, figure and result -> data/derived/manifest.json."""

import json

from imtfp.logs import to_file
from imtfp.report.stage import output_manifest

to_file(snakemake.log[0])
with open(snakemake.output[0], "w", encoding="utf-8") as fh:
    json.dump(output_manifest(list(snakemake.input)), fh, indent=2, ensure_ascii=False)
    fh.write("\n")
