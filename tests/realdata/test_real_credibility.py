"""The real run's credibility (issue 25): no star its own diagnostics contradict, no subgroup on
too few clusters, and the credibility report in Chinese and in English.

Reads runs/real/data/derived (written by ``make real``); skipped when the run's outputs are absent.

* DiD tables (results and checks of every design): a starred ATT must be the ATT of a summary row
  whose ``stars_allowed`` is true and whose randomisation-inference p, where computed, is below
  the largest star level (0.1). Cells are matched by their printed value, so the test holds
  whatever the layout (panels, language folders).
* Falsification table: with an RI p ≥ 0.1 the regressor's coefficient carries no star, in the
  baseline column or the permutation column.
* Heterogeneity: no split-sample column (region or period) with fewer than
  ``models.min_clusters`` clusters, in the baseline or any named check.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from imtfp.credibility import REPORT_FILES
from imtfp.models.registry import model_spec

pytestmark = pytest.mark.realdata

ROOT = Path(__file__).resolve().parents[2]
DERIVED = ROOT / "runs" / "real" / "data" / "derived"
CONFIG = yaml.safe_load((ROOT / "configs" / "real_nbs.yaml").read_text(encoding="utf-8"))
DECIMALS = int(CONFIG["report"].get("decimals", 3))
TOP_STAR = max(CONFIG["report"].get("stars", [0.1, 0.05, 0.01]))
STARRED = re.compile(r"^(-?\d+\.\d+)(\*+)$")
# Latin words the Chinese report may print: abbreviations and the people methods are named after
ALLOWED_LATIN = {"TFP", "MDE", "DID", "ATT", "BJS", "TWFE", "CRITIC", "PCA", "Oster", "Rambachan",
                 "Roth", "Malmquist", "Solow", "Theil"}  # fmt: skip


@pytest.fixture(scope="module")
def derived(shared_data) -> Path:
    if not (DERIVED / "models" / "baseline.parquet").is_file():
        pytest.skip(f"{DERIVED} has no outputs: run `make real`")
    return DERIVED


def fmt(x: float) -> str:
    s = f"{x:.{DECIMALS}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def starred_cells(paths) -> list[str]:
    """The numbers printed with stars in the CSV tables ``paths``."""
    found = []
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                found += [m.group(1) for c in row if (m := STARRED.match(c.strip()))]
    return found


def design_summaries(root: Path, design: str) -> pd.DataFrame:
    """Every summary of a design: baseline, its own checks, named checks that rerun it."""
    paths = [*root.glob(f"designs/{design}/**/summary.parquet"),
             *root.glob(f"robustness/*/designs/{design}/**/summary.parquet")]  # fmt: skip
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def may_carry_stars(s: pd.DataFrame) -> pd.Series:
    allowed = s["stars_allowed"].fillna(True).astype(bool)
    ri = pd.to_numeric(s["ri_p"], errors="coerce")
    return allowed & ~(ri >= TOP_STAR)


@pytest.mark.parametrize("design", list(CONFIG.get("designs") or {}))
def test_no_did_star_its_diagnostics_contradict(derived, design):
    tables = [*derived.glob(f"report/did/tables/**/did_results_{design}.csv"),
              *derived.glob(f"report/did/tables/**/did_checks_{design}.csv")]  # fmt: skip
    assert tables, f"no DiD tables of {design}"
    s = design_summaries(derived, design)
    ok = may_carry_stars(s)
    allowed = {fmt(v) for v in s.loc[ok, "att"]}
    forbidden = {fmt(v) for v in s.loc[~ok, "att"]} - allowed
    bad = sorted(set(starred_cells(tables)) & forbidden)
    assert not bad, f"{design}: starred although the diagnostics contradict them: {bad}"
    # every starred ATT is one whose stars stand
    assert set(starred_cells([t for t in tables if "did_results" in t.name])) <= allowed


def test_no_falsification_star_that_randomisation_inference_contradicts(derived):
    f = pd.read_parquet(derived / "models" / "falsification.parquet")
    x = CONFIG["models"]["x"]
    ri = f.loc[(f["column"] == "permutation") & (f["term"] == "ri_p"), "estimate"]
    assert len(ri) == 1 and np.isfinite(ri.iloc[0])
    tables = list(derived.glob("report/tables/**/falsification.csv"))
    assert tables
    if ri.iloc[0] < TOP_STAR:
        pytest.skip(f"RI p = {ri.iloc[0]:.3f} < {TOP_STAR}: stars may stand")
    beta = f.loc[f["column"].isin(["baseline", "permutation"]) & (f["term"] == x), "estimate"]
    assert not {fmt(b) for b in beta} & set(starred_cells(tables))


def test_no_subgroup_below_min_clusters(derived):
    floor = int(model_spec(CONFIG["models"])["min_clusters"])
    files = [derived / "models" / "heterogeneity.parquet",
             *derived.glob("robustness/*/models/heterogeneity.parquet")]  # fmt: skip
    for path in files:
        if not path.is_file():
            continue
        h = pd.read_parquet(path)
        split = h[h["column"].astype(str).str.match(r"^(region|period)=")]
        assert len(split), path
        low = split.loc[split["n_clusters"] < floor, "column"].unique()
        assert not len(low), f"{path}: {list(low)} below {floor} clusters"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_credibility_report_exists_in_one_language(derived, lang):
    text = (derived / REPORT_FILES[lang]).read_text(encoding="utf-8")
    assert text.count("\n## ") == 7
    if lang == "zh":
        foreign = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED_LATIN]
    else:
        foreign = re.findall(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]+", text)
    assert not foreign, foreign
    summary = (derived / "run_summary.md").read_text(encoding="utf-8")
    assert REPORT_FILES[lang] in summary
