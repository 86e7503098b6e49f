# Helpers shared by the rules: config validation, variants (named robustness checks), inputs, targets.
#
# Outputs after ingest sit under data/derived/{variant}, where the empty variant is the baseline
# (data/derived/panel/panel.parquet), a named check writes under data/derived/robustness/<name>/ with
# the config overlay of `robustness.<name>` merged onto the baseline.

import re
from pathlib import Path

import yaml

import imtfp.config
import imtfp.config_check
import imtfp.credibility
import imtfp.demo
import imtfp.lineage
import imtfp.logs
from imtfp.ingest.manifest import load_manifest
from imtfp.models.registry import ESTIMATE_WILDCARD, MODELS, configured, design_spec
from imtfp.report.stage import FIGURE_INPUTS, TABLE_INPUTS, figure_kind
from imtfp.tfp.stages import tfp_chains


def validate_config():
    """The baseline and every named robustness check, each validated against the schema.

    The schema is the one packaged with imtfp (src/imtfp/schemas/config.schema.yaml, read by
    imtfp.config through importlib.resources), so the workflow and an installed wheel agree.
    """
    # validate_all: schema, sanity (year order, provinces, derived names) and every named check, each
    # error naming the full key (robustness.<check>.models.modles).
    imtfp.config.validate_all(config)
    # no derived variable may replace an indicator of the dataset (panel.derived.gdp: gdp * 2)
    imtfp.config.check_derived_names(config, manifest().indicators())


def dataset_root():
    """Where the manifest's paths point: dataset.root, else data_root, else the manifest's folder."""
    return config["dataset"].get("root") or config.get("data_root")


def manifest():
    return load_manifest(config["dataset"]["manifest"], root=dataset_root())


# Config and data errors at load: one line in the run's language, no traceback (imtfp.logs.at_load).
imtfp.logs.at_load(validate_config)


def raw_files():
    """The manifest and every raw file it names: the ingest rule's inputs."""
    # check_files: a missing, unreadable or out-of-root raw file stops the workflow as it loads,
    # naming the path, even when outputs of an earlier run exist.
    return [config["dataset"]["manifest"], *map(str, manifest().check_files())]


imtfp.logs.at_load(raw_files)
imtfp.logs.at_load(imtfp.config_check.check_design_files, config)  # pilot lists, outcome files


def variant_config(wildcards):
    """The baseline config, or the baseline with a named robustness check's overlay merged on."""
    if not wildcards.variant:
        return config
    name = wildcards.variant.split("/")[1]
    return imtfp.config.merge(config, config["robustness"][name])


# Config sections each stage depends on: a named check re-runs a stage only if it changes one of them,
# and otherwise reads the baseline's output.
STAGE_SECTIONS = {
    "panel": {"panel"},
    "index": {"panel", "index", "coupling"},
    "tfp": {"panel", "tfp"},
}


def stage_input(stage, path):
    """Input function: ``path`` under the variant's folder if the check touches the stage, else the baseline's."""

    def resolve(wildcards):
        name = wildcards.variant.split("/")[1] if wildcards.variant else None
        touched = set(config["robustness"][name]) if name else set()
        prefix = wildcards.variant if touched & STAGE_SECTIONS[stage] else ""
        return f"data/derived/{prefix}{path}"

    return resolve


def panel_spec(wildcards):
    return variant_config(wildcards)["panel"]


def checks_spec(wildcards):
    """The ``checks`` section of the baseline or of a named robustness check ({} when absent)."""
    return variant_config(wildcards).get("checks", {})


def index_spec(wildcards):
    """The ``index`` section with ``coupling`` merged in, as imtfp.index.build_index takes it."""
    cfg = variant_config(wildcards)
    return {**cfg["index"], "coupling": cfg.get("coupling", {})}


def tfp_spec(wildcards):
    return variant_config(wildcards)["tfp"]


# ---- TFP chains (workflow/rules/measure.smk) --------------------------------------------------


def chains_of(wildcards):
    return tfp_chains(tfp_spec(wildcards))


def tfp_capital_inputs(wildcards):
    """The capital stock of each chain the variant selects."""
    paths = {
        "economy": "measure/capital.parquet",
        "industry": "measure/capital_industry.parquet",
    }
    return {f"capital_{c}": stage_input("tfp", paths[c])(wildcards) for c in chains_of(wildcards)}


