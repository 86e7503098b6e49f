"""`imtfp init` (issue 22): a researcher's panel to a config that loads, by name and unit, asking nothing.

The panels are the simulated demo written as a researcher has it (imtfp.demo.eps_panel: EPS-style
headers, short province names, one empty cell, one "—", price indices as previous year = 100), so
what the pipeline's reader gets back can be compared with the simulated values themselves.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from imtfp import demo, messages
from imtfp.config import validate_all
from imtfp.init import init, match_column

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
SEED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["seed"]


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("IMTFP_LANG", "en")


@pytest.fixture(scope="module")
def eps() -> pd.DataFrame:
    return demo.eps_panel(SEED)


@pytest.mark.parametrize(
    "header, code, unit",
    [
        ("地区生产总值（亿元）", "gdp", "亿元"),
        ("GDP（万元）", "gdp", "万元"),
        ("gdp", "gdp", "亿元"),  # a Stata column named by its code: the catalogue's unit
        ("Gross regional product (100 million yuan)", "gdp", "亿元"),
        ("地区生产总值指数(上年=100)", "gdp_index", "上年=100"),
        ("固定资产投资价格指数（上年＝100）", "invest_price_index", "上年=100"),
        ("固定资产投资价格指数(定基指数)", "invest_price", "定基指数"),
        ("信息传输、软件和信息技术服务业城镇单位就业人员（万人）", "info_employment", "万人"),
        ("能源消费量（万吨标煤）", "energy_use", "万吨标准煤"),
        ("货物进出口金额（亿人民币）", "trade", "亿元"),
        ("数字普惠金融总指数", "pku_index", "指数"),
        ("城镇化率（％）", "urban_rate", "%"),
    ],
)
def test_columns_match_by_name_and_unit(header, code, unit):
    m = match_column(header)
    assert (m.code, m.unit) == (code, unit), m.reason


@pytest.mark.parametrize(
    "header, reason",
    [
        ("人均地区生产总值（元）", "no indicator of the catalogue has this name"),
        (
            "地区生产总值（万人）",
            "cannot be converted to that of gdp",
        ),  # same name, wrong dimension
        ("城镇化率", "states no unit"),  # a rate without its unit could be a share or a percentage
        ("地区生产总值（张）", "is not in the unit table"),
    ],
)
def test_columns_that_do_not_match_say_why(header, reason):
    m = match_column(header)
    assert m.code is None and reason in m.reason


def test_init_writes_a_config_that_loads_and_a_manifest_the_reader_reads(tmp_path, eps):
    data = tmp_path / "mine.xlsx"
    eps.to_excel(data, sheet_name="面板数据", index=False)
    result = init(data, "mine", project=tmp_path)
    config = yaml.safe_load(result.config.read_text(encoding="utf-8"))
    assert config["run_name"] == "mine" and config["panel"]["years"] == [2011, 2022]
    assert config["panel"]["drop_provinces"] == ["西藏"] and result.missing_provinces == ["西藏"]
    assert config["dataset"] == {
        "manifest": "configs/manifests/mine.yaml", "root": ".", "on_bad_cell": "reject"
    }  # fmt: skip
    assert set(config) == {"run_name", "seed", "dataset", "panel", "checks", "index", "coupling",
                           "tfp", "models", "report"}  # fmt: skip
    assert config["models"]["controls"] == ["gov", "open", "urban_rate"]
    assert all(config["index"]["subsystems"][k] for k in ("technology", "factors", "industry"))
    assert "# 所有输出与日志写到 runs/<run_name>/ 下" in result.config.read_text(encoding="utf-8")
    assert [m.column for m in result.unmatched] == ["人均地区生产总值（元）"]
    assert result.renamed == {"内蒙": "内蒙古"}
    assert len(result.rejects) == 1 and result.rejects["raw_value"].iloc[0] == "—"
    assert result.warnings == []
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        validate_all(config)  # as the workflow loads it
    finally:
        os.chdir(here)


def test_the_reader_gets_back_the_simulated_values(tmp_path, eps):
    from imtfp.ingest.manifest import load_manifest, read_entry

    data = tmp_path / "mine.xlsx"
    eps.to_excel(data, sheet_name="面板数据", index=False)
    result = init(data, "mine", project=tmp_path)
    m = load_manifest(result.manifest, root=tmp_path)
    obs = read_entry(m, m.files[0], on_bad_cell="reject").observations
    sim = demo.simulate(SEED)["wide"].set_index(["province", "year"])
    got = obs.set_index(["province", "year", "code"])["value"]
    assert got[("15", 2015, "gdp")] == pytest.approx(sim.loc[("15", 2015), "gdp"], abs=0.006)
    # 软件业务收入 in 万元 becomes the catalogue's 亿元
    assert got[("44", 2020, "software_rev")] == pytest.approx(
        sim.loc[("44", 2020), "software_rev"] / 1e4, abs=1e-4
    )
    assert ("14", 2014, "urban_rate") not in got.index  # the empty cell
    assert ("41", 2016, "rd_intensity") not in got.index  # the "—" (a reject)
    assert obs["province"].nunique() == 30


def test_english_headers_in_a_csv_file(tmp_path, eps):
    english = {
        "省份": "province", "年份": "year", "地区生产总值（亿元）": "GDP (100 million yuan)",
        "就业人员（万人）": "Employed persons (10000 persons)", "城镇化率（%）": "Urbanisation rate (%)",
    }  # fmt: skip
    eps[list(english)].rename(columns=english).assign(
        province=lambda d: d["province"].replace({"北京": "Beijing", "内蒙": "Inner Mongolia"})
    ).to_csv(tmp_path / "panel.csv", index=False)
    result = init(tmp_path / "panel.csv", "en_panel", project=tmp_path, language="en")
    assert {m.code for m in result.matches} == {"gdp", "employment", "urban_rate"}
    assert "tfp" not in yaml.safe_load(result.config.read_text(encoding="utf-8"))
    assert result.warnings and "TFP needs gdp_index, gfcf" in result.warnings[0]
    assert "# every output and log goes under runs/<run_name>/" in result.config.read_text("utf-8")


def test_one_indicator_per_file_with_years_as_columns(tmp_path, eps):
    # NBS-style downloads: a file per indicator, a row per province, a column per year
    files = []
    for header in ("地区生产总值（亿元）", "城镇化率（%）"):
        wide = eps.pivot(index="省份", columns="年份", values=header)
        wide.columns = [f"{y}年" for y in wide.columns]
        path = tmp_path / f"{header.replace('（', '(').replace('）', ')')}.xlsx"
        wide.reset_index().rename(columns={"省份": "地区"}).to_excel(path, index=False)
        files.append(path)
    result = init(files, "yearbook", project=tmp_path)
    manifest = yaml.safe_load(result.manifest.read_text(encoding="utf-8"))
    assert [(f["layout"], f["indicator"]) for f in manifest["files"]] == [
        ("years", "gdp"), ("years", "urban_rate")
    ]  # fmt: skip
    assert result.layout == "wide" and result.years == (2011, 2022)


def test_an_existing_config_is_not_overwritten_without_force(tmp_path, eps):
    eps.to_excel(tmp_path / "mine.xlsx", index=False)
    init(tmp_path / "mine.xlsx", "mine", project=tmp_path)
    with pytest.raises(Exception, match="exists; choose another --name, or add --force"):
        init(tmp_path / "mine.xlsx", "mine", project=tmp_path)
    init(tmp_path / "mine.xlsx", "mine", project=tmp_path, force=True)


def test_the_command_prints_one_line_for_an_error(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "imtfp", "init", str(tmp_path / "absent.xlsx"), "--name", "x",
         "--project", str(tmp_path), "--lang", "zh"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.strip() == f"imtfp: 找不到文件 {tmp_path / 'absent.xlsx'}"


def test_every_message_has_both_languages_with_the_same_fields():
    import string

    for msg_id, entry in messages.catalogue().items():
        assert set(entry) == {"zh", "en"}, msg_id
        fields = [
            {f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f}
            for lang in ("zh", "en")
        ]
        assert fields[0] == fields[1], msg_id


def test_every_message_id_the_code_uses_is_in_the_catalogue():
    import re

    used = set()
    for path in (ROOT / "src" / "imtfp").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(
            re.findall(
                r"""(?:messages\.text|messages\.error\(\w+,)\(?\s*["']([a-z_]+\.[a-z_.]+)["']""",
                text,
            )
        )
        prefix = {"init.py": "init.", "quality.py": "quality."}.get(path.name)
        if prefix:
            used |= {prefix + m for m in re.findall(r"""_t\(\s*["']([a-z_.]+)["']""", text)}
    missing = sorted(u for u in used if u not in messages.catalogue() and not u.endswith("."))
    assert not missing


def test_the_practice_panel_has_exactly_the_holes_it_promises(eps):
    values = eps.drop(columns=["省份", "年份"])
    assert values.isna().sum().sum() == 1 and (values == "—").sum().sum() == 1
    assert eps["省份"].nunique() == 30 and sorted(eps["年份"].unique()) == list(range(2011, 2023))
    assert {"内蒙", "广西壮族自治区"} <= set(eps["省份"]) and "西藏" not in set(eps["省份"])
    sim = demo.simulate(SEED)
    history = sim["history"].set_index(["province", "year"])["invest_price"]
    chain = eps.set_index(["省份", "年份"])["固定资产投资价格指数（上年=100）"]
    expected = 100 * history[("44", 2015)] / history[("44", 2014)]
    assert chain[("广东", 2015)] == pytest.approx(expected, abs=0.005)


def test_a_stata_file_matched_by_variable_names_and_labels(tmp_path, eps):
    frame = eps[["省份", "年份", "地区生产总值（亿元）", "城镇化率（%）"]].rename(
        columns={
            "省份": "province",
            "年份": "year",
            "地区生产总值（亿元）": "gdp_nominal",
            "城镇化率（%）": "urban_rate",
        }  # fmt: skip
    )
    frame[["gdp_nominal", "urban_rate"]] = frame[["gdp_nominal", "urban_rate"]].apply(pd.to_numeric)
    frame.to_stata(tmp_path / "panel.dta", write_index=False, version=118,
                   variable_labels={"gdp_nominal": "地区生产总值（亿元）"})  # fmt: skip
    result = init(tmp_path / "panel.dta", "stata", project=tmp_path)
    assert {(m.column, m.code, m.unit) for m in result.matches} == {
        ("gdp_nominal", "gdp", "亿元"),  # by its label
        ("urban_rate", "urban_rate", "%"),  # by its name, the catalogue's unit assumed (said so)
    }
    assert "no unit in the header" in next(m.note for m in result.matches if m.code == "urban_rate")
