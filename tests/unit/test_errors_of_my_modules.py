"""Every raise of the readers, the config, the expressions, the panel and the supervisor is an
ImtfpError subclass (issue 23; issue 26 item 7): odd inputs never escape as a bare library error."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from imtfp.errors import ConfigError, ImtfpError, IngestError

pytestmark = pytest.mark.unit
SRC = Path(__file__).resolve().parents[2] / "src" / "imtfp"
MODULES = [*sorted((SRC / "ingest").glob("*.py")), SRC / "config.py", SRC / "expressions.py",
           SRC / "panel.py", SRC / "supervise.py", SRC / "warehouse.py"]  # fmt: skip
BUILTIN = set(dir(builtins))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_no_builtin_exception_is_raised(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    raised = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if (
                isinstance(exc, ast.Name)
                and exc.id in BUILTIN
                and exc.id.endswith(("Error", "Exception"))
            ):
                raised.append(f"line {node.lineno}: {exc.id}")
    assert raised == []


def _imtfp_error(fn, *args, **kwargs) -> ImtfpError:
    with pytest.raises(ImtfpError) as info:
        fn(*args, **kwargs)
    return info.value


def test_config_files_that_cannot_be_read(tmp_path):
    from imtfp.config import check_sanity, load

    assert isinstance(_imtfp_error(load, tmp_path / "missing.yaml"), ConfigError)
    bad = tmp_path / "bad.yaml"
    bad.write_text("panel: [unclosed", encoding="utf-8")
    assert isinstance(_imtfp_error(load, bad), ConfigError)
    for odd in ({"panel": {"years": ["a", 2020]}}, {"panel": {"max_extrapolated_share": "x"}},
                {"models": {"heterogeneity": {"periods": {"p": ["a", 1]}}}}):  # fmt: skip
        assert isinstance(_imtfp_error(check_sanity, odd), ConfigError)


def test_lag_on_a_frame_with_repeated_keys():
    from imtfp.expressions import evaluate

    frame = pd.DataFrame({"province": ["11", "11"], "year": [2020, 2020], "gdp": [1.0, 2.0]})
    assert isinstance(_imtfp_error(evaluate, "lag(gdp)", frame, key="k"), ConfigError)


def test_panel_from_repeated_observations():
    from imtfp.panel import build_panel

    obs = pd.DataFrame({"province": ["11", "11"], "year": [2020, 2020], "indicator": ["gdp", "gdp"],
                        "value": [1.0, 2.0]})  # fmt: skip
    err = _imtfp_error(build_panel, obs, {"years": [2020, 2020]})
    assert "more than one value" in str(err)
    assert isinstance(_imtfp_error(build_panel, obs.drop(columns="value"), {"years": [2020, 2020]}),
                      ConfigError)  # fmt: skip


def test_warehouse_table_names():
    from imtfp.warehouse import read_table

    assert isinstance(_imtfp_error(read_table, "x.duckdb", "students"), ConfigError)


def test_manifest_entries_of_the_wrong_shape(tmp_path):
    from imtfp.ingest.manifest import Manifest, load_manifest, read_entry

    doc = tmp_path / "m.yaml"
    doc.write_text(yaml.safe_dump({"files": [{"path": "a.csv", "reader": "nbs", "vintage": "v",
                                              "indicators": ["gdp"]}]}), encoding="utf-8")  # fmt: skip
    assert isinstance(_imtfp_error(load_manifest, doc), IngestError)
    (tmp_path / "a.csv").write_text("province,year,indicator,value,unit\n北京,2020,gdp,1,亿元\n",
                                    encoding="utf-8")  # fmt: skip
    entry = {"path": "a.csv", "reader": "tidy", "vintage": "v", "exclude_cells": ["x"]}
    err = _imtfp_error(read_entry, Manifest("t", tmp_path, [entry]), entry)
    assert isinstance(err, IngestError) and "a.csv" in str(err)


def test_supervise_command_line():
    from imtfp.supervise import main

    assert main(["--watch", "x"]) == 2
    assert main(["--", str(Path("/nonexistent/snakemake"))]) == 2


def test_derive_with_a_non_numeric_year_for_lag():
    from imtfp.panel import derive

    frame = pd.DataFrame({"province": ["11"], "year": ["2020"], "gdp": [np.float64(1.0)]})
    assert isinstance(_imtfp_error(derive, frame, {"g": "lag(gdp)"}), ConfigError)
