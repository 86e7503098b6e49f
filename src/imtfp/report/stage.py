"""The report stage: which stored results make which table or figure, with the config's options.

The Snakemake rules ``table`` and ``figure`` call :func:`make_table` and :func:`make_figure` with the
inputs named in :data:`TABLE_INPUTS` / :data:`FIGURE_INPUTS` read into DataFrames.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib import metadata

import pandas as pd

from imtfp import provinces
from imtfp.provinces import region
from imtfp.report import builders
from imtfp.report.labels import Labels, load_catalog
from imtfp.report.options import ReportOptions, options_from_config
from imtfp.report.table import Provenance, Table

# Stored results each exhibit is built from: {argument: path under data/derived/}.
TABLE_INPUTS: dict[str, dict[str, str]] = {
    "descriptive": {"panel": "measure/analysis.parquet"},
    "correlation": {"panel": "measure/analysis.parquet"},
    "weights": {"weights": "measure/weights.parquet"},
    "coupling": {"coupling": "measure/coupling.parquet"},
    "baseline": {"results": "models/baseline.parquet", "imputed": "panel/imputed.parquet"},
    "inference": {"results": "models/inference.parquet", "imputed": "panel/imputed.parquet"},
    "mediation": {"results": "models/mediation.parquet", "imputed": "panel/imputed.parquet"},
    "heterogeneity": {"results": "models/heterogeneity.parquet", "imputed": "panel/imputed.parquet"},
    "iv": {"results": "models/iv.parquet", "imputed": "panel/imputed.parquet"},
    "threshold": {"results": "models/threshold.parquet", "imputed": "panel/imputed.parquet"},
    "robustness": {
        "results": "robustness/checks.parquet",
        "summary": "robustness/multiverse/summary.parquet",
        "imputed": "panel/imputed.parquet",
    },
}
FIGURE_INPUTS: dict[str, dict[str, str]] = {
    "coupling_heatmap": {"coupling": "measure/coupling.parquet"},
    "index_density": {"index": "measure/index.parquet"},
    "tfp_by_region": {"frame": "measure/analysis.parquet"},
    "heterogeneity_coef": {"tidy": "models/heterogeneity.parquet"},
    "mediation_path": {"tidy": "models/mediation.parquet"},
    "specification_curve": {"specs": "robustness/multiverse/results.parquet"},
}
PACKAGES = ("imtfp", "numpy", "pandas", "scipy", "statsmodels", "linearmodels", "duckdb", "matplotlib")


def config_hash(config: Mapping) -> str:
    """First 12 hex digits of the SHA-256 of the config as canonical JSON."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def provenance(config: Mapping, *, source: str, vintage: str) -> Provenance:
    """Data source and vintage, config hash and package versions for every table's last note."""
    versions = {p: metadata.version(p) for p in PACKAGES}
    return Provenance(source=source, vintage=vintage, config_hash=config_hash(config), versions=versions)


def _variables(models: Mapping) -> list[str]:
    """The variables a descriptive table shows: outcome, regressor, controls, mediators, moderators."""
    x = models["x"] if isinstance(models["x"], str) else models["x"][0]
    names = [models["y"], x, "technology", "factors", "industry", "ccd", *models.get("controls", [])]
    names += list(models.get("mediation", {}).get("channels", {}).values())
    names += list(models.get("heterogeneity", {}).get("moderators", {}).values())
    return list(dict.fromkeys(names))


def report_options(config: Mapping) -> tuple[ReportOptions, Labels]:
    """Options of the ``report`` section, and the label catalog with its ``variable_labels`` overrides.

    ``report.variable_labels: {name: {zh: …, en: …}}`` renames variables for one dataset (e.g. an index
    that measures less than the full intelligent-manufacturing system) without touching the catalog.
    """
    section = dict(config.get("report") or {})
    overrides = section.pop("variable_labels", {}) or {}
    options = options_from_config(section)
    catalog = load_catalog()
    if overrides:
        catalog = {**catalog, "variables": {**catalog.get("variables", {}), **overrides}}
    return options, Labels(options.language, catalog)


def sample_note(config: Mapping, imputed: pd.DataFrame) -> str:
    """Analysis window, provinces left out and the imputed cells of the variables the models use."""
    panel = config.get("panel", {})
    first, last = panel.get("years", ["?", "?"])
    dropped = ", ".join(map(str, panel.get("drop_provinces", []))) or "none"
    years_out = ", ".join(map(str, panel.get("drop_years", [])))
    counts = imputed.groupby("indicator").size()
    filled = "; ".join(f"{k} {v}" for k, v in counts.items()) or "none"
    text = f"Sample {first}–{last}; provinces dropped: {dropped}; imputed cells (by indicator): {filled}."
    return text + (f" Years left out: {years_out}." if years_out else "")


