"""Send a rule's log records and warnings to its log file."""

from __future__ import annotations

import logging
import sys
from pathlib import Path


def to_file(path: str | Path) -> logging.Logger:
    """Route the ``imtfp`` logger, warnings and stderr to ``path``; return the logger."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the rule's process
    sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
    logging.captureWarnings(True)
    return logging.getLogger("imtfp")
