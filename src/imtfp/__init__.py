"""imtfp: intelligent manufacturing, coupling coordination and TFP for Chinese provincial panels.

The subpackages load on first use (``imtfp.models`` imports statsmodels and
scipy, which a ``snakemake --help`` or a config check need not pay for):

* :mod:`imtfp.ingest` — raw NBS files and the dataset manifest;
* :mod:`imtfp.index` — composite indices, coupling coordination;
* :mod:`imtfp.tfp` — capital stock, growth accounting, DEA/Malmquist TFP;
* :mod:`imtfp.models` — TWFE, mediation, heterogeneity, IV, threshold, multiverse;
* :mod:`imtfp.report` — journal tables and figures;
* :mod:`imtfp.config` — load and validate the research configuration;
* :mod:`imtfp.errors` — :class:`~imtfp.errors.ImtfpError` and its subclasses;
* :mod:`imtfp.options` — the ``Literal`` option types and :func:`~imtfp.options.check_option`.

Examples
--------
>>> import imtfp
>>> imtfp.errors.ConfigError.__mro__[1].__name__
'ImtfpError'
>>> callable(imtfp.models.twfe)
True
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING

#: The installed package's version (pyproject.toml), as the tables' provenance note prints it.
__version__ = metadata.version("imtfp")

#: Subpackages and modules reachable as attributes of ``imtfp`` (imported lazily).
SUBMODULES = (
    "analysis",
    "config",
    "core",
    "errors",
    "index",
    "ingest",
    "models",
    "options",
    "panel",
    "provinces",
    "quality",
    "report",
    "results",
    "robustness",
    "tfp",
    "tidy",
    "warehouse",
)

__all__ = ["__version__", *SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from imtfp import (  # noqa: F401
        analysis,
        config,
        core,
        errors,
        index,
        ingest,
        models,
        options,
        panel,
        provinces,
        quality,
        report,
        results,
        robustness,
        tfp,
        tidy,
        warehouse,
    )


def __getattr__(name: str):
    """Import a subpackage on first attribute access (PEP 562)."""
    if name in SUBMODULES:
        module = importlib.import_module(f"imtfp.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'imtfp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUBMODULES))
