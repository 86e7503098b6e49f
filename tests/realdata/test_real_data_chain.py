"""Real data followed through the chain: raw files -> warehouse -> panel -> index -> capital -> TFP.

The chain is the real-data config configs/real_nbs.yaml with its manifest configs/manifests/real_nbs.yaml,
run in-process as the Snakemake rules call it. Published numbers and their sources:

* Hubei's GRP index (上年=100) 2020 = 94.6 and 2021 = 112.9, Beijing 2020 = 101.4, 2020 the trough of
  2018-2021 in every province but Tibet: ../shared/data/README.md ("Checks" of nbs/portal), i.e. the NBS portal, 2025 revision.
* An independent, earlier vintage of the NBS index: the assembled panel ../shared/data/panels/分省年度数据_整合.csv
  (RenJiyi163, MIT), whose `GDP指数_上年=100` is documented as shifted by one year from about 2015: its
  value at t + 1 is the first-release growth of year t (Hubei -5.0 for 2020 stored at 2021, as in the
  provincial 2020 statistical communiqués). Tolerance: 0.5 points per province for 2020 (the 2025 revision
  moved Hubei from -5.0 to -5.4), median 0.2, and the alignment must be at lag 0 (a one-year lead or
  lag gives a median gap of more than 2 points).
* Beijing GRP 2019 = 37767.0 and Guangdong GRP 2020 = 113708.9 亿元 (2025 vintage): data README.
* Guangdong 软件业务收入 2020 = 136304491.7 万元: the NBS API file (line 187), parsed exactly.
* Beijing K_2022 = 40271.13639 亿元 in 1952 prices: README of the R package CHNCapitalStock
  (``CompK(prv = 'beijing', bt = 1952)``), quoted in ../shared/data/README.md; tolerance 1e-6 relative.
* Independent recomputations written in this file: Zhang, Wu & Zhang (2004) capital, the Solow residual,
  the labour splice, and the entropy-weighted technology subsystem (min-max to [lo, hi], p = z/sum z,
  e = -sum p ln p / ln n, w = (1-e)/sum(1-e), score = sum w z); tolerance 1e-10 relative (rounding).
* Row accounting: non-empty cells counted independently from each raw file (second parsers written here).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import imtfp.config
from imtfp.index import build_index
from imtfp.ingest.manifest import load_manifest
from imtfp.panel import build_panel
from imtfp.provinces import to_code
from imtfp.tfp import build_tfp, capital_from_series
from imtfp.warehouse import ingest

pytestmark = [pytest.mark.reference, pytest.mark.realdata]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "real_nbs.yaml"
GDP_FILE = "nbs/legacy/分省年度数据.csv"
INDEX_FILE = "nbs/portal/分省年度数据_地区生产总值指数.csv"
SOFTWARE_FILE = "nbs/api_2025/software_it_services.csv"
EMPLOYMENT_FILE = "employment/total_employment_2012_2024.csv"
CAPITAL_FILE = "capital/chn_capital_stock_asset.csv"

ASSEMBLED_PANEL = "panels/分省年度数据_整合.csv"


def first_release_growth(shared_data: Path, year: int) -> pd.Series:
    """Real growth of ``year`` (%) by province code from the assembled panel's shifted index (t + 1)."""
    raw = pd.read_csv(shared_data / ASSEMBLED_PANEL, encoding="utf-8-sig")
    raw["code"] = raw["地区"].map(to_code)
    index = raw.loc[raw["年份"] == year + 1].set_index("code")["GDP指数_上年=100"]
    return (index - 100).dropna()


@pytest.fixture(scope="module")
def base_config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config(base_config) -> dict:
    """The v2 study (2016-2022, the digital core, whole-economy TFP): since v3 (issue 21) the named
    check ``digital_economy_v2`` of the real config; the industrial chain is test_real_industry.py."""
    return imtfp.config.merge(base_config, base_config["robustness"]["digital_economy_v2"])


@pytest.fixture(scope="module")
def warehouse(shared_data, config):
    spec = config["dataset"]
    manifest = load_manifest(ROOT / spec["manifest"], root=shared_data)
    return ingest(
        manifest, on_bad_cell=spec["on_bad_cell"], vintage_priority=spec["vintage_priority"]
    )


