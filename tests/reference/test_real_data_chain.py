"""Real data followed through the chain: raw files -> warehouse -> panel -> capital stock -> TFP input.

The chain is the real-data config configs/real_nbs.yaml with its manifest configs/manifests/real_nbs.yaml,
run in-process as the Snakemake rules call it. Published numbers and their sources:

* Beijing GRP 2019 = 37767.0 亿元 and Guangdong GRP 2020 = 113708.9 亿元 (2025 vintage, legacy export):
  ../shared/data/README.md, "Known facts for checks". Exact: the values are parsed, never computed.
* Beijing K_2022 = 40271.13639 亿元 in 1952 prices: README of the R package CHNCapitalStock
  (GitHub common2016/CapitalStock, ``CompK(prv = 'beijing', bt = 1952)``), quoted in ../shared/data/README.md;
  printed to 10 significant digits, tolerance 1e-6 relative.
* Guangdong's 2020 capital stock and TFP input: an independent recomputation written in this file of
  Zhang, Wu & Zhang (2004) (K_1952 = I/P / 0.1, K_t = K_{t-1}(1 - 0.096) + I_t/P_t) from the raw CSV, and of
  ln A = ln Y - a ln K - (1 - a) ln L; tolerance 1e-12 (capital) and 1e-10 (TFP) relative, i.e. rounding.
* Row accounting: non-empty cells counted independently from each raw file (a second parser written here).
* Coverage: the cells imputed among the inputs of the index and of TFP are exactly the blank cells of the
  raw sources inside the window (found here from the raw CSV), as documented in docs/real_data.md.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

import imtfp.config
from imtfp.ingest.manifest import load_manifest
from imtfp.panel import build_panel
from imtfp.tfp import build_tfp, capital_from_series
from imtfp.warehouse import ingest

pytestmark = [pytest.mark.reference, pytest.mark.realdata]

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "configs" / "real_nbs.yaml"
GDP_FILE = "nbs/legacy/分省年度数据.csv"
CAPITAL_FILE = "capital/chn_capital_stock_asset.csv"
INTEGRATED = "panels/分省年度数据_整合.csv"

# Raw indicators that feed the index's derived indicators and the TFP inputs (Y, K, L).
INDEX_INPUTS = [
    "patent_apps", "patent_grants", "invention_grants", "tech_market", "fiscal_st", "gdp", "population",
    "gfcf", "invest_price", "urban_employment", "urban_rate", "industry_va", "tertiary_va", "secondary_va",
    "co2",
]  # fmt: skip
TFP_INPUTS = ["gdp", "gdp_index"]


@pytest.fixture(scope="module")
def overlay() -> dict:
    return yaml.safe_load(OVERLAY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warehouse(shared_data, overlay):
    spec = overlay["dataset"]
    manifest = load_manifest(ROOT / spec["manifest"], root=shared_data)
    return ingest(manifest, on_bad_cell=spec["on_bad_cell"], vintage_priority=spec["vintage_priority"])


@pytest.fixture(scope="module")
def panel(warehouse, overlay) -> dict[str, pd.DataFrame]:
    return build_panel(warehouse.observations, overlay["panel"])


def _capital(panel, tfp_spec) -> pd.DataFrame:
    return capital_from_series(panel["series"], tfp_spec)


@pytest.fixture(scope="module")
def capital(panel, overlay) -> pd.DataFrame:
    return _capital(panel, overlay["tfp"])


# --------------------------------------------------------------------------- independent raw parsers
def _decode(path: Path) -> str:
    raw = path.read_bytes()
    return raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")


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


def _wide_cells(path: Path, province: str, year: str) -> int:
    rows = list(csv.DictReader(io.StringIO(_decode(path))))
    return sum(1 for r in rows for k, v in r.items() if k not in (province, year) and v.strip() != "")


def _zhang_capital(raw: pd.DataFrame, prv: str, year: int, base_year: int | None) -> float:
    """CHNCapitalStock's recursion for one province, written out (no splitting needed outside Chongqing)."""
    g = raw[raw["prv"] == prv].sort_values("yr")
    k = k_year = None
    for yr, inv, price in zip(g["yr"], g["invest"], g["InvestPrice"]):
        k = inv / price / 0.1 if k is None else k * (1 - 0.096) + inv / price
        if yr == year:
            k_year = k
    p_base = 1.0 if base_year is None else float(g.loc[g["yr"] == base_year, "InvestPrice"].iloc[0])
    # rebasing P to 1 in base_year multiplies every real flow, hence K, by P(base_year)
    return k_year * p_base


