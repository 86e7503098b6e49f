"""Every config file in the repository validates; a bad key stops with its name."""

from pathlib import Path

import pytest
import yaml

import imtfp.config as cfg
from imtfp.errors import ConfigError

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def test_base_config_validates():
    cfg.validate(BASE)


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")) + sorted((ROOT / "tests" / "configs").glob("*.yaml")))
def test_overlays_validate_on_the_base(path):
    cfg.validate(cfg.merge(BASE, yaml.safe_load(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize(
    "overlay, key",
    [({"panel": {"mising": "none"}}, "panel.mising"), ({"panel": {"years": [2011, "x"]}}, "panel.years.1"),
     ({"panel": {"missing": "mean"}}, "panel.missing"), ({"sead": 1}, "sead"), ({"seed": "1"}, "seed")],
)  # fmt: skip
def test_bad_config_names_the_key(overlay, key):
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        cfg.validate(cfg.merge(BASE, overlay))