def tfp_gate(wildcards):
    """The industrial chain's checks must pass before the analysis frame is built."""
    if "industry" not in chains_of(wildcards):
        return []
    return [stage_input("tfp", "quality/tfp_checks.passed")(wildcards)]


def index_spec_with_sources(wildcards):
    """The index spec with each indicator's warehouse series (imtfp.lineage) for measure/weights."""
    cfg = variant_config(wildcards)
    return {**index_spec(wildcards), "sources": imtfp.lineage.index_sources(cfg)}


def models_spec(wildcards):
    return variant_config(wildcards)["models"]


def model_tables():
    """The models of the registry this config runs: baseline always, the others when their
    section is present (imtfp.models.registry.configured)."""
    return configured(config)


def robustness_inputs(wildcards):
    """Baseline table of the baseline and of every named check, keyed by check name."""
    paths = {"baseline": "data/derived/models/baseline.parquet"}
    for name in config.get("robustness", {}):
        paths[name] = f"data/derived/robustness/{name}/models/baseline.parquet"
    return paths


def robustness_terms():
    """The core regressor of each check (a check may change models.x)."""
    terms = {"baseline": config["models"]["x"]}
    for name, overlay in config.get("robustness", {}).items():
        x = imtfp.config.merge(config, overlay)["models"]["x"]
        terms[name] = x if isinstance(x, str) else x[0]
    return terms


def multiverse_chunks():
    n = int((config.get("multiverse") or {}).get("chunks", 1))  # a config may have no multiverse
    return expand("data/derived/robustness/multiverse/chunks/{chunk}.parquet", chunk=range(n))


def simulated():
    """True only for data the demo wrote (a copied `simulated: true` is not enough: imtfp.demo.wrote)."""
    return manifest().simulated and imtfp.demo.wrote(config["dataset"]["manifest"])


def simulated_truth():
    """The simulated total effect (truth.yaml beside a simulated dataset's manifest), else None."""
    if not simulated():
        return None
    truth = Path(config["dataset"]["manifest"]).parent / "truth.yaml"
    return (
        yaml.safe_load(truth.read_text(encoding="utf-8"))["total_effect"]
        if truth.is_file()
        else None
    )


def credibility_config():
    """The config the credibility report reads: all of it but the report section's keys other
    than the stars, decimals and variable labels (a change of languages or formats does not
    rewrite it)."""
    shown = config.get("report") or {}
    kept = {k: shown[k] for k in ("stars", "decimals", "variable_labels") if k in shown}
    return {**config, "report": kept}


def credibility_inputs(wildcards):
    """The stored results the credibility report reads (imtfp.credibility.report_inputs)."""
    paths = imtfp.credibility.report_inputs(config, models=model_tables())
    return {k: f"data/derived/{v}" for k, v in paths.items()}


# ---- report -------------------------------------------------------------------------------------

TABLE_EXTS = [
    f".{fmt}"
    for fmt in config.get("report", {}).get("formats", ["tex", "docx", "md", "csv"])
    if fmt != "csv"
]
# report.languages: every table is written once per language, under <folder>/<language>/
TABLE_LANGUAGES = config.get("report", {}).get("languages", ["zh"])


def language_files(folder, name):
    """Every file of one table (each language, each format), less the first language's CSV: the
    table rule's report() output."""
    return [
        f"{folder}/{lang}/{name}{ext}" for lang in TABLE_LANGUAGES for ext in (".csv", *TABLE_EXTS)
    ][1:]


# report.figure_formats besides the PNG the figure rule always writes (its report() output)
FIGURE_EXTS = [
    f".{fmt}"
    for fmt in config.get("report", {}).get("figure_formats", ["png", "pdf"])
    if fmt != "png"
]


def table_inputs(wildcards):
    return {k: f"data/derived/{v}" for k, v in TABLE_INPUTS[wildcards.table].items()}


def figure_inputs(wildcards):
    return {k: f"data/derived/{v}" for k, v in FIGURE_INPUTS[figure_kind(wildcards.figure)].items()}


def exhibit_config():
    """The config sections tables and figures read (a change elsewhere does not redraw them)."""
    return {
        k: config[k]
        for k in ("report", "models", "tfp", "multiverse", "panel", "seed")
        if k in config
    }


def did_exhibit_config():
    """The exhibit sections plus what a DiD check's label is derived from (its overlay, the config)."""
    extra = ("designs", "robustness", "index", "coupling", "dataset")
    return {**exhibit_config(), **{k: config[k] for k in extra if k in config}}


