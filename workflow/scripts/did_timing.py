"""Rule did_timing: pilot list (+ city outcome data) -> treatment timing and every unmatched entry."""

from imtfp.ingest.city import read_pilot_list
from imtfp.logs import to_file
from imtfp.models.did.stages import design_timing, read_outcome_data

log = to_file(snakemake.log[0])
spec = snakemake.params.spec
units = read_outcome_data(snakemake.input.external, spec) if spec["level"] == "city" else None
timing, unmatched = design_timing(read_pilot_list(snakemake.input.pilots), spec, units)
timing.to_parquet(snakemake.output.timing, index=False)
unmatched.to_csv(snakemake.output.unmatched, index=False, encoding="utf-8-sig")
log.info("%d treated units; %d list entries unmatched: %s", len(timing), len(unmatched),
         ", ".join(unmatched["raw_region_name"].astype(str)) or "none")  # fmt: skip
