"""Every raise in src/imtfp is an ImtfpError subclass (issue 26): no bare ValueError, TypeError or
KeyError, so a caller catches imtfp's errors with one class and a test asserts the exact one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imtfp import errors

pytestmark = pytest.mark.unit
SRC = Path(__file__).resolve().parents[2] / "src" / "imtfp"
BARE = re.compile(r"raise (ValueError|TypeError|KeyError)\b")


def test_no_bare_builtin_error_is_raised():
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE.search(line)
    ]
    assert not found, found


def test_the_error_classes_keep_their_builtin_bases():
    for cls in (errors.ConfigError, errors.EstimationError, errors.IngestError, errors.ReportError):
        assert issubclass(cls, errors.ImtfpError) and issubclass(cls, ValueError)
    assert issubclass(errors.InputTypeError, errors.ImtfpError)
    assert issubclass(errors.InputTypeError, TypeError)
