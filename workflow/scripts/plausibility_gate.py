"""Rule plausibility_gate: quality/checks.parquet -> quality/checks.passed, or stop naming the failing cells."""

import pandas as pd

from imtfp.checks import raise_on_failure
from imtfp.logs import to_file

log = to_file(snakemake.log[0])
results = pd.read_parquet(snakemake.input[0])
raise_on_failure(results)
counts = results["status"].value_counts()
line = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in ("pass", "warn", "fail"))
with open(snakemake.output[0], "w", encoding="utf-8") as fh:
    fh.write(f"plausibility checks: {line}\n")
log.info("plausibility checks: %s", line)
