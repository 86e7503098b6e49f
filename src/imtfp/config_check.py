"""Everything the config names, checked when it loads: keys, columns, indicators, design files.

A misspelled key (``panel.yeras``), a control the data do not have (``rd_intensty``), a placebo
outcome of another dataset (``iur``), an index indicator nobody provides or a design's pilot list
that is not there would otherwise stop a job minutes into the run, one error at a time. Here they
stop ``snakemake -n`` at once, naming the full key and the closest known names
("您是否指 'years'？ / did you mean 'years'?", difflib's ratio).

What a column may be depends on where it is named:

* ``checks`` and ``index`` read the panel: the dataset's indicators (the catalog codes its
  manifest maps), ``panel.derived`` / ``panel.replace`` names, ``province``, ``year``, ``region``;
* ``models`` reads the analysis frame: the panel and the measures the configured stages compute
  (``im_index`` and the subsystem indices, ``ccd``, the TFP columns of ``tfp.methods`` …);
* ``panel.derived`` expressions may use indicators and derived variables declared before them.

The column-valued keys are found through the schema (``$ref: '#/$defs/column'`` / ``columns``
and the indicator-direction maps of ``index``), so a key added to the schema later is checked
too. When the manifest cannot be read the column checks are skipped (loading the manifest
reports that itself). Messages come from :mod:`imtfp.messages` in the run's language.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import jsonschema
import yaml

from imtfp import messages
from imtfp.errors import ConfigError

KEY_COLUMNS = ("province", "year", "region")
#: Columns each stage adds to the analysis frame (``imtfp.analysis.analysis_frame``).
INDEX_COLUMNS = ("im_index", "technology", "factors", "industry")
NQPF_COLUMNS = ("nqpf", "nqpf_labourers", "nqpf_means_of_labour", "nqpf_objects_of_labour")
COUPLING_COLUMNS = ("ccd", "ccd_C", "ccd_T")
TFP_COLUMNS = ("gdp_real", "gdp_growth", "labour", "capital", "invest_pc_real")
#: TFP columns by method (``imtfp.tfp.stages.METHOD_COLUMNS``; not imported: it loads scipy).
METHOD_COLUMNS = {
    "solow": ("tfp_solow",),
    "malmquist": ("tfp_malmquist",),
    "ml": ("gtfp_ml",),
    "sfa": ("tfp_sfa",),
}
#: Columns of the industrial chain (``tfp.chains: [industry]``; ``imtfp.tfp.industry``): its inputs
#: and misallocation measures, and ``tfp_industry_<method>`` per ``tfp.industry.methods``.
INDUSTRY_COLUMNS = ("va_real_industry", "capital_industry", "labour_industry", "alpha_industry",
                    "tau_k", "tau_l", "misalloc_k", "misalloc_l")  # fmt: skip
INDUSTRY_METHODS = ("solow",)  # the chain's default methods
#: Indicators the TFP stage reads (the capital stage takes either price index).
TFP_INPUTS = ("gdp", "gdp_index", "employment", "gfcf")
PRICE_INPUTS = ("invest_price", "invest_price_index")
#: Sections the workflow cannot run without (its rules read them).
WORKFLOW_SECTIONS = ("index", "tfp", "models")
#: Sections whose column-valued keys read the panel (else the analysis frame).
PANEL_SECTIONS = ("checks", "index", "panel", "tfp")


def _fail(msg_id: str, **args: object) -> None:
    raise messages.error(ConfigError, msg_id, **args)


# ---- keys: walk the config beside its schema --------------------------------------------------


def _resolve(schema: object, root: Mapping) -> Mapping:
    """The schema node with its ``$ref`` (to ``#/$defs/...``) followed."""
    while isinstance(schema, Mapping) and "$ref" in schema:
        ref = str(schema["$ref"])
        node: object = root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]  # type: ignore[index]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}  # type: ignore[dict-item]
    return schema if isinstance(schema, Mapping) else {}