def make_table(
    name: str, inputs: Mapping[str, pd.DataFrame], config: Mapping, *, prov: Provenance, simulated: bool
) -> Table:
    """Build table ``name`` (a key of :data:`TABLE_INPUTS`) from its stored inputs."""
    options, labels = report_options(config)
    common = {"options": options, "labels": labels, "provenance": prov, "simulated": simulated}
    if name in ("descriptive", "correlation"):
        panel = inputs["panel"]
        variables = [v for v in _variables(config["models"]) if v in panel]
        return getattr(builders, f"{name}_table")(panel, variables=variables, **common)
    if name == "weights":
        return builders.weights_table(_two_level_weights(inputs["weights"]), **common)
    if name == "coupling":
        coupling = inputs["coupling"]
        return builders.coupling_table(coupling.assign(region=coupling["province"].map(region)), **common)
    note = sample_note(config, inputs["imputed"]) if "imputed" in inputs else None
    notes = (note,) if note else ()
    if name == "robustness":
        return builders.robustness_table(inputs["results"], summary=inputs.get("summary"), notes=notes, **common)
    if name in builders.MODEL_TABLES:
        return builders.MODEL_TABLES[name](inputs["results"], notes=notes, **common)
    raise ValueError(f"unknown table {name!r}; known: {sorted(TABLE_INPUTS)}")


def figure_kind(stem: str) -> str:
    """The figure kind (a key of :data:`FIGURE_INPUTS`) of a file stem such as ``mediation_path_upgrading``."""
    for kind in FIGURE_INPUTS:
        if stem == kind or stem.startswith(f"{kind}_"):
            return kind
    raise ValueError(f"unknown figure {stem!r}; known kinds: {sorted(FIGURE_INPUTS)}")


def make_figures(name: str, inputs: Mapping[str, pd.DataFrame], config: Mapping, *, simulated: bool) -> dict:
    """Figures of kind ``name`` (a key of :data:`FIGURE_INPUTS`): {file stem: matplotlib Figure}.

    One figure per kind, except the mediation path diagram: one per channel.
    """
    from imtfp.report import figures

    options, labels = report_options(config)
    common = {"options": options, "labels": labels, "simulated": simulated}
    models = config["models"]
    x = models["x"] if isinstance(models["x"], str) else models["x"][0]
    if name == "coupling_heatmap":
        return {name: figures.coupling_heatmap(_named_provinces(inputs["coupling"], options.language), **common)}
    if name == "index_density":
        return {name: figures.index_density(inputs["index"], **common)}
    if name == "tfp_by_region":
        return {name: figures.tfp_by_region(inputs["frame"], value=config["tfp"]["outcome"], **common)}
    if name == "heterogeneity_coef":
        return {name: figures.heterogeneity_coef_plot(inputs["tidy"], term=x, **common)}
    if name == "mediation_path":
        channels: Sequence[str] = list(models["mediation"]["channels"])
        return {
            f"{name}_{ch}": figures.mediation_path(inputs["tidy"], channel=ch, x=x, y=models["y"], **common)
            for ch in channels
        }
    if name == "specification_curve":
        mv = config["multiverse"]
        choices = [c for c, levels in mv["choices"].items() if len(levels) > 1]
        specs = inputs["specs"]
        baseline = specs.loc[_baseline_rows(specs, mv["baseline"]), "estimate"]
        return {name: figures.specification_curve(
            specs, choices=choices, baseline=float(baseline.iloc[0]) if len(baseline) else None, **common)}  # fmt: skip
    raise ValueError(f"unknown figure {name!r}; known: {sorted(FIGURE_INPUTS)}")


def _named_provinces(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """Province codes replaced by short names in the report's language (region kept for ordering)."""
    table = provinces.table().set_index("code")
    names = table["name_en"] if language == "en" else table["short_zh"]
    return frame.assign(region=frame["province"].map(region), province=frame["province"].map(names))


def _two_level_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """Within-subsystem weights and the overall IM index's weights as two columns, rows by subsystem."""
    sub = weights[weights["level"] != "im"]
    subsystem_of = dict(zip(sub["indicator"], sub["level"]))
    im = weights[weights["level"] == "im"].assign(level=lambda d: d["indicator"].map(subsystem_of), method="im")
    keep = sub["level"].isin(set(subsystem_of.values()))
    return pd.concat([sub[keep].assign(method="within"), im], ignore_index=True)


def _baseline_rows(specs: pd.DataFrame, baseline: Mapping) -> pd.Series:
    hit = pd.Series(True, index=specs.index)
    for key, value in baseline.items():
        if key in specs:
            hit &= specs[key].astype(str) == str(value)
    return hit


def output_manifest(paths: Sequence[str]) -> dict[str, str]:
    """``{path: sha256}`` of every output, in sorted order (``data/derived/manifest.json``)."""
    out = {}
    for path in sorted(paths):
        with open(path, "rb") as fh:
            out[path] = hashlib.sha256(fh.read()).hexdigest()
    return out
