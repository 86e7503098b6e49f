"""Rule did_timing: pilot list (+ city outcome data) -> treatment timing and every unmatched entry
(imtfp.ingest.designs: the timing is a measure built upstream of the DiD estimators)."""

from imtfp.ingest.designs import read_design_timing
from imtfp.logs import to_file

log = to_file(snakemake.log[0])
inp = snakemake.input
external = inp.external if "external" in inp.keys() else None
timing, unmatched = read_design_timing(inp.pilots, snakemake.params.spec, outcome_data=external)
timing.to_parquet(snakemake.output.timing, index=False)
unmatched.to_csv(snakemake.output.unmatched, index=False, encoding="utf-8-sig")
log.info("%d treated units; %d list entries unmatched: %s", len(timing), len(unmatched),
         ", ".join(unmatched["raw_region_name"].astype(str)) or "none")  # fmt: skip