def _applicable(schema: object, node: object, root: Mapping) -> list[Mapping]:
    """The schema and every ``allOf`` / ``if``–``then`` / ``oneOf`` branch that applies to ``node``."""
    out: list[Mapping] = []
    s = _resolve(schema, root)
    out.append(s)
    for sub in s.get("allOf", []):
        sub = _resolve(sub, root)
        if "if" in sub:
            test = {**dict(sub["if"]), "$defs": root.get("$defs", {})}
            if jsonschema.Draft202012Validator(test).is_valid(node):
                out += _applicable(sub.get("then", {}), node, root)
        else:
            out += _applicable(sub, node, root)
    for key in ("oneOf", "anyOf"):
        for sub in s.get(key, []):
            sub = _resolve(sub, root)
            if isinstance(node, Mapping) and (sub.get("type") == "object" or "properties" in sub):
                out += _applicable(sub, node, root)
    return out


def _ref_kind(schema: object) -> str | None:
    """``column`` / ``columns`` / ``directions`` when the schema node names columns, else None."""
    if not isinstance(schema, Mapping):
        return None
    ref = str(schema.get("$ref", ""))
    for kind, suffix in (("column", "/column"), ("columns", "/columns")):
        if ref.endswith(suffix):
            return kind
    if ref.endswith("/indicator_directions"):
        return "directions"
    for key in ("oneOf", "anyOf"):
        kinds = {_ref_kind(sub) for sub in schema.get(key, [])} - {None}
        if kinds:
            return "column_or_columns"
    return None


def walk(
    node: object, schema: Mapping, root: Mapping, path: str = ""
) -> Iterator[tuple[str, str, object]]:
    """Yield ``("unknown", path, allowed keys)`` and ``("column", path, name)`` along the config."""
    kind = _ref_kind(schema)
    if kind == "directions" and isinstance(node, Mapping):
        for name in node:
            yield "column", f"{path}.{name}", name
        return
    if kind in ("column", "column_or_columns") and isinstance(node, str):
        yield "column", path, node
        return
    if kind in ("columns", "column_or_columns") and isinstance(node, list):
        for i, name in enumerate(node):
            if isinstance(name, str):
                yield "column", f"{path}[{i}]", name
        return
    schemas = _applicable(schema, node, root)
    if isinstance(node, Mapping):
        props: dict[str, object] = {}
        closed = False
        extra: object = None
        for s in schemas:
            for key, sub in s.get("properties", {}).items():
                if key not in props or sub not in (True, {}):  # `kind: true` keeps the real schema
                    props[key] = sub
            if s.get("additionalProperties") is False:
                closed = True
            elif isinstance(s.get("additionalProperties"), Mapping):
                extra = s["additionalProperties"]
        for key, value in node.items():
            sub_path = f"{path}.{key}" if path else str(key)
            if key in props:
                yield from walk(value, props[key], root, sub_path)  # type: ignore[arg-type]
            elif closed:
                yield "unknown", sub_path, sorted(props)
            elif extra is not None:
                yield from walk(value, extra, root, sub_path)  # type: ignore[arg-type]
    elif isinstance(node, list):
        for s in schemas:
            if isinstance(s.get("items"), Mapping):
                for i, item in enumerate(node):
                    yield from walk(item, s["items"], root, f"{path}[{i}]")
                break


def check_keys(config: Mapping, schema: Mapping, *, prefix: str = "") -> None:
    """An unknown key anywhere (``panel.yeras``) fails naming it and the closest known keys."""
    for what, path, detail in walk(config, schema, schema):
        if what == "unknown":
            name = path.rsplit(".", 1)[-1]
            hint = messages.did_you_mean(name, detail)  # type: ignore[arg-type]
            _fail("config.unknown_key", key=prefix + path, hint=hint)


# ---- names: what the data and the stages provide ----------------------------------------------