@pytest.fixture(scope="module")
def panel(warehouse, config) -> dict[str, pd.DataFrame]:
    return build_panel(warehouse.observations, config["panel"])


@pytest.fixture(scope="module")
def index(panel, config) -> dict[str, pd.DataFrame]:
    return build_index(panel["panel"], {**config["index"], "coupling": config["coupling"]})


@pytest.fixture(scope="module")
def capital(panel, config) -> pd.DataFrame:
    return capital_from_series(panel["series"], config["tfp"])


@pytest.fixture(scope="module")
def tfp(panel, capital, config) -> pd.DataFrame:
    return build_tfp(panel["panel"], capital, config["tfp"]).set_index(["province", "year"])


# --------------------------------------------------------------------------- independent raw parsers
def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _nbs_cells(path: Path) -> int:
    """Non-empty data cells of an NBS export: rows between the 地区/指标 header and the footer."""
    text = _decode(path)
    sep = "\t," if "\t," in text else ","
    n, inside = 0, False
    for line in text.splitlines():
        cells = [c.strip() for c in line.split(sep)]
        if cells[0] in ("地区", "指标"):
            inside = True
        elif inside and (not cells[0] or cells[0].startswith(("注", "数据来源", "\u3000"))):
            break
        elif inside:
            n += sum(1 for c in cells[1:] if c not in ("", ","))
    return n


def _csv_cells(path: Path, skip: set[str]) -> int:
    rows = list(csv.DictReader(io.StringIO(_decode(path))))
    return sum(1 for r in rows for k, v in r.items() if k not in skip and (v or "").strip() != "")


def _frame_cells(df: pd.DataFrame, skip: set[str]) -> int:
    cells = df.drop(columns=[c for c in skip if c in df.columns])
    text = cells.astype(str).apply(lambda s: s.str.strip())
    return int((cells.notna() & (text != "") & (text != "nan")).to_numpy().sum())


def _expected_cells(path: Path, entry: dict) -> int:
    if entry["reader"] == "nbs":
        return _nbs_cells(path)
    layout = entry.get("layout", "long")
    if layout == "years":
        return _nbs_cells(path)  # same body: province rows between the 地区 header and 注
    skip = {entry.get("province_column", "province")} | (
        {entry.get("year_column", "year")} if layout == "long" else set()
    )
    if path.suffix == ".xlsx":
        return _frame_cells(pd.read_excel(path, sheet_name=entry.get("sheet", 0)), skip)
    if path.suffix == ".dta":
        return _frame_cells(pd.read_stata(path, convert_categoricals=False), skip)
    return _csv_cells(path, skip)


def _entropy_scores(
    X: pd.DataFrame, directions: dict[str, int], lo: float, hi: float
) -> np.ndarray:
    """Entropy-weighted composite, written out (global scheme)."""
    Z = []
    for col, d in directions.items():
        x = X[col].to_numpy(float)
        z = (x - x.min()) / (x.max() - x.min()) if d > 0 else (x.max() - x) / (x.max() - x.min())
        Z.append(lo + (hi - lo) * z)
    Z = np.column_stack(Z)
    P = Z / Z.sum(axis=0)
    e = -(P * np.log(P)).sum(axis=0) / math.log(len(Z))
    w = (1 - e) / (1 - e).sum()
    return Z @ w


# --------------------------------------------------------------------------- tests
def test_config_validates_against_the_schema(base_config):
    imtfp.config.validate(base_config)
    for overlay in base_config["robustness"].values():
        imtfp.config.validate(imtfp.config.merge(base_config, overlay))
    assert base_config["data_root"] == "../shared/data"


