"""Public names cannot be shadowed by submodules (issue 26).

``from imtfp.models import mediation`` once returned the module ``imtfp/models/mediation.py``
after any submodule import, because an imported submodule becomes an attribute of its package.
Each check runs in a fresh interpreter: import every submodule first, then every public name.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

PROBE = """
import importlib, inspect, pkgutil, types
import {package} as pkg

for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + "."):
    importlib.import_module(info.name)
bad = {{}}
for name in pkg.__all__:
    value = getattr(importlib.import_module("{package}"), name)
    exec(f"from {package} import {{name}} as got", globals())
    if isinstance(value, types.ModuleType) or isinstance(got, types.ModuleType):
        bad[name] = "module"
    elif not (inspect.isfunction(got) or inspect.isclass(got)):
        bad[name] = type(got).__name__
print(len(pkg.__all__), bad)
"""


@pytest.mark.parametrize("package", ["imtfp.models", "imtfp.models.did"])
def test_every_public_name_is_a_function_or_class_after_importing_every_submodule(package):
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    count, bad = run.stdout.split(" ", 1)
    assert int(count) >= 10 and bad.strip() == "{}", run.stdout


def test_the_issue_reproducer():
    code = (
        "import imtfp.models.multiverse\n"
        "from imtfp.models import twfe, mediation, threshold\n"
        "print(all(callable(f) and not hasattr(f, '__path__') and f.__class__.__name__ == 'function'"
        " for f in (twfe, mediation, threshold)))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0 and run.stdout.strip() == "True", run.stderr[-2000:]
