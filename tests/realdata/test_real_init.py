"""`imtfp init` on a real EPS province export (issue 22): the columns it matches by name and unit,
the ones it leaves, and the sections it can and cannot write. The file is read where it lies
(../shared/data/digital), never copied."""

from __future__ import annotations

import pytest
import yaml

from imtfp.init import init

pytestmark = pytest.mark.realdata


def test_init_on_the_eps_province_panel(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("IMTFP_LANG", "en")
    path = shared_data / "digital" / "eps_province_panel_2011_2023.xlsx"
    result = init(path, "eps", project=tmp_path)
    matched = {m.column: m.code for m in result.matches}
    assert matched == {
        "GDP（亿元）": "gdp",
        "R&D经费（万元）": "rd_exp",
        "一般公共预算支出（亿元）": "fiscal_exp",
        "专利申请授权数（件）": "patent_grants",
        "城镇化率（%）": "urban_rate",
        "总人口（万人）": "population",
        "技术市场成交额（万元）": "tech_market",
        "数字普惠金融总指数": "pku_index",
        "电子商务销售额（亿元）": "ecommerce_sales",
        "能源消费量（万吨标煤）": "energy_use",
        "货物进出口金额（亿人民币）": "trade",
        "软件产品收入（亿元）": "software_products",
    }
    units = {m.code: m.unit for m in result.matches}
    assert units["tech_market"] == "万元" and units["energy_use"] == "万吨标准煤"
    unmatched = {m.column for m in result.unmatched}
    # per-capita and ratio columns are not the catalogue's levels: left, with the reason
    assert {
        "人均地区生产总值（元）",
        "对外开放度（进出口/GDP）",
        "每万人专利授权数（件/万人）",
    } <= unmatched
    assert result.years == (2011, 2023) and result.missing_provinces == []
    # no GRP index, GFCF, price index or employment: no TFP and no models, and init says so
    assert any("TFP needs gdp_index, gfcf, employment" in w for w in result.warnings)
    config = yaml.safe_load(result.config.read_text(encoding="utf-8"))
    assert "tfp" not in config and "models" not in config
    assert set(config["index"]["subsystems"]["factors"]) == {"pku_index"}
