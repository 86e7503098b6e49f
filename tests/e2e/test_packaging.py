"""The wheel built from the tree is a complete package: installed into a new virtual environment
(outside the source tree) it imports, reaches its subpackages and validates config.yaml with the
schema it ships (imtfp/schemas/config.schema.yaml)."""

import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
from pathlib import Path
import imtfp, imtfp.config
assert Path(imtfp.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), imtfp.__file__
assert imtfp.config.SCHEMA.is_file(), imtfp.config.SCHEMA
config = imtfp.config.load(sys.argv[1])
assert config["seed"] == int(config["seed"])
try:
    imtfp.config.validate({**config, "no_such_key": 1})
except imtfp.errors.ConfigError as err:
    print("rejected:", err)
else:
    raise SystemExit("an unknown key passed validation")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    (whl,) = out.glob("imtfp-*.whl")
    return whl


def test_installed_wheel_validates_the_config(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    install = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
                             capture_output=True, text=True, timeout=600)  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    # The dependencies come from the test environment's site-packages, appended after the new
    # environment's own (a plain path in a .pth file: the editable install's .pth there is not read,
    # so `import imtfp` can only find the wheel's copy).
    pure = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (Path(pure) / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    run = subprocess.run([python, "-c", CHECK, str(ROOT / "config.yaml")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "rejected: config key 'no_such_key'" in run.stdout
