"""Estimation modules stay cheap to import: no scipy.stats, no matplotlib (a pipeline job that
only fits a model would spend most of its time importing them; issue 24)."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

MODULES = [
    "imtfp.models.panel",
    "imtfp.models.formula",
    "imtfp.models.iv",
    "imtfp.models.multiverse",
    "imtfp.models.mediation_analysis",
    "imtfp.models.did.cs",
    "imtfp.core.fe",
    "imtfp.core.wild",
]


@pytest.mark.parametrize("module", MODULES)
def test_import_does_not_load_scipy_stats_or_matplotlib(module):
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in ('scipy.stats', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"{module} imports {out.stdout.strip()}"
