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
    validate(config)
    return config