def test_row_accounting_balances_for_every_real_file(shared_data, config, warehouse):
    manifest = yaml.safe_load((ROOT / config["dataset"]["manifest"]).read_text(encoding="utf-8"))
    acc = warehouse.accounting.set_index("source_file")
    assert list(acc.index) == [f["path"] for f in manifest["files"]]
    for entry in manifest["files"]:
        expected = _expected_cells(shared_data / entry["path"], entry)
        row = acc.loc[entry["path"]]
        # header lines, column header and notes are counted too (as excluded text cells): take them off
        exc = warehouse.excluded[warehouse.excluded["source_file"] == entry["path"]]
        text = int(exc.loc[exc["kind"].isin(["header", "column_header", "note"]), "cells"].sum())
        assert row["nonempty_cells"] - text == expected, entry["path"]
        assert row["observations"] + row["rejects"] + row["excluded_cells"] - text == expected, (
            entry["path"]
        )
    # every reject is a copy of a kept cell, a superseded release, a cell the manifest excludes with a
    # reason, or a row the source itself flags as not observed: nothing unreadable
    reasons = warehouse.rejects["reason"]
    kinds = (
        "duplicate of ",
        "superseded by vintage ",
        "excluded by manifest: ",
        "not an observation according",
    )
    assert reasons.str.startswith(kinds).all(), reasons[~reasons.str.startswith(kinds)].unique()[:3]


def test_hubei_real_growth_from_the_raw_index_to_tfp(shared_data, warehouse, panel, tfp, config):
    lines = _decode(shared_data / INDEX_FILE).splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("地区"))
    years = [c.strip() for c in lines[header].split("\t,")]
    number = next(i for i, ln in enumerate(lines) if ln.startswith("湖北省")) + 1
    cells = [c.strip() for c in lines[number - 1].split("\t,")]
    assert (cells[years.index("2020年")], cells[years.index("2021年")]) == ("94.6", "112.9")

    obs = warehouse.observations.set_index(["province", "year", "indicator"])
    kept = obs.loc[("42", 2020, "gdp_index")]
    assert (kept["value"], kept["vintage"], kept["source_file"], kept["source_line"]) == (
        94.6, "nbs-2025", INDEX_FILE, number)  # fmt: skip
    p = panel["panel"].set_index(["province", "year"])
    assert p.at[("42", 2020), "gdp_index"] == 94.6 and p.at[("42", 2021), "gdp_index"] == 112.9
    assert p.at[("11", 2020), "gdp_index"] == 101.4
    # the old, shifted copy of the index in the assembled panel is not read any more
    assert not (warehouse.observations["indicator"].eq("gdp_index")
                & warehouse.observations["source_file"].ne(INDEX_FILE)).any()  # fmt: skip

    assert (
        tfp.at[("42", 2020), "gdp_growth"] == pytest.approx(-5.4)
        and tfp.at[("42", 2020), "gdp_growth"] < 0
    )
    assert tfp.at[("42", 2021), "gdp_growth"] == pytest.approx(12.9)
    base = config["tfp"]["real_gdp_base_year"]
    assert tfp.at[("42", base), "gdp_real"] == p.at[("42", base), "gdp"]
    assert tfp.at[("42", 2021), "gdp_real"] / tfp.at[("42", 2020), "gdp_real"] == pytest.approx(
        1.129, rel=1e-12
    )
    real = tfp.at[("42", 2022), "gdp_real"]
    chained = p.at[("42", base), "gdp"] * math.prod(
        p.at[("42", t), "gdp_index"] / 100 for t in range(base + 1, 2023)
    )
    assert real == pytest.approx(chained, rel=1e-12)
    # 2020 is the trough of real growth 2018-2021 in every province of the panel (Tibet, the exception, is
    # dropped; 2022 is lower still in Beijing, Shanghai, Jilin..., Gansu 2017 and Liaoning 2016 too)
    growth = tfp["gdp_growth"].unstack()
    assert (growth.loc[:, 2018:2021].idxmin(axis=1) == 2020).all()


def test_real_growth_matches_the_first_release_without_a_shift(tfp, shared_data):
    growth = tfp["gdp_growth"].unstack()
    first = first_release_growth(shared_data, 2020).reindex(growth.index).dropna()
    assert len(first) >= 29 and first["42"] == pytest.approx(-5.0)
    gap = {lag: (growth[2020 + lag].reindex(first.index) - first).abs() for lag in (-1, 0, 1)}
    assert gap[0].max() <= 0.5 and gap[0].median() <= 0.2
    assert gap[-1].median() > 2 and gap[1].median() > 2