def manifest_indicators(config: Mapping) -> set[str] | None:
    """Catalog codes the config's manifest maps; None if it cannot be read (checked elsewhere).

    A file whose indicators are named only inside it (a ``tidy`` CSV) may hold any catalog code.
    """
    from imtfp.ingest import catalog

    path = (config.get("dataset") or {}).get("manifest")
    try:
        doc = yaml.safe_load(Path(str(path)).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, TypeError, ValueError):
        return None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("files"), list):
        return None
    codes: set[str] = set()
    open_ended = False
    for entry in doc["files"]:
        if not isinstance(entry, Mapping):
            continue
        found = [
            entry.get("indicator"),
            *(entry.get("indicators") or {}).values(),
            *(entry.get("columns") or {}).values(),
        ]
        found = [str(c) for c in found if c]
        codes |= set(found)
        open_ended |= not found
    if open_ended:
        codes |= set(catalog.indicators()["code"])
    return codes


def panel_columns(config: Mapping, indicators: set[str]) -> set[str]:
    """Columns of the panel: indicators, derived and replaced variables, the keys."""
    panel = config.get("panel") or {}
    names = set(indicators) | set(KEY_COLUMNS)
    names |= set(panel.get("derived") or {}) | set(panel.get("replace") or {})
    return names


def measure_columns(config: Mapping) -> set[str]:
    """Columns the configured stages add to the analysis frame."""
    names: set[str] = set()
    index = config.get("index")
    if isinstance(index, Mapping):
        names |= set(INDEX_COLUMNS) | set(COUPLING_COLUMNS)
        if index.get("nqpf"):
            names |= set(NQPF_COLUMNS)
    tfp = config.get("tfp")
    if isinstance(tfp, Mapping):
        names |= set(TFP_COLUMNS)
        for method in tfp.get("methods") or []:
            names |= set(METHOD_COLUMNS.get(str(method), (f"tfp_{method}",)))
        # the industrial chain's columns wherever it is configured (tfp.chains, or its section: a
        # named check that runs only the economy chain still inherits the baseline's model specs)
        industry = tfp.get("industry")
        if "industry" in (tfp.get("chains") or []) or isinstance(industry, Mapping):
            names |= set(INDUSTRY_COLUMNS)
            methods = (industry or {}).get("methods") or INDUSTRY_METHODS
            names |= {f"tfp_industry_{m}" for m in methods}
    return names


def _expression_names(expr: object) -> list[str]:
    """Column names an expression uses (function names left out); [] if it does not parse."""
    try:
        tree = ast.parse(" ".join(str(expr).split()), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return []  # the expression checks say why
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls]


def _unknown(key: str, name: str, known: set[str]) -> None:
    _fail("config.unknown_column", key=key, name=name, hint=messages.did_you_mean(name, known))


def check_derived(config: Mapping, indicators: set[str], *, prefix: str = "") -> None:
    """Each ``panel.derived`` expression uses indicators and derived variables declared before it."""
    panel = config.get("panel") or {}
    known = set(indicators) | set(KEY_COLUMNS) | set(panel.get("replace") or {})
    for name, expr in (panel.get("derived") or {}).items():
        for used in _expression_names(expr):
            if used not in known:
                _unknown(f"{prefix}panel.derived.{name}", used, known)
        known.add(name)


def check_columns(config: Mapping, schema: Mapping, indicators: set[str], *, prefix="") -> None:
    """Every column-valued key of the config names a column its stage can read.

    With a ``prefix`` (a named check merged onto the baseline) the multiverse and the sections of
    the models other than the baseline are left out: a named check estimates the baseline only
    (its overlay may leave e.g. a mediator of another chain in the inherited ``models.mediation``).
    """
    from imtfp.models.registry import MODELS

    skipped = {"designs", "multiverse", "report", "robustness"}
    if prefix:
        skipped |= {m.section for m in MODELS.values() if m.section.startswith("models.")}
    panel = panel_columns(config, indicators)
    frame = panel | measure_columns(config)
    for what, path, name in walk(config, schema, schema):
        head = path.split("[", 1)[0].split(".")
        if what != "column" or head[0] in skipped or ".".join(head[:2]) in skipped:
            continue
        section = head[0]
        known = panel if section in PANEL_SECTIONS else frame
        if name not in known:
            _unknown(prefix + path, str(name), known)
    for check, spec in (config.get("checks") or {}).items():
        for name in (spec or {}).get("thresholds") or {}:
            if name not in panel:
                _unknown(f"{prefix}checks.{check}.thresholds.{name}", str(name), panel)
    if not prefix:
        check_multiverse(config, frame)