# --------------------------------------------------------------------------- tests
def test_config_validates_against_the_schema(overlay):
    imtfp.config.validate(overlay)
    assert overlay["data_root"] == "../shared/data"
    assert overlay["tfp"]["capital"]["split"] == {"chongqing": "sichuan"}


def test_row_accounting_balances_for_every_real_file(shared_data, overlay, warehouse):
    manifest = yaml.safe_load((ROOT / overlay["dataset"]["manifest"]).read_text(encoding="utf-8"))
    acc = warehouse.accounting.set_index("source_file")
    assert list(acc.index) == [f["path"] for f in manifest["files"]]
    for entry in manifest["files"]:
        path = shared_data / entry["path"]
        expected = (
            _nbs_cells(path) if entry["reader"] == "nbs"
            else _wide_cells(path, entry.get("province_column", "province"), entry.get("year_column", "year"))
        )  # fmt: skip
        row = acc.loc[entry["path"]]
        # header lines, column header and notes are counted too (as excluded text cells): take them off
        exc = warehouse.excluded[warehouse.excluded["source_file"] == entry["path"]]
        text = int(exc.loc[exc["kind"].isin(["header", "column_header", "note"]), "cells"].sum())
        assert row["nonempty_cells"] - text == expected, entry["path"]
        assert row["observations"] + row["rejects"] + row["excluded_cells"] - text == expected, entry["path"]
    # nothing unreadable: every reject is a cell another file gives with the same value
    assert warehouse.rejects["reason"].str.startswith("duplicate of ").all()


def test_beijing_gdp_2019_from_the_raw_file_to_the_panel(shared_data, warehouse, panel):
    lines = _decode(shared_data / GDP_FILE).splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("地区,"))
    col = lines[header].split(",").index("2019年")
    line = next(i for i, ln in enumerate(lines) if ln.startswith("北京市,")) + 1  # 1-based line number
    assert lines[line - 1].split(",")[col] == "37767.0"

    obs = warehouse.observations.set_index(["province", "year", "indicator"])
    kept = obs.loc[("11", 2019, "gdp")]
    assert (kept["value"], kept["vintage"], kept["source_file"], kept["source_line"]) == (
        37767.0, "nbs-2025", GDP_FILE, line)  # fmt: skip
    assert kept["raw_unit"] == "亿元" and kept["raw_value"] == 37767.0
    # the two assembled panels repeat the cell; they are recorded, not silently dropped
    rej = warehouse.rejects
    copies = rej[(rej["province"] == "11") & (rej["year"] == 2019) & (rej["indicator"] == "gdp")]
    assert sorted(copies["source_file"]) == ["panels/tech_panel_full.csv", INTEGRATED]
    assert (copies["reason"] == f"duplicate of {GDP_FILE} line {line} (same value)").all()

    p = panel["panel"].set_index(["province", "year"])
    assert p.at[("11", 2019), "gdp"] == 37767.0
    assert p.at[("44", 2020), "gdp"] == 113708.9
    imputed = panel["imputed"]
    assert not (imputed["indicator"] == "gdp").any()


