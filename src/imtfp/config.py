"""Loading and validating the research configuration against the JSON schema.

Errors name the offending key as a dotted path (``panel.years``), so a typo
stops the run with a message a user can act on.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from imtfp import config_check, lineage
from imtfp.errors import ConfigError

#: The schema ships inside the package, so an installed wheel validates as a checkout does.
SCHEMA = resources.files("imtfp") / "schemas" / "config.schema.yaml"


def _path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "additionalProperties":
        # The message lists the unexpected keys; name the first one in the path.
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        parts.append(extra[0] if extra else "?")
    return ".".join(parts) or "<top level>"


def load_schema(path: str | Path | None = None) -> dict:
    """The JSON schema (YAML) at ``path``, by default the one packaged with imtfp, with the lists
    the model registry derives filled in (:func:`imtfp.models.registry.complete_schema`)."""
    from imtfp.models.registry import complete_schema

    source = SCHEMA if path is None else Path(path)
    return complete_schema(yaml.safe_load(source.read_text(encoding="utf-8")))


def validate(config: Mapping, schema: Mapping | None = None) -> None:
    """Raise :class:`ConfigError` naming the key of the first (by path) violation.

    Examples
    --------
    >>> schema = {"type": "object", "properties": {"seed": {"type": "integer"}}}
    >>> validate({"seed": 7}, schema)
    >>> validate({"seed": "7"}, schema)
    Traceback (most recent call last):
    ...
    imtfp.errors.ConfigError: config key 'seed': '7' is not of type 'integer'
    """
    schema = schema if schema is not None else load_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        e = errors[0]
        raise ConfigError(f"config key '{_path(e)}': {e.message}")


#: List-valued keys an overlay adds to: a check's ``drop_provinces: [北京]`` drops Beijing as well as
#: what the baseline drops. ``drop_provinces: {replace: [北京]}`` replaces the baseline's list.
ADDITIVE_KEYS = frozenset({"drop_provinces", "drop_years", "extrapolation_allowed"})


def merge(base: Mapping, overlay: Mapping) -> dict:
    """Deep-merge ``overlay`` onto ``base``.

    Mappings merge; the lists of :data:`ADDITIVE_KEYS` add (each item once, the baseline's first)
    unless the overlay gives ``{replace: [...]}``, which replaces any list; everything else replaces.

    Examples
    --------
    >>> merge({"panel": {"drop_provinces": ["西藏"]}}, {"panel": {"drop_provinces": ["北京"]}})
    {'panel': {'drop_provinces': ['西藏', '北京']}}
    >>> merge({"panel": {"drop_provinces": ["西藏"]}}, {"panel": {"drop_provinces": {"replace": []}}})
    {'panel': {'drop_provinces': []}}
    """
    out = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if _replacement(value) and not isinstance(out.get(key), Mapping):
            out[key] = copy.deepcopy(value["replace"])
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        elif key in ADDITIVE_KEYS and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + [copy.deepcopy(v) for v in value if v not in out[key]]
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: str | Path) -> dict:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"cannot read the config file {path} ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(doc, Mapping):
        raise ConfigError(f"the config file {path} is not a mapping of sections")
    return dict(doc)


def _replacement(value: object) -> bool:
    """``{replace: [...]}``: the overlay's list replaces the baseline's."""
    return (
        isinstance(value, Mapping)
        and set(value) == {"replace"}
        and isinstance(value["replace"], list)
    )


def load(path: str | Path, *overlays: str | Path) -> dict:
    """Read a config file, merge overlay files in order, validate, return the dict."""
    config = _read_yaml(path)
    for overlay in overlays:
        config = merge(config, _read_yaml(overlay))
    validate_all(config)
    return config


# ---- sanity beyond the schema, and named robustness checks (issue 16, issue 13 item 4) ----------

#: Sections a named robustness check can change: the rules re-run a stage for a check from these
#: (workflow/rules/common.smk, STAGE_SECTIONS and models_spec). Any other top-level key in an overlay
#: (dataset, seed, report, multiverse …) would validate and then be silently ignored, so it is refused.
CHECK_SECTIONS = ("panel", "index", "coupling", "tfp", "models")


def _first_error(config: Mapping, schema: Mapping | None = None) -> tuple[str, str] | None:
    schema = schema if schema is not None else load_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    return (_path(errors[0]), errors[0].message) if errors else None


def _in_overlay(overlay: Mapping, path: str) -> bool:
    node: object = overlay
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def check_sanity(config: Mapping, *, prefix: str = "") -> None:
    """Mistakes the schema cannot see: reversed year ranges, unknown provinces, bad derived names.

    ``prefix`` (``robustness.<check>.``) is put before every key named, for overlays. Values of
    the wrong type (which the schema refuses first) are ConfigErrors here too.
    """
    try:
        _check_sanity(config, prefix)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(
            f"config: a value of the wrong type under {prefix or 'the top level'} "
            f"({type(exc).__name__}: {exc}); validate the config against the schema"
        ) from exc


def _check_sanity(config: Mapping, prefix: str) -> None:
    from imtfp import provinces

    panel = config.get("panel", {}) or {}
    years = panel.get("years")
    if years and len(years) == 2 and years[0] > years[1]:
        raise ConfigError(
            f"config key '{prefix}panel.years': first year {years[0]} is after last year {years[1]}"
        )
    for i, name in enumerate(panel.get("drop_provinces", []) or []):
        try:
            provinces.to_code(str(name))
        except ValueError:
            raise ConfigError(
                f"config key '{prefix}panel.drop_provinces[{i}]': {name!r} is not a province "
                "(a name such as 西藏 / 西藏自治区 / Tibet, or a code such as 54)"
            ) from None
    _check_derived(panel.get("derived") or {}, prefix)
    _check_derived(panel.get("replace") or {}, prefix, section="replace")
    share = panel.get("max_extrapolated_share")
    if share is not None and not 0 <= float(share) <= 1:
        raise ConfigError(
            f"config key '{prefix}panel.max_extrapolated_share': {share} is not a share in [0, 1]"
        )
    for sample, spec in ((config.get("multiverse") or {}).get("samples") or {}).items():
        for i, name in enumerate((spec or {}).get("drop_provinces", []) or []):
            try:
                provinces.to_code(str(name))
            except ValueError:
                raise ConfigError(
                    f"config key '{prefix}multiverse.samples.{sample}.drop_provinces[{i}]': {name!r} is not a province"
                ) from None
    het = (config.get("models") or {}).get("heterogeneity") or {}
    for name, span in (het.get("periods") or {}).items():
        key = f"config key '{prefix}models.heterogeneity.periods.{name}'"
        if not isinstance(span, (list, tuple)) or len(span) != 2 or span[0] > span[1]:
            raise ConfigError(f"{key}: {span!r} must be [start, end] with start <= end")
        if years and len(years) == 2 and (span[1] < years[0] or span[0] > years[1]):
            raise ConfigError(f"{key}: {list(span)} lies outside panel.years {list(years)}")


def _check_derived(derived: Mapping, prefix: str, *, section: str = "derived") -> None:
    """Derived names (not a function, keyword or key column) and the form and limits of their
    expressions (:func:`imtfp.expressions.parse`), before any data are read."""
    from imtfp import expressions

    for name, expr in derived.items():
        key = f"config key '{prefix}panel.{section}.{name}'"
        expressions.check_name(name, key=key)
        expressions.parse(expr, key=key, columns=None)


def check_derived_names(config: Mapping, indicators) -> None:
    """No derived variable of the baseline or of a named check may be named as an indicator the
    dataset provides (``indicators``: the catalog codes its manifest maps); ConfigError naming both.
    An indicator is replaced only on purpose, by ``panel.replace``, whose names must be indicators.

    The workflow calls this when it loads (the manifest says what the warehouse will hold);
    :func:`imtfp.panel.derive` checks the panel's actual columns again when it builds.
    """
    indicators = set(indicators)
    variants = [("", config)] + [
        (f"robustness.{n}.", merge(config, o))
        for n, o in (config.get("robustness") or {}).items()
        if isinstance(o, Mapping)
    ]
    for prefix, cfg in variants:
        panel = cfg.get("panel") or {}
        for name in panel.get("derived") or {}:
            if name in indicators:
                raise ConfigError(
                    f"config key '{prefix}panel.derived.{name}': the derived variable {name!r} would "
                    f"replace the indicator {name!r} of the dataset (and everything computed from "
                    "it); choose another name, or say so with panel.replace"
                )
        for name in panel.get("replace") or {}:
            if name not in indicators:
                raise ConfigError(
                    f"config key '{prefix}panel.replace.{name}': {name!r} is not an indicator of "
                    "the dataset (a new variable belongs in panel.derived)"
                )


def check_overlays(config: Mapping, schema: Mapping | None = None) -> None:
    """Validate every named robustness check merged onto the baseline; errors name the full key.

    A check may only override the sections the workflow re-runs per check (:data:`CHECK_SECTIONS`);
    any other key (``dataset``, ``seed``, ``report`` …) is refused rather than silently ignored.
    """
    schema = schema if schema is not None else load_schema()
    for name, overlay in (config.get("robustness") or {}).items():
        prefix = f"robustness.{name}."
        if not isinstance(overlay, Mapping):
            raise ConfigError(
                f"config key 'robustness.{name}': a check is a mapping of config sections"
            )
        for key in overlay:
            if key not in CHECK_SECTIONS:
                raise ConfigError(
                    f"config key '{prefix}{key}': a named check can change only {', '.join(CHECK_SECTIONS)} "
                    f"(the workflow builds `{key}` once for all checks); use a separate run config instead"
                )
        merged = merge(config, overlay)
        err = _first_error(merged, schema)
        if err:
            path, message = err
            where = (
                f"{prefix}{path}"
                if _in_overlay(overlay, path)
                else f"{prefix}(merged onto the baseline) {path}"
            )
            raise ConfigError(f"config key '{where}': {message}")
        check_sanity(merged, prefix=prefix)


def validate_all(config: Mapping, schema: Mapping | None = None) -> None:
    """The baseline against the schema and the sanity checks, then every named robustness check."""
    config_check.check_config(config, schema)  # keys and every name the config gives (suggestions)
    validate(config, schema)
    check_sanity(config)
    check_overlays(config, schema)
    lineage.check_overlap(config)  # an outcome composite sharing sources with the regressor


# ---- paths the config names (issue 23 item 4) --------------------------------------------------

#: A run name is a folder name and nothing else: no separator, no dot, no leading dash.
RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", re.ASCII)


def contained_path(path: object, *bases: str | Path, key: str) -> Path:
    """``base / path`` if it lies inside one of ``bases`` (after following symbolic links and
    ``..``), else :class:`ConfigError` naming the config key.

    The one containment check of every path a config names (the manifest, a design's pilot list
    and outcome data, the run folder) and of every output the run manifest lists; callers apply
    it before any folder is created or any file read. A relative ``path`` is taken relative to
    the first base; an absolute one must lie inside a base; ``~`` is refused (it would be the
    user's home on one machine and a folder named ``~`` on another).

    Examples
    --------
    >>> contained_path("pilot/pilots.csv", "/data", key="designs.d.pilots").as_posix()
    '/data/pilot/pilots.csv'
    >>> contained_path("../../etc/hostname", "/data", key="designs.d.pilots")
    Traceback (most recent call last):
    ...
    imtfp.errors.ConfigError: config key 'designs.d.pilots': '../../etc/hostname' leads outside /data
    """
    where = " or ".join(str(b) for b in bases)
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ConfigError(f"config key '{key}': {path!r} is not a path")
    text = str(path)
    if text.startswith("~") or "\x00" in text:
        raise ConfigError(f"config key '{key}': {text!r} is not a path inside {where}")
    candidate = Path(bases[0]) / text
    try:
        resolved = candidate.resolve()
        inside = any(resolved.is_relative_to(Path(b).resolve()) for b in bases)
    except (OSError, RuntimeError, ValueError):
        inside = False
    if not inside:
        raise ConfigError(f"config key '{key}': {text!r} leads outside {where}")
    return candidate


def run_folder(config: Mapping, *, project: str | Path) -> str | None:
    """``runs/<run_name>`` (relative to the project), or ``None`` without ``run_name``.

    ``run_name`` must be a slug (letters, digits, ``_``, ``-``; at most 64 characters), so the
    folder is one level below ``runs/``: checked here, before the workflow changes into it.
    """
    name = config.get("run_name")
    if name is None:
        return None
    if not isinstance(name, str) or not RUN_NAME.match(name):
        raise ConfigError(
            f"config key 'run_name': {name!r} is not a run name (letters, digits, _ and -, "
            "at most 64 characters, starting with a letter or digit)"
        )
    folder = Path("runs") / name
    contained_path(folder, project, key="run_name")
    return str(folder)


def _named_root(config: Mapping, project: Path) -> Path | None:
    """The dataset root the config names (``dataset.root``, else ``data_root``), if any."""
    dataset = config.get("dataset") or {}
    root = dataset.get("root") or config.get("data_root")
    return project / os.path.expanduser(str(root)) if root else None


def _design_paths(config: Mapping):
    """(key, path) of every file a design names, its design-level checks included."""
    for name, spec in (config.get("designs") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        for field in ("pilots", "outcome_data"):
            if spec.get(field) is not None:
                yield f"designs.{name}.{field}", spec[field]
        for check, overlay in (spec.get("checks") or {}).items():
            for field in ("pilots", "outcome_data"):
                if isinstance(overlay, Mapping) and overlay.get(field) is not None:
                    yield f"designs.{name}.checks.{check}.{field}", overlay[field]


def check_paths(config: Mapping, *, project: str | Path) -> None:
    """Every path the config names stays inside its folder, else :class:`ConfigError` naming the key.

    * ``run_name``: a slug (:func:`run_folder`);
    * ``dataset.manifest``: inside the project or the dataset root (``dataset.root``, else
      ``data_root``) — the roots themselves may be anywhere: they say where the data are;
    * ``designs.<d>.pilots`` / ``outcome_data`` (and a design check's): inside the dataset root,
      or the manifest's folder when no root is set (what ``design_root`` of the rules resolves).

    Run by the workflow before it changes into the run folder (``workflow/rules/runs.smk``), so a
    refused path creates nothing; works on a config not yet validated against the schema.
    """
    project = Path(project)
    run_folder(config, project=project)
    manifest = (config.get("dataset") or {}).get("manifest")
    root = _named_root(config, project)
    if manifest is not None:
        manifest = contained_path(manifest, project, *([root] if root else []),
                                  key="dataset.manifest")  # fmt: skip
    designs_root = root or (manifest.parent if manifest is not None else project)
    for key, path in _design_paths(config):
        contained_path(path, designs_root, key=key)