def test_software_revenue_cell_from_the_raw_file_to_the_index(
    shared_data, warehouse, panel, index, config
):
    lines = _decode(shared_data / SOFTWARE_FILE).splitlines()
    header = lines[0].split(",")
    number = next(i for i, ln in enumerate(lines) if ln.startswith("440000000000,广东省,2020,")) + 1
    raw = lines[number - 1].split(",")[header.index("软件业务收入 (万元)")]
    assert raw == "136304491.7"

    obs = warehouse.observations.set_index(["province", "year", "indicator"])
    kept = obs.loc[("44", 2020, "software_rev")]
    assert (kept["source_file"], kept["source_line"], kept["raw_unit"]) == (
        SOFTWARE_FILE,
        number,
        "万元",
    )
    assert kept["value"] == pytest.approx(13630.44917, rel=1e-12)  # 亿元
    p = panel["panel"].set_index(["province", "year"])
    assert p.at[("44", 2020), "software_gdp"] == pytest.approx(
        13630.44917 / 113708.9 * 100, rel=1e-12
    )
    # the technology subsystem, recomputed by hand from the panel
    tech = config["index"]["subsystems"]["technology"]
    directions = {k: (1 if v == "+" else -1) for k, v in tech.items() if v is not None}
    pan = panel["panel"].sort_values(["province", "year"]).reset_index(drop=True)
    lo, hi = config["index"]["rescale"]
    expected = _entropy_scores(pan, directions, lo, hi)
    got = index["index"].sort_values(["province", "year"])["technology"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10)

    # Heilongjiang's 2018 counting break: the 2016-2017 cells are rejects with the manifest's reason and
    # are filled from 2018 (recorded), not read at the old level
    rej = warehouse.rejects
    hlj = rej[(rej["province"] == "23") & (rej["indicator"] == "software_rev")]
    assert (
        sorted(hlj["year"]) == [2016, 2017] and hlj["reason"].str.contains("counting break").all()
    )
    imp = panel["imputed"].set_index(["province", "year", "indicator"])
    assert imp.at[("23", 2016, "software_rev"), "method"] == "carry"
    assert p.at[("23", 2016), "software_rev"] == p.at[("23", 2018), "software_rev"]


def test_beijing_gdp_2019_from_the_raw_file_to_the_panel(shared_data, warehouse, panel):
    lines = _decode(shared_data / GDP_FILE).splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("地区,"))
    col = lines[header].split(",").index("2019年")
    row = next(i for i, ln in enumerate(lines) if ln.startswith("北京市,"))
    assert lines[row].split(",")[col] == "37767.0"
    obs = warehouse.observations.set_index(["province", "year", "indicator"])
    assert (
        obs.loc[("11", 2019, "gdp"), "value"] == 37767.0
        and obs.loc[("11", 2019, "gdp"), "vintage"] == "nbs-2025"
    )
    # one release per GRP cell: every GRP observation is of the 2025 revision, and its copies are recorded
    assert set(
        warehouse.observations.loc[warehouse.observations["indicator"] == "gdp", "vintage"]
    ) == {"nbs-2025"}
    rej = warehouse.rejects
    copies = rej[(rej["province"] == "11") & (rej["year"] == 2019) & (rej["indicator"] == "gdp")]
    assert len(copies) == 2 and copies["reason"].str.startswith("duplicate of ").all()
    p = panel["panel"].set_index(["province", "year"])
    assert p.at[("11", 2019), "gdp"] == 37767.0 and p.at[("44", 2020), "gdp"] == 113708.9
    assert not (panel["imputed"]["indicator"] == "gdp").any()