def test_guangdong_2020_capital_reaches_the_tfp_input(shared_data, overlay, panel, capital):
    raw = pd.read_csv(shared_data / CAPITAL_FILE)
    base_year = overlay["tfp"]["capital"]["base_year"]
    expected = _zhang_capital(raw, "guangdong", 2020, base_year)
    k = capital.set_index(["province", "year"])["capital"]
    assert k[("44", 2020)] == pytest.approx(expected, rel=1e-12)

    # the TFP stage uses exactly this K: recompute the Solow residual by hand
    spec = {**overlay["tfp"], "methods": ["solow"], "outcome": "tfp_solow"}
    tfp = build_tfp(panel["panel"], capital, spec).set_index(["province", "year"])["tfp_solow"]
    p = panel["panel"].set_index(["province", "year"])
    y_base = overlay["tfp"]["real_gdp_base_year"]
    growth = [p.at[("44", t), "gdp_index"] / 100 for t in range(y_base + 1, 2021)]
    y = p.at[("44", y_base), "gdp"] * math.prod(growth)
    a = overlay["tfp"]["alpha"]
    ln_a = math.log(y) - a * math.log(expected) - (1 - a) * math.log(p.at[("44", 2020), "employment"])
    assert tfp[("44", 2020)] == pytest.approx(ln_a, rel=1e-10)
    # 2020 labour is total employment (就业人员), straight from the integrated panel
    assert p.at[("44", 2020), "employment"] == 7039.0
    assert ("44", 2020, "employment") not in set(zip(*[panel["imputed"][c] for c in ("province", "year", "indicator")]))


def test_beijing_2022_capital_matches_chncapitalstock(shared_data, overlay, panel, capital):
    spec = {**overlay["tfp"], "capital": {**overlay["tfp"]["capital"], "base_year": None}}
    k1952 = _capital(panel, spec).set_index(["province", "year"])["capital"]
    assert k1952[("11", 2022)] == pytest.approx(40271.13639, rel=1e-6)
    # the configured stock (2011 prices) is the same series times Beijing's 2011 price level (1952 = 1)
    raw = pd.read_csv(shared_data / CAPITAL_FILE).set_index(["prv", "yr"])
    p2011 = raw.at[("beijing", overlay["tfp"]["capital"]["base_year"]), "InvestPrice"]
    k = capital.set_index(["province", "year"])["capital"]
    assert k[("11", 2022)] / p2011 == pytest.approx(40271.13639, rel=1e-6)


def test_panel_coverage_and_imputed_inputs(shared_data, overlay, panel):
    first, last = overlay["panel"]["years"]
    p = panel["panel"]
    assert len(p) == 30 * (last - first + 1) and "54" not in set(p["province"])  # Tibet dropped
    assert sorted(p["year"].unique()) == list(range(first, last + 1))
    used = [c for group in overlay["index"]["subsystems"].values() for c in group]
    used += ["employment", "gdp_index"]
    assert not p[used].isna().any().any()

    # Blank cells of the raw sources inside the window, found in the raw integrated CSV: the only gap among
    # the index/TFP inputs is Beijing's GDP index (上年=100), blank 2015-2023 in the only source.
    raw = pd.read_csv(shared_data / INTEGRATED, dtype=str, keep_default_na=False)
    bj = raw[(raw["地区"] == "北京") & raw["年份"].astype(int).between(first, last)]
    blank = sorted(int(y) for y, v in zip(bj["年份"], bj["GDP指数_上年=100"]) if v.strip() == "")
    imputed = panel["imputed"]
    inputs = imputed[imputed["indicator"].isin(INDEX_INPUTS + TFP_INPUTS)]
    assert sorted(zip(inputs["province"], inputs["year"], inputs["indicator"])) == [
        ("11", y, "gdp_index") for y in blank
    ]
    assert blank == list(range(2015, last + 1))
    # ... interpolated towards the next observed year (2024): gaps are filled over all observed years
    assert (inputs["method"] == "interpolate").all()

    # The labour rule: total employment interpolated linearly between the census-benchmarked totals of
    # 2010 and 2020 (published by province for 2005-2010 and 2020-), i.e. imputed 2011-2019 everywhere.
    emp = imputed[imputed["indicator"] == "employment"]
    assert set(emp["year"]) == set(range(first, 2020)) and len(emp) == 30 * (2020 - first)
    assert (emp["method"] == "interpolate").all()
    series = panel["series"].set_index(["province", "year"])
    q = p.set_index(["province", "year"])
    for prov in ("11", "44", "65"):
        e2010, e2020 = series.at[(prov, 2010), "employment"], series.at[(prov, 2020), "employment"]
        for year in (2011, 2015, 2019):
            expected = e2010 + (year - 2010) / 10 * (e2020 - e2010)
            assert q.at[(prov, year), "employment"] == pytest.approx(expected, rel=1e-12)
