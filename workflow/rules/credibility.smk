# stored results -> the credibility report of the headline estimates, in Chinese and in English
# (imtfp.credibility.credibility_report): data/derived/quality/credibility.{zh,en}.md.


# Reading a few stored frames and writing two Markdown pages: cheaper than a cluster submission.
localrules:
    credibility_report,


rule credibility_report:
    input:
        unpack(credibility_inputs),
    output:
        zh="data/derived/quality/credibility.zh.md",
        en="data/derived/quality/credibility.en.md",
    log:
        "logs/quality/credibility.log",
    conda:
        "../envs/imtfp.yaml"
    params:
        # the config but the report's presentation (it writes both languages, every format):
        # the models spec, the labels, stars, decimals and the lineage of the composites
        exhibit=credibility_config(),
        simulated=simulated(),
    script:
        "../scripts/credibility_report.py"