def test_employment_observed_spliced_and_at_most_90_cells_imputed(shared_data, panel, tfp, config):
    imputed = panel["imputed"]
    emp = imputed[imputed["indicator"] == "employment"]
    first, last = config["panel"]["years"]
    # exactly the province-years with no source: Inner Mongolia and Gansu before 2020
    assert sorted(zip(emp["province"], emp["year"])) == [
        (p, y) for p in ("15", "62") for y in range(first, 2020)
    ]
    assert len(emp) <= 90
    raw = pd.read_csv(shared_data / EMPLOYMENT_FILE)
    raw = raw.assign(province=raw["province_code"].astype(str).str[:2]).set_index(
        ["province", "year"]
    )
    p = panel["panel"].set_index(["province", "year"])
    assert p.at[("44", 2020), "employment"] == raw.at[("44", 2020), "emp_total_10k_final"] == 7039.0
    assert p.at[("12", 2019), "employment"] == raw.at[("12", 2019), "emp_total_10k_final"]
    # the splice at the 2020 census basis, by hand for Tianjin (2019 -> 2020: -28 % in the raw series)
    s = config["tfp"]["labour_splice"]
    e = raw.loc["12", "emp_total_10k_final"]
    g = (e[2020 + s["growth_years"]] / e[2020]) ** (1 / s["growth_years"])
    f = e[2020] / (e[2019] * g)
    assert tfp.at[("12", 2019), "labour"] == pytest.approx(e[2019] * f, rel=1e-12)
    assert tfp.at[("12", 2017), "labour"] == pytest.approx(e[2017] * f, rel=1e-12)
    assert tfp.at[("12", 2021), "labour"] == e[2021]


def test_guangdong_2020_capital_reaches_the_solow_residual(
    shared_data, config, panel, capital, tfp
):
    raw = pd.read_csv(shared_data / CAPITAL_FILE)
    g = raw[raw["prv"] == "guangdong"].sort_values("yr")
    k = None
    for yr, inv, price in zip(g["yr"], g["invest"], g["InvestPrice"]):
        k = inv / price / 0.1 if k is None else k * (1 - 0.096) + inv / price
        if yr == 2020:
            break
    base = config["tfp"]["capital"]["base_year"]
    k *= float(g.loc[g["yr"] == base, "InvestPrice"].iloc[0])
    assert capital.set_index(["province", "year"]).at[("44", 2020), "capital"] == pytest.approx(
        k, rel=1e-12
    )
    a = 0.45  # any fixed capital share: the residual by hand (the config estimates α)
    fixed = build_tfp(panel["panel"], capital, {**config["tfp"], "alpha": a})
    y = fixed.set_index(["province", "year"]).at[("44", 2020), "gdp_real"]
    ln_a = math.log(y) - a * math.log(k) - (1 - a) * math.log(7039.0)
    assert fixed.set_index(["province", "year"]).at[("44", 2020), "tfp_solow"] == pytest.approx(
        ln_a, rel=1e-10
    )


def test_beijing_2022_capital_matches_chncapitalstock(panel, config):
    spec = {**config["tfp"], "capital": {**config["tfp"]["capital"], "base_year": None}}
    k1952 = capital_from_series(panel["series"], spec).set_index(["province", "year"])["capital"]
    assert k1952[("11", 2022)] == pytest.approx(40271.13639, rel=1e-6)


def test_the_v2_index_measures_the_digital_core(panel, index, config):
    subsystems = {
        k: {i: d for i, d in v.items() if d is not None}
        for k, v in config["index"]["subsystems"].items()
    }
    assert "software_gdp" in subsystems["technology"] and "pku_index" in subsystems["factors"]
    assert "ecommerce_gdp" in subsystems["industry"]
    used = {c for group in subsystems.values() for c in group}
    # mediators and moderators are never components of the regressor or of the NQPF outcome's inputs
    channels = set(config["models"]["mediation"]["channels"].values())
    moderators = set(config["models"]["heterogeneity"]["moderators"].values())
    assert not used & (channels | moderators)
    assert config["index"]["nqpf"] is None  # v2's NQPF shared series with the index (issue 21)
    out = index["index"]
    assert {"im_index", "technology", "factors", "industry"} <= set(out.columns)
    assert out["im_index"].notna().all() and len(out) == 30 * 7
    # no index input is a carried guess beyond the Heilongjiang software cells and the high-tech 2017 gap
    raw_inputs = {"software_rev", "ind_rd_exp", "ind_rd_fte", "broadband_ports", "mobile_internet_users",
                  "computers_per100", "websites_per100", "pku_index", "ecommerce_sales", "ecom_firm_share",
                  "ind_newprod_sales", "co2", "gdp", "population"}  # fmt: skip
    imp = panel["imputed"]
    imp = imp[imp["indicator"].isin(raw_inputs)]
    assert sorted(zip(imp["province"], imp["year"], imp["indicator"])) == [
        ("23", 2016, "software_rev"), ("23", 2017, "software_rev")]  # fmt: skip
