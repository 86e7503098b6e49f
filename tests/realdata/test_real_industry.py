"""The industrial TFP chain and the IM index v3 on the real data (configs/real_nbs.yaml, issue 21).

Known cells are read from the raw files of ../shared/data/nbs/scrape_2020 (the 分省年度数据 scrape of
about 2020; see ../shared/data/README.md, "Added for a manufacturing production function") with
pandas, independently of the project's readers, and followed to the capital stock and the TFP column.
Capital by hand: K_2003 = (原价 − 累计折旧)_2003 / P_2003 and K_t = (1 − δ) K_{t−1} + I_t / P_t, with I the
sum of the mining, manufacturing and utilities investment and P the investment price index (上年=100)
chained to 2008 = 1 (the config's tfp.industry); the tolerance is floating point (rel 1e-10).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import imtfp.config
from imtfp import lineage
from imtfp.checks import run_checks
from imtfp.core.fe import demean, group_codes
from imtfp.index import build_index
from imtfp.ingest.manifest import load_manifest
from imtfp.panel import build_panel
from imtfp.tfp import build_tfp_chains, capital_from_series, industry_capital, industry_checks
from imtfp.warehouse import ingest

pytestmark = [pytest.mark.reference, pytest.mark.realdata]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "real_nbs.yaml"
SCRAPE = "nbs/scrape_2020"


@pytest.fixture(scope="module")
def config() -> dict:
    return imtfp.config.load(CONFIG)


@pytest.fixture(scope="module")
def warehouse(shared_data, config):
    spec = config["dataset"]
    manifest = load_manifest(ROOT / spec["manifest"], root=shared_data)
    return ingest(
        manifest, on_bad_cell=spec["on_bad_cell"], vintage_priority=spec["vintage_priority"]
    )


@pytest.fixture(scope="module")
def panel(warehouse, config):
    return build_panel(warehouse.observations, config["panel"])


@pytest.fixture(scope="module")
def capital(panel, config):
    return industry_capital(panel["series"], config["tfp"])


@pytest.fixture(scope="module")
def tfp(panel, capital, config):
    return build_tfp_chains(panel["panel"], {"industry": capital}, config["tfp"])


def _scrape(shared_data: Path, name: str) -> pd.DataFrame:
    d = pd.read_csv(shared_data / SCRAPE / name)
    return d.assign(province=(d["省份编码"] // 10000).astype(str)).rename(columns={"年份": "year"})


def test_industrial_tfp_covers_the_window_with_estimated_elasticities(tfp):
    frame, el = tfp["tfp"], tfp["elasticities"].iloc[0]
    ok = frame["tfp_industry_solow"].notna()
    assert frame.loc[ok, "province"].nunique() >= 25 and frame.loc[ok, "year"].nunique() >= 8
    assert frame[["tfp_industry_solow", "tfp_industry_malmquist"]].notna().all().all()
    assert el["method"] == "fe" and 0 < el["alpha"] < 1 and el["alpha"] != 0.5
    assert el["se_alpha"] > 0 and el["n_clusters"] == 30


def test_beijing_capital_and_tfp_from_the_raw_scrape(shared_data, tfp, config):
    ind = config["tfp"]["industry"]
    fai = _scrape(shared_data, "固定资产投资和房地产_按行业分全社会固定资产投资.csv")
    price = _scrape(shared_data, "价格指数_固定资产投资价格指数(上年=100).csv")
    bal = _scrape(shared_data, "工业_规模以上工业企业主要经济指标.csv")
    cols = ["采矿业全社会固定资产投资(亿元)", "制造业全社会固定资产投资(亿元)",
            "电力、燃气及水的生产和供应业全社会固定资产投资(亿元)"]  # fmt: skip
    b = fai[fai["province"] == "11"].set_index("year")[cols].sum(axis=1, min_count=3).dropna()
    idx = price[price["province"] == "11"].set_index("year")["固定资产投资价格指数(上年=100)"]
    years = sorted(b.index)
    assert years[0] == 2003 and years[-1] == 2017
    level = idx.loc[years].div(100).cumprod()
    level = level / level.loc[ind["base_year"]]
    row = bal[(bal["province"] == "11") & (bal["year"] == 2003)].iloc[0]
    k = (
        row["规模以上工业企业固定资产原价合计(亿元)"] - row["规模以上工业企业累计折旧(亿元)"]
    ) / level[2003]
    for year in years[1:]:
        k = (1 - ind["delta"]) * k + b[year] / level[year]
    frame = tfp["tfp"].set_index(["province", "year"])
    assert frame.at[("11", 2017), "capital_industry"] == pytest.approx(k, rel=1e-10)
    # the Solow residual of that cell with the estimated elasticity
    va = _scrape(shared_data, "国民经济核算_地区生产总值.csv")
    ppi = _scrape(shared_data, "价格指数_工业生产者出厂价格指数(上年=100).csv")
    y_nom = va[(va["province"] == "11") & (va["year"] == 2017)]["工业增加值(亿元)"].iloc[0]
    p = (
        ppi[ppi["province"] == "11"]
        .set_index("year")["工业生产者出厂价格指数(上年=100)"]
        .sort_index()
    )
    p_level = float(np.prod(p.loc[2009:2017] / 100))  # 2008 = 1
    y = y_nom / p_level
    a = tfp["elasticities"]["alpha"].iloc[0]
    labour = frame.at[("11", 2017), "labour_industry"]
    ln_a = np.log(y) - a * np.log(k) - (1 - a) * np.log(labour)
    assert frame.at[("11", 2017), "va_real_industry"] == pytest.approx(y, rel=1e-10)
    assert frame.at[("11", 2017), "tfp_industry_solow"] == pytest.approx(ln_a, rel=1e-10)


def test_plausibility_checks_pass(panel, tfp, capital, config):
    panel_checks = run_checks(panel["panel"], config["checks"], imputed=panel["imputed"])
    assert not (panel_checks["status"] == "fail").any(), panel_checks[
        ["check", "indicator", "cells"]
    ]
    chain = industry_checks(tfp["tfp"], capital, config["tfp"])
    breaks = chain.set_index("check").loc["capital_breaks"]
    assert breaks["status"] == "pass" and breaks["n_tested"] >= 1
    # the documented real falls are reported with their reason; the 2016-2017 corrections are bridged
    assert "北京" in breaks["accepted"] and "海南" in breaks["accepted"]


def test_the_capital_check_fails_without_the_investment_bridges(panel, config):
    spec = imtfp.config.merge(config["tfp"], {"industry": {"splice": {"investment": []}}})
    cap = industry_capital(panel["series"], spec)
    frame = build_tfp_chains(panel["panel"], {"industry": cap}, spec)["tfp"]
    res = industry_checks(frame, cap, spec).set_index("check").loc["capital_breaks"]
    assert res["status"] == "fail" and ("甘肃", 2017) in set(zip(res["provinces"], res["years"]))
    assert {c for c in zip(res["provinces"], res["years"])} <= {
        ("辽宁", 2016),
        ("山西", 2017),
        ("甘肃", 2017),
    }


def test_industrial_growth_is_not_whole_economy_growth(warehouse, config):
    """Check whole_economy_2011_2017 builds both chains on 2011-2017: their TFP growth, within
    provinces and years, is correlated well below 0.95."""
    cfg = imtfp.config.merge(config, config["robustness"]["whole_economy_2011_2017"])
    out = build_panel(warehouse.observations, cfg["panel"])
    caps = {
        "industry": industry_capital(out["series"], cfg["tfp"]),
        "economy": capital_from_series(out["series"], cfg["tfp"]),
    }
    frame = build_tfp_chains(out["panel"], caps, cfg["tfp"])["tfp"].sort_values(
        ["province", "year"]
    )
    g = frame.groupby("province")[["tfp_industry_solow", "tfp_solow"]].diff().dropna()
    rows = frame.loc[g.index]
    w = demean(g.to_numpy(), [group_codes(rows["province"]), group_codes(rows["year"])])
    assert abs(np.corrcoef(w.T)[0, 1]) < 0.95
    assert abs(g.corr().iloc[0, 1]) < 0.95


def test_index_v3_is_centred_on_manufacturing(panel, config):
    spec = {**config["index"], "coupling": config["coupling"]}
    spec["sources"] = lineage.index_sources(config)
    w = build_index(panel["panel"], spec, imputed=panel["imputed"])["weights"]
    im = w[w["level"] == "im"].set_index("indicator")
    assert "robot_density" in im.index
    manufacturing = {"ind_rd_exp", "ind_newdev_exp", "ind_rd_projects", "ind_rd_fte",
                     "ind_newprod_projects", "robot_stock"}  # fmt: skip
    specific = [i for i, r in im.iterrows() if set(r["sources"].split(",")) & manufacturing]
    assert len(set(specific) - {"robot_density"}) >= 4
    grp = {"gdp", "gdp_v2020"}
    revenue = [i for i, r in im.iterrows()
               if set(r["sources"].split(",")) & grp and any(("revenue" in s or "sales" in s
               or s.endswith("_rev")) for s in r["sources"].split(","))]  # fmt: skip
    assert im.loc[revenue, "weight"].sum() <= 0.25
    nq = w[w["level"] == "nqpf"]
    im_src = {s for v in im["sources"] for s in v.split(",")}
    nq_src = {s for v in nq["sources"] for s in v.split(",")}
    assert not (im_src & nq_src) - lineage.catalogue_relations().scale
    # census-only schooling is flagged as filled (interpolated and carried) in the weights table
    assert nq.set_index("indicator").at["edu_years_15", "imputed_share"] > 0.8


def test_mediators_are_the_three_layers(config):
    channels = config["models"]["mediation"]["channels"]
    assert set(channels) >= {"tech_innovation", "allocation_capital", "structure_advanced",
                             "structure_rational"}  # fmt: skip
    assert (
        channels["structure_advanced"] == "ht_share" and channels["structure_rational"] == "theil"
    )
    assert config["models"]["mediation"]["mode"] == "two_step"


def test_real_config_headline_is_industrial_tfp_on_im_v3():
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert raw["models"]["y"] == "tfp_industry_solow" and raw["models"]["x"] == "im_index"
    assert raw["tfp"]["chains"] == ["industry"] and raw["tfp"]["outcome"] == "tfp_industry_solow"
