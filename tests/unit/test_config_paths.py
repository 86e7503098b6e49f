"""Issue 23 item 4: every path a config names stays inside its folder, checked before any folder is
created; ``run_name`` is a safe slug."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from imtfp.config import check_paths, contained_path, run_folder
from imtfp.errors import ConfigError

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def _config(**changes) -> dict:
    cfg = copy.deepcopy(CONFIG)
    for dotted, value in changes.items():
        node = cfg
        *head, last = dotted.split("__")
        for part in head:
            node = node.setdefault(part, {})
        node[last] = value
    return cfg


def test_contained_path_returns_the_path_inside_its_base(tmp_path):
    (tmp_path / "a").mkdir()
    assert contained_path("a/b.csv", tmp_path, key="k") == tmp_path / "a" / "b.csv"
    assert contained_path(str(tmp_path / "a" / "b.csv"), tmp_path, key="k") == tmp_path / "a/b.csv"


@pytest.mark.parametrize(
    "bad", ["/etc/passwd", "../x.csv", "a/../../x.csv", "../../../../etc/hostname", "~/x.csv", ""]
)
def test_contained_path_refuses_paths_that_leave_the_base(tmp_path, bad):
    with pytest.raises(ConfigError, match="config key 'designs.d.pilots'"):
        contained_path(bad, tmp_path, key="designs.d.pilots")


def test_contained_path_follows_symbolic_links(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "link").symlink_to(tmp_path)
    with pytest.raises(ConfigError, match="outside"):
        contained_path("link/secret.csv", base, key="k")


def test_contained_path_accepts_any_of_several_bases(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert contained_path(str(b / "m.yaml"), a, b, key="k") == b / "m.yaml"


@pytest.mark.parametrize(
    ("key", "value"),
    [("designs__pilot__outcome_data", "/etc/passwd"),
     ("designs__pilot__pilots", "../../../../etc/hostname"),
     ("designs__pilot__pilots", "/etc/hostname"),
     ("dataset__manifest", "/etc/passwd"),
     ("dataset__manifest", "../../manifest.yaml")],
)  # fmt: skip
def test_config_paths_that_leave_their_folder_are_refused_naming_the_key(key, value):
    with pytest.raises(ConfigError, match=f"config key '{key.replace('__', '.')}'"):
        check_paths(_config(**{key: value}), project=ROOT)


def test_a_design_checks_path_is_checked_too():
    cfg = _config()
    cfg["designs"]["pilot"]["checks"] = {"other": {"outcome_data": "../../../etc/passwd"}}
    with pytest.raises(ConfigError, match="'designs.pilot.checks.other.outcome_data'"):
        check_paths(cfg, project=ROOT)


def test_the_repository_configs_pass(tmp_path):
    check_paths(CONFIG, project=ROOT)
    real = yaml.safe_load((ROOT / "configs" / "real_nbs.yaml").read_text(encoding="utf-8"))
    check_paths(real, project=ROOT)


@pytest.mark.parametrize(
    "name", ["../../x", "..", ".hidden", "a/b", "a b", "ä", "x" * 65, "", 7, "a.."]
)
def test_run_name_must_be_a_safe_slug(tmp_path, name):
    with pytest.raises(ConfigError, match="config key 'run_name'"):
        run_folder({"run_name": name}, project=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing created


@pytest.mark.parametrize("name", ["real", "mine", "demo_2", "a-b", "R1"])
def test_good_run_names_give_a_folder_under_runs(tmp_path, name):
    assert run_folder({"run_name": name}, project=tmp_path) == str(Path("runs") / name)
    assert run_folder({}, project=tmp_path) is None
