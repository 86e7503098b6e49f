"""Tables from what the estimators of imtfp.models actually write (their stage functions on a
small simulated panel): every term and column has a label, and every writer accepts the result.

No number is asserted here (the models' own tests do that); the checks are the contract between
the tidy output of the estimators and the report layer.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings

import docx
import numpy as np
import pandas as pd
import pytest

from imtfp.models.registry import ESTIMATE_MODELS
from imtfp.models.stages import estimate_model
from imtfp.report import ReportOptions, to_csv, to_docx, to_latex, to_markdown
from imtfp.report.builders import MODEL_TABLES
from imtfp.report.labels import LabelWarning

from .test_latex import check_structure

pytestmark = pytest.mark.unit
INSTRUMENT = "iv_z"  # a user-named instrument: the only name the catalog cannot know


@pytest.fixture(scope="module")
def sim_panel() -> pd.DataFrame:
    rng = np.random.default_rng(314)
    regions = ["east", "central", "west", "northeast"]
    rows = []
    for i in range(24):
        a_i = rng.normal()
        for year in range(2011, 2021):
            z = rng.normal()
            im = 0.5 * a_i + 0.6 * z + 0.05 * (year - 2011) + rng.normal(0, 0.3)
            hc = rng.normal()
            innov = 0.5 * im + rng.normal(0, 0.5)
            rows.append(
                {
                    "province": f"P{i:02d}",
                    "region": regions[i % 4],
                    "year": year,
                    "im_index": im,
                    "innovation": innov,
                    "human_capital": hc,
                    "urban": rng.normal(),
                    INSTRUMENT: z,
                    "tfp": a_i + 0.3 * im + 0.4 * innov + 0.2 * im * (hc > 0) + rng.normal(0, 0.5),
                }
            )
    frame = pd.DataFrame(rows)
    # production inputs and a Cobb–Douglas frontier less a half-normal inefficiency (own stream)
    prod = np.random.default_rng(2718)
    n = len(frame)
    frame["capital"] = np.exp(prod.normal(8, 1, n))
    frame["labour"] = np.exp(prod.normal(6, 0.5, n))
    ln_y = 0.4 * np.log(frame["capital"]) + 0.6 * np.log(frame["labour"])
    ln_y += 0.02 * (frame["year"] - 2011) + prod.normal(0, 0.1, n) - np.abs(prod.normal(0, 0.3, n))
    frame["gdp_real"] = np.exp(ln_y)
    return frame


@pytest.fixture(scope="module")
def stored(sim_panel) -> pd.DataFrame:
    spec = {
        "y": "tfp",
        "x": "im_index",
        "controls": ["urban"],
        "cov": "clustered",
        "inference": {"wild_bootstrap": {"bootstrap": 99}},
        "mediation": {"channels": {"innovation": "innovation"}, "bootstrap": 99},
        "heterogeneity": {
            "periods": {"early": [2011, 2015], "late": [2016, 2020]},
            "moderators": {"human_capital": "human_capital"},
        },
        "iv": {"lag": 1, "instruments": [INSTRUMENT]},
        "threshold": {"q": "human_capital", "bootstrap": 19, "grid": 40, "trim": 0.1},
        "falsification": {
            "leads": [1, 2],
            "permutation": {"bootstrap": 99},
            "placebo_outcomes": ["human_capital"],
            "trends": True,
            "oster": {"rmax": 1.3},
        },
        "sfa": {
            "output": "gdp_real",
            "inputs": ["capital", "labour"],
            "columns": [
                {"name": "bc92", "time_varying": True},
                {"name": "bc95", "inefficiency": ["im_index"], "panel": False},
                {"name": "translog", "form": "translog"},
            ],
        },
        "dynamic": {"small": True},
        # P00, P01 … are no province codes: economic distance needs none
        "spatial": {"weights": ["economic"], "economic_column": "human_capital", "draws": 200},
        # T = 10: Driscoll–Kraay is refused unless forced (issue 16), as the pipeline's configs do
        "dk_force": True,
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Driscoll–Kraay", category=UserWarning)  # T = 10
        # every model of the registry, as rule `estimate` runs it
        frames = [estimate_model(name, sim_panel, spec, seed=7) for name in ESTIMATE_MODELS]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_estimator_output_formats_with_full_labels(stored, language):
    options = ReportOptions(language=language)
    for key, build in MODEL_TABLES.items():
        if key == "robustness":
            continue  # named checks are whole pipeline runs, not a stage function
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = build(stored, options=options)
        unlabelled = [str(w.message) for w in caught if issubclass(w.category, LabelWarning)]
        assert all(INSTRUMENT in m for m in unlabelled), (key, unlabelled)
        check_structure(to_latex(table), table.ncols, bool(table.notes))
        assert to_markdown(table) and to_csv(table)
        assert len(docx.Document(io.BytesIO(to_docx(table, options))).tables) == 1


@pytest.mark.filterwarnings("ignore::imtfp.report.labels.LabelWarning")  # the instrument's name
def test_estimator_specific_rows(stored):
    en = ReportOptions(language="en")
    med = MODEL_TABLES["mediation"](stored, options=en)
    labels = [r.label for r in med.rows if r.label]
    assert labels[:5] == [
        "Total effect c",
        "Path a (X→M)",
        "Path b (M→Y)",
        "Direct effect c′",
        "Indirect effect a·b",
    ]
    assert "Indirect effect: bootstrap 95% CI (percentile)" in labels
    assert [r.kind for r in med.rows if r.label == "Sobel z"] == ["stat"]
    iv = MODEL_TABLES["iv"](stored, options=en)
    assert "First-stage F" in [r.label for r in iv.rows]
    assert any(h.text == "First stage" for h in iv.header[0])
    th = MODEL_TABLES["threshold"](stored, options=en)
    assert [r.kind for r in th.rows if r.label == "Threshold γ1"] == ["stat"]
    het = MODEL_TABLES["heterogeneity"](stored, options=en)
    columns = [h.text for h in het.header[het.stub_row]]
    assert {"East", "Early period", "Moderator: Human capital", "Equality test"} <= set(columns)

    def kinds(table) -> dict:
        return {r.label: r.kind for r in table.rows if r.label}

    sfa = MODEL_TABLES["sfa"](stored, options=en)
    rows = kinds(sfa)
    assert rows["γ = σ²_u / σ²"] == "coef" and rows["σ² = σ²_u + σ²_v"] == "coef"
    assert rows["Mean technical efficiency"] == rows["One-sided LR test (γ = 0)"] == "stat"
    order = [r.label for r in sfa.rows if r.label]
    assert order.index("½(ln Capital stock)²") < order.index("Inefficiency: IM index")
    assert order.index("Inefficiency: IM index") < order.index("γ = σ²_u / σ²")
    assert "Clusters" not in rows and "Controls" not in rows  # ML, not clustered; no controls
    spatial = MODEL_TABLES["spatial"](stored, options=en)
    rows = kinds(spatial)
    effects = [f"{e}: IM index" for e in ("Direct effect", "Indirect effect (spillover)")]
    assert all(rows[e] == "coef" for e in [*effects, "Total effect: IM index", "W × IM index"])
    assert rows["Moran's I (non-spatial residuals)"] == rows["LM lag"] == "stat"
    assert "W × Urbanisation" not in rows  # a control's lag is summarised by the controls row
    assert any("parameter draws" in n for n in spatial.notes)
    gmm = MODEL_TABLES["dynamic"](stored, options=en)
    rows = kinds(gmm)
    assert rows["AR(2) test z"] == rows["Hansen J"] == rows["Instruments"] == "stat"
    assert rows["Hansen test degrees of freedom"] == "stat"
    assert not any(label.startswith("Year 20") for label in rows)  # year dummies: the year-FE row
    assert any("robustness check" in n for n in gmm.notes)


@pytest.mark.skipif(
    shutil.which("xelatex") is None, reason="xelatex not installed (TeX Live with ctex needed)"
)
def test_estimator_tables_compile_with_xelatex(stored, tmp_path):
    options = ReportOptions(language="zh")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelWarning)
        body = "\n".join(
            to_latex(build(stored, options=options))
            for key, build in MODEL_TABLES.items()
            if key != "robustness"
        )
    doc = "\\documentclass{ctexart}\n\\usepackage{booktabs,threeparttable,siunitx}\n\\begin{document}\n"
    (tmp_path / "t.tex").write_text(doc + body + "\\end{document}\n", encoding="utf-8")
    run = subprocess.run(
        ["xelatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    log = (tmp_path / "t.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "Missing character" not in log
