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


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_complete_configs_validate_with_every_named_check(path):
    # A file given with --configfile replaces config.yaml; its robustness checks are overlays on it.
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg.validate(config)
    for overlay in config.get("robustness", {}).values():
        cfg.validate(cfg.merge(config, overlay))


def test_named_checks_of_the_base_config_validate():
    for overlay in BASE["robustness"].values():
        cfg.validate(cfg.merge(BASE, overlay))


@pytest.mark.parametrize(
    "overlay, key",
    [({"panel": {"mising": "none"}}, "panel.mising"), ({"panel": {"years": [2011, "x"]}}, "panel.years.1"),
     ({"panel": {"missing": "mean"}}, "panel.missing"), ({"sead": 1}, "sead"), ({"seed": "1"}, "seed")],
)  # fmt: skip
def test_bad_config_names_the_key(overlay, key):
    with pytest.raises(ConfigError, match=f"config key '{key}'"):
        cfg.validate(cfg.merge(BASE, overlay))
