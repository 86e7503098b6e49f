"""The report stage: which stored results make which table or figure, with the config's options.

The Snakemake rules ``table`` and ``figure`` call :func:`make_table` and :func:`make_figure` with the
inputs named in :data:`TABLE_INPUTS` / :data:`FIGURE_INPUTS` read into DataFrames.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata

import pandas as pd

from imtfp import provinces
from imtfp.core.vcov import DK_MIN_PERIODS
from imtfp.errors import ImtfpError, ReportError
from imtfp.models.registry import ESTIMATE_MODELS, MODELS
from imtfp.provinces import region
from imtfp.report import builders
from imtfp.report.labels import Labels, load_catalog
from imtfp.report.options import ReportOptions, options_from_config
from imtfp.report.table import Provenance, Table
from imtfp.report.units import indicator_facts, variable_units

# Stored results each exhibit is built from: {argument: path under data/derived/}. A model
# table reads its model's results (models/<name>.parquet, one per model of the registry).
TABLE_INPUTS: dict[str, dict[str, str]] = {
    "descriptive": {"panel": "measure/analysis.parquet"},
    "correlation": {"panel": "measure/analysis.parquet"},
    "weights": {"weights": "measure/weights.parquet"},
    "coupling": {"coupling": "measure/coupling.parquet"},
    **{
        name: {"results": f"models/{name}.parquet", "imputed": "panel/imputed.parquet"}
        for name in ESTIMATE_MODELS
    },
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
PACKAGES = (
    "imtfp",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "linearmodels",
    "duckdb",
    "matplotlib",
)


def config_hash(config: Mapping) -> str:
    """First 12 hex digits of the SHA-256 of the config as canonical JSON."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def provenance(
    config: Mapping, *, source: str, vintage: str, config_hash_: str | None = None
) -> Provenance:
    """Data source and vintage, config hash and package versions for every table's last note.

    ``config_hash_``: the hash of the whole validated config of the run (the rule passes it, so
    two runs differing anywhere — ``index.method``, say — print different hashes); default the
    hash of ``config``.
    """
    versions = {p: metadata.version(p) for p in PACKAGES}
    digest = config_hash_ if config_hash_ is not None else config_hash(config)
    return Provenance(source=source, vintage=vintage, config_hash=digest, versions=versions)


def _variables(models: Mapping) -> list[str]:
    """The variables a descriptive table shows: outcome, regressor, controls, mediators, moderators."""
    x = models["x"] if isinstance(models["x"], str) else models["x"][0]
    names = [
        models["y"],
        x,
        "technology",
        "factors",
        "industry",
        "ccd",
        *models.get("controls", []),
    ]
    names += list(models.get("mediation", {}).get("channels", {}).values())
    names += list(models.get("heterogeneity", {}).get("moderators", {}).values())
    return list(dict.fromkeys(names))


def report_options(config: Mapping, language: str | None = None) -> tuple[ReportOptions, Labels]:
    """Options of the ``report`` section in ``language`` (default the first of
    ``report.languages``), and the label catalog with its ``variable_labels`` overrides.

    ``report.variable_labels: {name: {zh: …, en: …}}`` labels a variable (or a column such as a
    mediation channel or a robustness check) for one dataset — a new control, or an index that
    measures less than the full intelligent-manufacturing system — without touching the catalog.
    The labels are strict: a name with no label stops the table with a ConfigError naming it and
    the ``variable_labels`` entry to add, so no raw code is ever printed.
    """
    section = dict(config.get("report") or {})
    overrides = section.pop("variable_labels", {}) or {}
    options = options_from_config(section)
    if language is not None:
        options = options.in_language(language)  # type: ignore[arg-type]
    catalog = load_catalog()
    if overrides:
        catalog = {**catalog, "variables": {**catalog.get("variables", {}), **overrides}}
    return options, Labels(options.language, catalog, strict=True)


def province_names(names: Sequence[object], language: str) -> list[str]:
    """Provinces given by code or any spelling, as short Chinese or English names."""
    table = provinces.table().set_index("code")
    column = "name_en" if language == "en" else "short_zh"
    out = []
    for name in names:
        try:
            out.append(str(table.loc[provinces.to_code(str(name)), column]))
        except (KeyError, ValueError, ImtfpError):
            out.append(str(name))
    return out