def check_multiverse(config: Mapping, frame: set[str], *, prefix: str = "") -> None:
    """Multiverse choices name columns, measures, control sets and samples that exist."""
    mv = config.get("multiverse")
    if not isinstance(mv, Mapping):
        return
    columns = frame | set(mv.get("measures") or {})
    sets = mv.get("control_sets") or {}
    for name, cols in sets.items():
        for i, col in enumerate(cols or []):
            if col not in frame:
                _unknown(f"{prefix}multiverse.control_sets.{name}[{i}]", str(col), frame)
    choices = mv.get("choices") or {}
    for key, known in (
        ("y", columns),
        ("x", columns),
        ("controls", set(sets)),
        ("sample", set(mv.get("samples") or {})),
    ):
        for i, value in enumerate(choices.get(key) or []):
            if value not in known:
                _unknown(f"{prefix}multiverse.choices.{key}[{i}]", str(value), known)


def check_inputs(config: Mapping, indicators: set[str]) -> None:
    """The sections the workflow needs and the indicators TFP reads."""
    for section in WORKFLOW_SECTIONS:
        if not isinstance(config.get(section), Mapping):
            _fail("config.section_required", key=section)
    missing = [c for c in TFP_INPUTS if c not in indicators]
    if not set(PRICE_INPUTS) & indicators:
        missing.append(" / ".join(PRICE_INPUTS))
    if missing:
        _fail("config.tfp_inputs", key="tfp", missing=", ".join(missing))


def check_design_files(config: Mapping) -> None:
    """Each design's pilot list and outcome file exists (under the dataset root, else the
    manifest's folder). Data, not config: the workflow calls this as it loads, beside the raw
    files' check, so a config still validates where its data are absent (a fresh clone)."""
    dataset = config.get("dataset") or {}
    root = dataset.get("root") or config.get("data_root")
    base = Path(str(root)) if root else Path(str(dataset.get("manifest"))).parent
    for name, spec in (config.get("designs") or {}).items():
        for field in ("pilots", "outcome_data"):
            rel = (spec or {}).get(field)
            if rel and not (base / str(rel)).is_file():
                _fail("config.missing_file", key=f"designs.{name}.{field}", path=str(base / rel))


def check_config(config: Mapping, schema: Mapping | None = None) -> None:
    """Keys (with suggestions), then every name the config gives, baseline and named checks.

    Called first by :func:`imtfp.config.validate_all`; a config that breaks the schema in a way
    this does not see is left to the schema's own message.
    """
    from imtfp.config import check_sanity, load_schema, merge

    schema = schema if schema is not None else load_schema()
    check_keys(config, schema)
    overlays = {n: o for n, o in (config.get("robustness") or {}).items() if isinstance(o, Mapping)}
    for name, overlay in overlays.items():
        check_keys(overlay, schema, prefix=f"robustness.{name}.")
    validator = jsonschema.Draft202012Validator(schema)
    if not validator.is_valid(config):
        return
    check_sanity(config)  # its messages (reversed years, bad derived names) come before the names'
    indicators = manifest_indicators(config)
    if indicators is None:
        return
    check_inputs(config, indicators)
    check_derived(config, indicators)
    check_columns(config, schema, indicators)
    for name, overlay in overlays.items():
        merged = merge(config, overlay)
        if validator.is_valid(merged):
            prefix = f"robustness.{name}."
            check_derived(merged, indicators, prefix=prefix)
            check_columns(merged, schema, indicators, prefix=prefix)