def data_source():
    """Dataset name, its vintages and whether it is simulated, for every table's notes."""
    m = manifest()
    vintages = sorted({str(f["vintage"]) for f in m.files})
    source = f"{m.dataset}: " + (m.description or "see the dataset manifest")
    return {"source": source, "vintage": ", ".join(vintages), "simulated": simulated()}


def report_tables():
    wanted = config.get("report", {}).get("tables", list(TABLE_INPUTS))
    available = set(model_tables()) | {"descriptive", "correlation", "weights", "coupling"}
    if config.get("robustness") and config.get("multiverse"):
        available.add("robustness")
    return [t for t in wanted if t in available]


def report_figures():
    wanted = config.get("report", {}).get("figures", list(FIGURE_INPUTS))
    stems = []
    for kind in wanted:
        if kind == "mediation_path" and "mediation" in config["models"]:
            stems += [f"mediation_path_{ch}" for ch in config["models"]["mediation"]["channels"]]
        elif kind == "heterogeneity_coef" and "heterogeneity" in config["models"]:
            stems.append(kind)
        elif kind == "specification_curve" and config.get("multiverse"):
            stems.append(kind)
        elif kind in ("coupling_heatmap", "index_density", "tfp_by_region"):
            stems.append(kind)
    return stems


def designs():
    """The causal designs of the config (``designs``), in order."""
    return list(config.get("designs", {}) or {})


def report_table_files():
    """Every file of the report's tables (``report.tables``), the CSV of each first."""
    return expand(
        "data/derived/report/tables/{lang}/{table}{ext}",
        lang=TABLE_LANGUAGES,
        table=report_tables(),
        ext=[".csv", *TABLE_EXTS],
    )


def report_figure_files():
    """Every file of the report's figures (``report.figures``), the PNG of each first."""
    return expand(
        "data/derived/report/figures/{figure}{ext}",
        figure=report_figures(),
        ext=[".png", *FIGURE_EXTS],
    )


def did_table_files():
    return [
        f"data/derived/report/did/tables/{lang}/did_{kind}_{d}{ext}"
        for d in designs()
        for kind in MODELS["did"].tables
        for lang in TABLE_LANGUAGES
        for ext in (".csv", *TABLE_EXTS)
    ]


def did_figure_files():
    return [
        f"data/derived/report/did/figures/did_{kind}_{d}{ext}"
        for d in designs()
        for kind in MODELS["did"].figures
        for ext in (".png", *FIGURE_EXTS)
    ]


PROVENANCE_FILES = ["data/derived/report/provenance.md", "data/derived/report/provenance.docx"]


def table_files():
    """Every table of the run: the report's, each design's DiD tables and the provenance file
    (rule ``tables``)."""
    return [*report_table_files(), *did_table_files(), *PROVENANCE_FILES]


def first_language_csvs():
    """The CSV of every table in the first language: the tables batch's report() outputs."""
    lang = TABLE_LANGUAGES[0]
    return [
        *(f"data/derived/report/tables/{lang}/{t}.csv" for t in report_tables()),
        *(
            f"data/derived/report/did/tables/{lang}/did_{kind}_{d}.csv"
            for d in designs()
            for kind in MODELS["did"].tables
        ),
    ]


def figure_files():
    """Every figure of the run: the report's and each design's DiD figures (rule ``figures``)."""
    return [*report_figure_files(), *did_figure_files()]


def exhibits():
    """Every table and figure file, and the results they come from."""
    tables = report_table_files()
    figures = report_figure_files()
    results = [
        "data/derived/quality/report.md",
        "data/derived/quality/checks.parquet",
        *expand("data/derived/models/{model}.parquet", model=model_tables()),
        *(["data/derived/robustness/checks.parquet"] if config.get("robustness") else []),
        *(
            ["data/derived/robustness/multiverse/results.parquet"]
            if config.get("multiverse")
            else []
        ),
        *(f"data/derived/{p}" for p in imtfp.credibility.REPORT_FILES.values()),
    ]
    return [*tables, *PROVENANCE_FILES, *figures, *results]


def final_targets():
    return ["data/derived/manifest.json", *exhibits()]


def drop_years(wildcards):
    return variant_config(wildcards)["panel"].get("drop_years", [])


# ---- causal designs (workflow/rules/designs.smk) -------------------------------------------------


def design_root():
    """Folder the designs' file paths are relative to: the dataset root, else the manifest's folder."""
    return Path(dataset_root() or Path(config["dataset"]["manifest"]).parent)