def sample_note(config: Mapping, imputed: pd.DataFrame, labels: Labels | None = None) -> str:
    """Analysis window, provinces and years left out, and how many cells were imputed, in the
    table's language (the cells by indicator are listed in the quality report)."""
    labels = labels or report_options(config)[1]
    panel = config.get("panel", {})
    first, last = panel.get("years", ["?", "?"])
    sep = "、" if labels.language != "en" else ", "
    dropped = panel.get("drop_provinces", [])
    # cells rescaled across a statistical break (panel.splice) are observations, not imputations
    spliced = (
        imputed["method"] == "splice" if "method" in imputed else pd.Series(False, imputed.index)
    )
    filled = imputed[~spliced]
    fields = {
        "first": first,
        "last": last,
        "cells": len(filled),
        "indicators": filled["indicator"].nunique() if "indicator" in filled else 0,
    }
    parts = [labels.note("sample_window", **fields)]
    names = province_names(dropped, labels.language)
    parts.append(
        labels.note("sample_dropped", names=sep.join(names)) if names else labels.note("sample_all")
    )
    years_out = panel.get("drop_years", [])
    if years_out:
        parts.append(labels.note("sample_years_out", years=sep.join(map(str, years_out))))
    parts.append(labels.note("sample_imputed", **fields))
    if spliced.any():
        n_series = imputed.loc[spliced, "indicator"].nunique()
        parts.append(labels.note("sample_spliced", cells=int(spliced.sum()), indicators=n_series))
    return " ".join(parts) if labels.language == "en" else "".join(parts)


# -- what a named robustness check ran ---------------------------------------------------------


def check_changes(config: Mapping, overlay: Mapping) -> dict[tuple[str, ...], object]:
    """Settings a check's resolved config has that the baseline does not: {key path: value}.

    The resolved config is the overlay merged onto the baseline (:func:`imtfp.config.merge`);
    keys whose value equals the baseline's are left out, so an overlay that repeats the
    baseline (``index.method: critic`` when the baseline is CRITIC) changes nothing.
    """
    from imtfp.config import merge

    return _diff(config, merge(config, overlay), ())


def _diff(base: object, new: object, path: tuple[str, ...]) -> dict[tuple[str, ...], object]:
    if isinstance(base, Mapping) and isinstance(new, Mapping):
        out: dict[tuple[str, ...], object] = {}
        for key in new:
            out.update(_diff(base.get(key), new[key], (*path, str(key))))
        return out
    return {} if base == new else {path: new}


def check_label(name: str, config: Mapping, overlay: Mapping, labels: Labels) -> tuple[str, bool]:
    """(label, same_as_baseline) of a named check, from what its resolved config runs.

    An index change is described by the resolved index (method and scheme), so a per-year check
    under a CRITIC baseline reads "逐年 CRITIC 法", not "逐年熵值法"; the other settings by their
    new values. A redefined derived variable, or a setting with no description, falls back to
    the check's own label (catalog ``checks`` or ``report.variable_labels``; strict: an error
    names the check when it has neither).
    """
    from imtfp.config import merge

    changes = check_changes(config, overlay)
    if not changes:
        return labels.note("check_same"), True
    resolved = merge(config, overlay)
    parts = []
    for section in dict.fromkeys(path[0] for path in changes):
        keys = {path[1:]: v for path, v in changes.items() if path[0] == section}
        text = _describe(section, keys, resolved, labels)
        if text is None:
            return labels.column(name), False
        parts.append(text)
    return ("；" if labels.language != "en" else "; ").join(dict.fromkeys(parts)), False


def _describe(
    section: str, keys: Mapping[tuple[str, ...], object], resolved: Mapping, labels: Labels
) -> str | None:
    """Words for the changed ``keys`` of one config section, or None if some key has none."""
    texts = []
    for path, value in keys.items():
        describe = _DESCRIBERS.get((section, path[0] if path else ""))
        text = describe(value, resolved, labels) if describe is not None else None
        if text is None:
            return None
        texts.append(text)
    return _sep(labels).join(dict.fromkeys(texts))


def _sep(labels: Labels) -> str:
    return "、" if labels.language != "en" else ", "


def _index_words(value: object, resolved: Mapping, labels: Labels) -> str:
    """The resolved index (method and scheme), whichever of the two the check changed."""
    index = resolved["index"]
    key = "check_index" if index.get("scheme", "global") == "global" else "check_index_per_year"
    return _phrase(labels, key, index.get("method", "entropy"), ("methods",))


def _rescale_words(value: object, resolved: Mapping, labels: Labels) -> str:
    lo, hi = value  # type: ignore[misc]
    return labels.note("check_rescale", lo=f"{lo:g}", hi=f"{hi:g}")


