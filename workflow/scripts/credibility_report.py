"""Rule credibility_report: stored results -> data/derived/quality/credibility.{zh,en}.md."""

import pandas as pd

from imtfp.credibility import LANGUAGES, credibility_report, report_arguments
from imtfp.logs import to_file

log = to_file(snakemake.log[0])
frames = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
for lang in LANGUAGES:
    text = credibility_report(
        config=snakemake.params.exhibit,
        language=lang,
        simulated=snakemake.params.simulated,
        **report_arguments(frames),
    )
    with open(snakemake.output[lang], "w", encoding="utf-8") as fh:
        fh.write(text)
    log.info("credibility report (%s): %d lines", lang, text.count("\n"))
