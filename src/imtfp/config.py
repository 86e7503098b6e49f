"""Loading and validating the research configuration against the JSON schema.

Errors name the offending key as a dotted path (``panel.years``), so a typo
stops the run with a message a user can act on.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

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
    """The JSON schema (YAML) at ``path``, by default the one packaged with imtfp."""
    source = SCHEMA if path is None else Path(path)
    return yaml.safe_load(source.read_text(encoding="utf-8"))


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


def merge(base: Mapping, overlay: Mapping) -> dict:
    """Deep-merge ``overlay`` onto ``base`` (mappings merge, everything else replaces)."""
    out = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(path: str | Path, *overlays: str | Path) -> dict:
    """Read a config file, merge overlay files in order, validate, return the dict."""
    config = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for overlay in overlays:
        config = merge(config, yaml.safe_load(Path(overlay).read_text(encoding="utf-8")))
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

    ``prefix`` (``robustness.<check>.``) is put before every key named, for overlays.
    """
    from imtfp import expressions, provinces

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
    for name in panel.get("derived") or {}:
        expressions.check_name(name, key=f"config key '{prefix}panel.derived.{name}'")
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
    validate(config, schema)
    check_sanity(config)
    check_overlays(config, schema)
    __import__("imtfp.lineage").lineage.check_overlap(config)  # outcome vs regressor sources