def _variable_words(key: str) -> Callable[[object, Mapping, Labels], str]:
    def words(value: object, resolved: Mapping, labels: Labels) -> str:
        return labels.template(f"check_{key}", value if isinstance(value, str) else value[0])  # type: ignore[index]

    return words


def _controls_words(value: object, resolved: Mapping, labels: Labels) -> str:
    names = _sep(labels).join(labels.var(v) for v in value) if value else labels.row("none")  # type: ignore[union-attr]
    return labels.note("check_controls", names=names)


_DESCRIBERS: dict[tuple[str, str], Callable[[object, Mapping, Labels], str | None]] = {
    ("index", "method"): _index_words,
    ("index", "scheme"): _index_words,
    ("index", "rescale"): _rescale_words,
    ("coupling", "formula"): lambda v, r, lab: _phrase(lab, "check_coupling", v, ("choices",)),
    ("models", "x"): _variable_words("x"),
    ("models", "y"): _variable_words("y"),
    ("models", "controls"): _controls_words,
    ("models", "cov"): lambda v, r, lab: _phrase(lab, "check_cov", v, ("inference",)),
    ("models", "transforms"): lambda v, r, lab: _describe_transforms(v, lab),  # type: ignore[arg-type]
    ("panel", "drop_provinces"): lambda v, r, lab: lab.note(
        "check_drop",
        names=_sep(lab).join(province_names(v, lab.language)),  # type: ignore[arg-type]
    ),
    ("panel", "drop_years"): lambda v, r, lab: lab.note(
        "check_drop_years",
        years=_sep(lab).join(map(str, v)),  # type: ignore[call-overload]
    ),
    # ("panel", "derived"): absent on purpose — an expression is no label, the check's own label says it
}


def _phrase(labels: Labels, key: str, value: object, sections: tuple[str, ...]) -> str:
    """Note ``key`` with ``{name}`` = the label of ``value``."""
    name = labels.find(value, sections)
    return labels.note(key, name=name if name is not None else labels.unknown(value, "column"))


def _describe_transforms(spec: Mapping, labels: Labels) -> str:
    sep = "、" if labels.language != "en" else ", "
    parts = []
    win = (spec or {}).get("winsorize")
    if win:
        level = float(win.get("level", 0.01)) if isinstance(win, Mapping) else float(win)
        parts.append(labels.note("check_winsorize", pct=f"{level * 100:g}%"))
    logs = (spec or {}).get("log") or []
    if logs:
        parts.append(labels.note("check_log", names=sep.join(labels.var(v) for v in logs)))
    return sep.join(parts) if parts else labels.note("check_same")


def make_table(
    name: str,
    inputs: Mapping[str, pd.DataFrame],
    config: Mapping,
    *,
    prov: Provenance,
    simulated: bool,
    language: str | None = None,
) -> Table:
    """Build table ``name`` (a key of :data:`TABLE_INPUTS`) from its stored inputs, in
    ``language`` (default the first of ``report.languages``).

    ``config`` is the run's whole config: the robustness table labels each named check from
    what its resolved config runs (:func:`check_label`). ``prov`` is printed as the last note
    only with ``report.provenance: note`` (else it is the run's ``report/provenance`` file).
    """
    options, labels = report_options(config, language)
    common = {
        "options": options,
        "labels": labels,
        "provenance": prov if options.provenance == "note" else None,
        "simulated": simulated,
    }
    if name in ("descriptive", "correlation"):
        panel = inputs["panel"]
        variables = [v for v in _variables(config["models"]) if v in panel]
        extra = {"within": within_shares(panel, config["models"])} if name == "descriptive" else {}
        if name == "descriptive":
            common["units"] = variable_units(variables, config, options.language)
        return getattr(builders, f"{name}_table")(panel, variables=variables, **extra, **common)
    if name == "weights":
        facts = indicator_facts(config, options.language)
        return builders.weights_table(
            _two_level_weights(inputs["weights"]), indicators=facts, **common
        )
    if name == "coupling":
        coupling = inputs["coupling"]
        return builders.coupling_table(
            coupling.assign(region=coupling["province"].map(region)), **common
        )
    note = sample_note(config, inputs["imputed"], labels) if "imputed" in inputs else None
    notes = ((note,) if note else ()) + tuple(model_notes(name, config, inputs, labels))
    # a Driscoll–Kraay column below the configured minimum of periods prints no stars
    common["dk_min_periods"] = int(config["models"].get("dk_min_periods", DK_MIN_PERIODS))
    if name == "robustness":
        checks = {
            n: check_label(n, config, ov, labels)
            for n, ov in (config.get("robustness") or {}).items()
        }
        return builders.robustness_table(
            inputs["results"], summary=inputs.get("summary"), notes=notes, checks=checks, **common
        )
    if name in ESTIMATE_MODELS:
        return MODELS[name].table_builder()(inputs["results"], notes=notes, **common)
    raise ReportError(f"unknown table {name!r}; known: {sorted(TABLE_INPUTS)}")