def design_of(wildcards):
    """The design's spec in this variant, with the design-level check's overlay merged on and
    the schema's defaults filled in."""
    spec = dict(variant_config(wildcards)["designs"][wildcards.design])
    checks = spec.pop("checks", {}) or {}
    if wildcards.dcheck:
        spec = imtfp.config.merge(spec, checks[wildcards.dcheck.split("/")[1]])
    return design_spec(spec)


def design_file(wildcards, field):
    """A design's file (pilots, outcome_data) under design_root(), refused if it leads outside."""
    spec = design_of(wildcards)
    key = f"designs.{wildcards.design}.{field}"
    return str(imtfp.config.contained_path(spec[field], design_root(), key=key))


def design_timing_inputs(wildcards):
    paths = {"pilots": design_file(wildcards, "pilots")}
    if design_of(wildcards).get("outcome_data"):
        paths["external"] = design_file(wildcards, "outcome_data")
    return paths


def design_frame_inputs(wildcards):
    spec = design_of(wildcards)
    paths = {
        "timing": f"data/derived/{wildcards.variant}designs/{wildcards.design}/{wildcards.dcheck}timing.parquet"
    }
    if spec["level"] == "province":
        # designs.<d>.analysis_from: the frame of a named check (e.g. a longer window), in every variant
        source = spec.get("analysis_from")
        variant = f"robustness/{source}/" if source else wildcards.variant
        paths["analysis"] = f"data/derived/{variant}measure/analysis.parquet"
    if spec.get("outcome_data"):
        paths["external"] = design_file(wildcards, "outcome_data")
    return paths


DID_CHECK_SECTIONS = {"province": {"designs", "panel"}, "city": {"designs"}}


def did_check_summaries(wildcards):
    """Summaries of a design: baseline, its design-level checks, named checks touching it."""
    spec = config["designs"][wildcards.design]
    base = f"designs/{wildcards.design}/"
    paths = {"baseline": f"data/derived/{base}summary.parquet"}
    for name in spec.get("checks", {}) or {}:
        paths[name] = f"data/derived/{base}checks/{name}/summary.parquet"
    for name, overlay in config.get("robustness", {}).items():
        touched = set(overlay) & DID_CHECK_SECTIONS[spec["level"]]
        if spec.get("analysis_from"):  # the design's frame is fixed: only its own overlays matter
            touched &= {"designs"}
        if "designs" in overlay and wildcards.design not in overlay["designs"]:
            touched.discard("designs")
        if touched:
            paths[name] = f"data/derived/robustness/{name}/{base}summary.parquet"
    return paths


def baseline_design(wildcards):
    return design_spec(config["designs"][wildcards.design])


def did_targets():
    """Every DiD result, table and figure of the configured designs."""
    out = []
    for d in designs():
        out += [
            f"data/derived/designs/{d}/unmatched.csv",
            f"data/derived/robustness/did_multiverse/{d}.parquet",
        ]
    return [*out, *did_table_files(), *did_figure_files()]


def benchmarks_beside_logs():
    """logs/<log path>.benchmark.tsv for each rule defined so far with a log and no benchmark
    (the loop at the end of the Snakefile, run early for the rules the batches resolve)."""
    for r in workflow.rules:
        if r.benchmark is None and r.log:
            r.benchmark_modifier = workflow.modifier.path_modifier
            r.benchmark = f"{re.sub(r'[.]log$', '', str(r.log[0]))}.benchmark.tsv"


# ---- batches: several jobs of the rules in one process (workflow/rules/batches.smk) -----------
#
# batch_steps resolves, from the rules themselves (Snakemake's Rule.expand_* as a job gets them),
# the jobs that make a batch's targets: every step is plain data (paths, params, wildcards) that
# workflow/scripts/batch.py turns back into the `snakemake` object of the step's script.

import hashlib
from functools import cache

from snakemake.exceptions import WorkflowError


@cache
def _members():
    """What a batch can run: every rule with a script, other than the batches."""
    return tuple(
        r for r in workflow.rules if r.script is not None and Path(r.script).name != "batch.py"
    )


def _producer(path):
    """The rule (not a batch) that makes ``path``; exactly one must."""
    rules = [r for r in _members() if r.is_producer(path)]
    if len(rules) != 1:
        names = ", ".join(r.name for r in rules) or "none"
        raise WorkflowError(f"batch: {path} must have one producing rule, found {names}")
    return rules[0]


