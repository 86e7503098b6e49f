"""HiGHS prints a copyright banner on its first construction in a process; imtfp must keep stdout clean."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

SCRIPT = """
import pandas as pd
from imtfp.tfp.dea import dea
frame = pd.DataFrame({"k": [1.0, 2.0, 3.0], "y": [1.0, 3.0, 2.0]})
scores = dea(frame, ["k"], ["y"], engine="highspy")
assert bool(scores.notna().all())
"""


def test_highs_writes_nothing_to_stdout():
    """A fresh interpreter (the banner appears only once per process) solving DEA with HiGHS prints nothing."""
    pytest.importorskip("highspy")
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""


def test_plain_highspy_prints_the_banner():
    """The check above can fail: constructing highspy.Highs directly does print to stdout."""
    pytest.importorskip("highspy")
    run = subprocess.run(
        [sys.executable, "-c", "import highspy; highspy.Highs()"], capture_output=True, text=True
    )
    assert "HiGHS" in run.stdout