def within_shares(panel: pd.DataFrame, models: Mapping) -> dict[str, float]:
    """Within-share of variance of the outcome and the core regressor (descriptive table)."""
    from imtfp.models.power import within_share

    x = models["x"] if isinstance(models["x"], str) else models["x"][0]
    entity, time = models.get("entity", "province"), models.get("time", "year")
    return {
        v: within_share(panel, v, entity=entity, time=time)
        for v in dict.fromkeys([models["y"], x])
        if v in panel
    }


def model_notes(
    name: str, config: Mapping, inputs: Mapping[str, pd.DataFrame], labels: Labels
) -> list[str]:
    """Notes a model table gains from its results and the config's lineage (issue 21): how the
    minimum detectable effect is computed, and the outcome–regressor source overlaps."""
    from imtfp.lineage import overlap_notes

    notes = []
    results = inputs.get("results")
    if results is not None and "term" in results and (results["term"] == "mde").any():
        notes.append(labels.note("mde"))
    return notes + overlap_notes(config, name, labels)


def figure_kind(stem: str) -> str:
    """The figure kind (a key of :data:`FIGURE_INPUTS`) of a file stem such as ``mediation_path_upgrading``."""
    for kind in FIGURE_INPUTS:
        if stem == kind or stem.startswith(f"{kind}_"):
            return kind
    raise ReportError(f"unknown figure {stem!r}; known kinds: {sorted(FIGURE_INPUTS)}")


def make_figures(
    name: str, inputs: Mapping[str, pd.DataFrame], config: Mapping, *, simulated: bool
) -> dict:
    """Figures of kind ``name`` (a key of :data:`FIGURE_INPUTS`): {file stem: matplotlib Figure}.

    One figure per kind, except the mediation path diagram: one per channel.
    """
    from imtfp.report import figures

    options, labels = report_options(config)
    common = {"options": options, "labels": labels, "simulated": simulated}
    models = config["models"]
    x = models["x"] if isinstance(models["x"], str) else models["x"][0]
    if name == "coupling_heatmap":
        return {
            name: figures.coupling_heatmap(
                _named_provinces(inputs["coupling"], options.language), **common
            )
        }
    if name == "index_density":
        return {name: figures.index_density(inputs["index"], **common)}
    if name == "tfp_by_region":
        return {
            name: figures.tfp_by_region(inputs["frame"], value=config["tfp"]["outcome"], **common)
        }
    if name == "heterogeneity_coef":
        return {name: figures.heterogeneity_coef_plot(inputs["tidy"], term=x, **common)}
    if name == "mediation_path":
        channels: Sequence[str] = list(models["mediation"]["channels"])
        return {
            f"{name}_{ch}": figures.mediation_path(
                inputs["tidy"], channel=ch, x=x, y=models["y"], **common
            )
            for ch in channels
        }
    if name == "specification_curve":
        mv = config["multiverse"]
        choices = [c for c, levels in mv["choices"].items() if len(levels) > 1]
        specs = inputs["specs"]
        baseline = specs.loc[_baseline_rows(specs, mv["baseline"]), "estimate"]
        return {name: figures.specification_curve(
            specs, choices=choices, baseline=float(baseline.iloc[0]) if len(baseline) else None, **common)}  # fmt: skip
    raise ReportError(f"unknown figure {name!r}; known: {sorted(FIGURE_INPUTS)}")


def _named_provinces(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """Province codes replaced by short names in the report's language (region kept for ordering)."""
    table = provinces.table().set_index("code")
    names = table["name_en"] if language == "en" else table["short_zh"]
    return frame.assign(region=frame["province"].map(region), province=frame["province"].map(names))


def _two_level_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """Within-subsystem weights and the overall IM index's weights as two columns, rows by subsystem."""
    sub = weights[weights["level"] != "im"]
    subsystem_of = dict(zip(sub["indicator"], sub["level"]))
    im = weights[weights["level"] == "im"].assign(
        level=lambda d: d["indicator"].map(subsystem_of), method="im"
    )
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