def _plain(named):
    """A Snakemake named list as plain data: items (paths as str) and names -> [start, end]."""
    items = [str(x) if isinstance(x, str) else x for x in named]
    return {"items": items, "names": {k: list(v) for k, v in named._get_names()}}


@cache
def _script_sha(rule_name):
    member = workflow.get_rule(rule_name)
    path = Path(member.snakefile).parent / member.script
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _step(member, wildcards):
    input_ = member.expand_input(wildcards)[0]
    output = member.expand_output(wildcards)[0]
    params = member.expand_params(wildcards, input_, output, None)[0]
    return {
        "rule": member.name,
        "script": Path(member.script).name,  # under workflow/scripts, beside batch.py
        "script_sha256": _script_sha(member.name),  # a change of the script reruns the batch
        "wildcards": dict(wildcards),
        "input": _plain(input_),
        "output": _plain(output),
        "params": _plain(params),
        "log": _plain(member.expand_log(wildcards)),
        "benchmark": str(member.expand_benchmark(wildcards)) if member.benchmark else None,
    }


@cache
def batch_steps(targets, follow):
    """Jobs that make ``targets``, dependencies first: each target's job, and the job of every
    input of a step for which ``follow(path)`` is true (the other inputs are the batch's)."""
    steps, seen = [], set()

    def visit(path):
        member = _producer(path)
        wildcards = member.get_wildcards(path)
        key = (member.name, tuple(sorted(wildcards.items())))
        if key in seen:
            return
        seen.add(key)
        for f in member.expand_input(wildcards)[0]:
            if follow(str(f)):
                visit(str(f))
        steps.append(_step(member, wildcards))

    for target in targets:
        visit(target)
    return tuple(steps)


def batch_first(batch, steps):
    """The batch before each of its steps' rules (``ruleorder``), so Snakemake takes the batch
    for a file both make (needed where neither has wildcards, e.g. ingest; said for all)."""
    for name in dict.fromkeys(s["rule"] for s in steps):
        workflow.ruleorder(batch, name)


def step_files(steps, kind):
    return list(dict.fromkeys(f for s in steps for f in s[kind]["items"]))


def batch_inputs(steps):
    """Inputs of the steps that no step of the batch makes."""
    made = set(step_files(steps, "output"))
    return [f for f in step_files(steps, "input") if f not in made]


def never(path):
    """A ``follow`` of batch_steps: no input is made in the batch."""
    return False


def derived(path):
    """A ``follow`` of batch_steps: every input under data/derived is made in the batch."""
    return path.startswith("data/derived/")


def after(steps):
    """A ``follow`` of batch_steps: inputs under data/derived that ``steps`` neither make nor read."""
    made = {*batch_inputs(steps), *step_files(steps, "output")}
    return lambda path: derived(path) and path not in made


@cache
def under(folder):
    """A ``follow`` of batch_steps: inputs under ``folder``."""
    return lambda path: path.startswith(folder)


def check_steps(wildcards):
    """A named check's stages (those its overlay touches) and its baseline model."""
    folder = f"data/derived/robustness/{wildcards.check}/"
    targets = (f"{folder}measure/analysis.parquet", f"{folder}models/baseline.parquet")
    return batch_steps(targets, under(folder))


DID_FOLDER = "data/derived/{variant}designs/{design}/{dcheck}"


def did_steps(wildcards):
    """A design in one variant: timing, frame and every estimator."""
    w = wildcards
    folder = DID_FOLDER.format(variant=w.variant, design=w.design, dcheck=w.dcheck)
    return batch_steps((f"{folder}unmatched.csv", f"{folder}summary.parquet"), under(folder))


def digest(steps):
    """What a batch's params record (Snakemake keeps the params of every output file: the steps
    themselves, with the whole config in each table's, would be megabytes)."""
    return hashlib.sha256(repr(steps).encode("utf-8")).hexdigest()


def steps_param(steps):
    """The steps as a param the script gets but Snakemake does not record: a function of
    ``input`` counts as derived from the inputs (``digest`` records the steps instead)."""
    return lambda wildcards, input: steps(wildcards) if callable(steps) else steps


# ---- console: failures and the run summary (imtfp.logs) -----------------------------------------


def print_failures(snakemake_log):
    imtfp.logs.print_failures(snakemake_log)


def write_run_summary():
    imtfp.logs.write_run_summary("data/derived", "logs")
