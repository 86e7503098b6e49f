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


def exhibits():
    """Every table and figure file, and the results they come from."""
    tables = expand(
        "data/derived/report/tables/{table}{ext}", table=report_tables(), ext=[".csv", *TABLE_EXTS]
    )
    figures = expand(
        "data/derived/report/figures/{figure}{ext}",
        figure=report_figures(),
        ext=[".png", *FIGURE_EXTS],
    )
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
    return [*tables, *figures, *results]


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
    exts = [".csv", *TABLE_EXTS]
    for d in config.get("designs", {}) or {}:
        out += [
            f"data/derived/designs/{d}/unmatched.csv",
            f"data/derived/robustness/did_multiverse/{d}.parquet",
        ]
        for kind in MODELS["did"].tables:
            out += [f"data/derived/report/did/tables/did_{kind}_{d}{ext}" for ext in exts]
        for kind in MODELS["did"].figures:
            out += [
                f"data/derived/report/did/figures/did_{kind}_{d}{ext}"
                for ext in (".png", *FIGURE_EXTS)
            ]
    return out


# ---- console: failures and the run summary (imtfp.logs) -----------------------------------------


def print_failures(snakemake_log):
    imtfp.logs.print_failures(snakemake_log)


def write_run_summary():
    imtfp.logs.write_run_summary("data/derived", "logs")
