"""Figure text never overlaps or leaves the figure, in every figure kind and language.

The check (:mod:`imtfp.report.figcheck`) is tested first on figures built to fail it; then every
figure the pipeline draws (``imtfp.report.stage.make_figures``' kinds and the DiD event study
and Bacon scatter) is drawn on demo-shaped inputs — 31 provinces × 12 years, the real run's
heterogeneity groups and mediation channels, a 1,500-specification multiverse with the real
choice sets, two DiD outcomes — with the simulated-data footnote, and must pass it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from scipy.stats import norm

from imtfp import provinces
from imtfp.errors import ConfigError
from imtfp.models.did.stages import design_results
from imtfp.report import ReportOptions
from imtfp.report import figures as F
from imtfp.report.did import did_figure
from imtfp.report.figcheck import drawn_texts, text_layout_problems
from imtfp.report.labels import Labels
from imtfp.tidy import tidy_frame

pytestmark = pytest.mark.unit
YEARS = list(range(2011, 2023))
LANGUAGES = ["zh", "en"]


# -- the check itself ---------------------------------------------------------------------------


def _axes_figure(**kw) -> tuple[Figure, object]:
    fig = Figure(figsize=(4.0, 3.0), layout="constrained", **kw)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("a fairly long x-axis title")
    return fig, ax


def test_clean_figure_has_no_problem():
    fig, _ = _axes_figure()
    assert text_layout_problems(fig) == []


def test_free_footnote_on_the_axis_title_is_an_overlap():
    """The pre-fix footnote: fig.text at the bottom right, outside the layout."""
    fig, _ = _axes_figure()
    fig.text(0.99, 0.005, "a footnote of simulated data, long", ha="right", va="bottom")
    problems = text_layout_problems(fig)
    assert [p.kind for p in problems] == ["overlap"]
    assert {t.role for t in problems[0].texts} == {"x label", "text"}


def test_footnote_in_the_layout_margin_passes():
    fig, _ = _axes_figure()
    F.footnote(fig, Labels("en"))
    texts = drawn_texts(fig)
    assert "footnote" in {t.role for t in texts}
    assert text_layout_problems(fig) == []


def test_text_beyond_the_figure_is_clipped_and_multiline_texts_are_seen():
    fig, _ = _axes_figure()
    fig.text(0.9, 0.5, "runs off\nthe right edge")  # two lines: drawn without naming itself
    problems = text_layout_problems(fig)
    assert [(p.kind, p.texts[0].text) for p in problems] == [
        ("clipped", "runs off\nthe right edge")
    ]


def test_crowded_tick_labels_overlap_each_other():
    fig, ax = _axes_figure()
    ax.set_xticks(np.linspace(0, 1, 40), [f"{v:.3f}" for v in np.linspace(0, 1, 40)])
    problems = text_layout_problems(fig)
    assert problems and all(
        p.kind == "overlap" and {t.role for t in p.texts} == {"x tick"} for p in problems
    )


def test_texts_that_are_not_drawn_are_not_checked():
    fig, ax = _axes_figure()
    ax.axis("off")  # tick labels and axis titles exist but are not drawn
    fig.text(0.5, 0.0, "hidden", visible=False)
    ax.text(0.5, 0.5, "")
    texts = [t.text for t in drawn_texts(fig)]
    assert texts == []
    assert text_layout_problems(fig) == []


def test_text_clipped_by_its_axes_is_clipped():
    fig, ax = _axes_figure()
    ax.text(0.9, 0.5, "cut at the axes' edge", clip_on=True)
    ax.text(0.1, 0.5, "inside", clip_on=True)
    problems = text_layout_problems(fig)
    assert [(p.kind, p.texts[0].text) for p in problems] == [("clipped", "cut at the axes' edge")]


def test_check_at_another_dpi_restores_the_figure():
    fig, _ = _axes_figure()
    fig.text(0.99, 0.005, "a footnote of simulated data, long", ha="right", va="bottom")
    assert len(text_layout_problems(fig, dpi=300)) == 1
    assert fig.dpi == 100


# -- demo-shaped inputs ---------------------------------------------------------------------------


def _province_panel(language: str) -> pd.DataFrame:
    rng = np.random.default_rng(20250601)
    table = provinces.table()
    names = table["name_en"] if language == "en" else table["short_zh"]
    rows = []
    for name, region in zip(names, table["region"], strict=True):
        level = rng.beta(1.2, 6.0)
        for t, year in enumerate(YEARS):
            im = float(np.clip(level * (1 + 0.08 * t) + rng.normal(0, 0.01), 0.002, 0.998))
            d = float(np.clip(0.35 + 0.5 * im + 0.01 * t, 0, 1))
            tfp = 0.3 + 0.6 * im + 0.02 * t + rng.normal(0, 0.02)
            rows.append(dict(province=name, region=region, year=year, im_index=im, D=d,
                             tfp_solow=tfp))  # fmt: skip
    return pd.DataFrame(rows)


def _heterogeneity() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    groups = ["region=east", "region=central", "region=west", "region=northeast", "period=early",
              "period=late", "moderator=human_capital", "moderator=iur", "moderator=marketisation"]  # fmt: skip
    rows = []
    for g in groups:
        est, se = rng.normal(0.45, 0.1), rng.uniform(0.02, 0.5)
        rows.append(dict(table="heterogeneity", column=g, term="im_index", estimate=est, se=se,
                         p=0.01, ci_low=est - 1.96 * se, ci_high=est + 1.96 * se))  # fmt: skip
    return tidy_frame(rows)


def _mediation() -> pd.DataFrame:
    rows = []
    for ch in ("innovation", "factor_allocation", "upgrading"):
        for term, est, se, p in (("c_total", 0.52, 0.11, 0.0004), ("a", 0.30, 0.08, 0.001),
                                 ("b", 0.40, 0.20, 0.06), ("c_prime", 0.40, 0.12, 0.003)):  # fmt: skip
            rows.append(dict(table="mediation", column=ch, term=term, estimate=est, se=se, p=p))
        rows.append(dict(table="mediation", column=ch, term="indirect", estimate=0.12, se=0.05,
                         p=0.02, ci_low=0.03, ci_high=0.22))  # fmt: skip
        rows.append(dict(table="mediation", column=ch, term="proportion_mediated", estimate=0.23))
    return tidy_frame(rows)


CHOICES = {
    "y": ["tfp_solow", "tfp_malmquist"],
    "x": ["im_index", "im_critic", "im_pca", "im_equal", "im_per_year", "ccd", "ccd_corrected"],
    "controls": ["none", "base", "full"],
    "sample": ["all", "drop_municipalities", "drop_2020", "drop_tibet"],
    "fe": ["twoway", "entity"],
    "winsor": [0.0, 0.01],
    "lag": [0, 1],
    "cov": ["clustered", "driscoll_kraay"],
}


def multiverse(n: int = 1500) -> pd.DataFrame:
    """``n`` specifications drawn from the real choice sets (2 688 combinations), with CIs."""
    rng = np.random.default_rng(11)
    grid = pd.DataFrame(list(itertools.product(*CHOICES.values())), columns=list(CHOICES))
    specs = grid.iloc[np.sort(rng.choice(len(grid), n, replace=False))].reset_index(drop=True)
    est = 0.3 + 0.4 * (specs["y"] == "tfp_malmquist") + rng.gamma(2.0, 0.2, n)
    se = rng.uniform(0.01, 0.4, n)
    p = 2 * norm.sf(np.abs(est / se))
    return specs.assign(estimate=est, se=se, p=p, ci_low=est - 1.96 * se, ci_high=est + 1.96 * se)


@pytest.fixture(scope="module")
def did_inputs():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(30):
        g = (2014, 2016, 2018, 0)[i % 4]
        mu = rng.normal()
        for t in YEARS:
            eff = 0.05 * (t - g + 1) if g and t >= g else 0.0
            rows.append({"province": f"{i:02d}", "year": t, "first_treated": g,
                         "pilot_outcome": mu + 4 * eff + rng.normal(0, 0.05),
                         "tfp_solow": mu + 0.05 * t + eff + rng.normal(0, 0.05)})  # fmt: skip
    spec = {"pilots": "x", "policy": "p", "level": "province", "bootstrap": 49, "ri_draws": 19,
            "outcomes": ["pilot_outcome", "tfp_solow"]}  # fmt: skip
    return design_results(pd.DataFrame(rows), spec, design="pilot", seed=1)


def every_figure(language: str, did_inputs) -> dict[str, Figure]:
    """Each figure kind the pipeline draws, with the simulated-data footnote."""
    options = ReportOptions(language=language)
    common = {"options": options, "labels": Labels(language), "simulated": True}
    panel = _province_panel(language)
    specs = multiverse()
    figs = {
        "coupling_heatmap": F.coupling_heatmap(panel, **common),
        "index_density": F.index_density(panel, **common),
        "tfp_by_region": F.tfp_by_region(panel, value="tfp_solow", **common),
        "heterogeneity_coef": F.heterogeneity_coef_plot(_heterogeneity(), **common),
        "specification_curve": F.specification_curve(
            specs, choices=list(CHOICES), baseline=float(specs["estimate"].iloc[0]), **common
        ),
    }
    for ch in ("innovation", "factor_allocation", "upgrading"):
        figs[f"mediation_path_{ch}"] = F.mediation_path(_mediation(), channel=ch, **common)
    cfg = {"report": {"languages": [language]}}
    for kind in ("event_study", "bacon"):
        figs[f"did_{kind}"] = did_figure(kind, did_inputs, cfg, design="pilot", simulated=True)
    return figs


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_figure_text_overlaps_or_is_clipped(language, did_inputs):
    problems = {
        name: [str(p) for p in text_layout_problems(fig)]
        for name, fig in every_figure(language, did_inputs).items()
    }
    assert len(problems) == 10
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}


# -- what the fixes promise ---------------------------------------------------------------------


def _dark_share(fig: Figure, ax) -> float:
    """Share of the axes' pixels darker than 30 % grey (a solid block of bars is mostly dark)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())[..., :3].astype(float) / 255
    x0, y0, x1, y1 = ax.get_window_extent().extents.round().astype(int)
    height = rgba.shape[0]
    block = rgba[height - y1 : height - y0, x0:x1]
    return float((block.mean(axis=2) < 0.3).mean())


def test_specification_curve_stays_legible_at_1500_specifications():
    specs = multiverse(1500)
    fig = F.specification_curve(specs, choices=list(CHOICES), simulated=True)
    top, bottom = fig.axes
    # the CIs are one shaded band, not 1 500 bars; the points carry the significance colours
    assert not any(isinstance(c, LineCollection) for c in top.collections)
    assert len([c for c in top.collections if isinstance(c, PolyCollection)]) == 1
    sig = specs["p"].to_numpy() < 0.05
    points = [c for c in top.collections if isinstance(c, PathCollection)]
    assert sorted(len(c.get_offsets()) for c in points) == sorted([sig.sum(), (~sig).sum()])
    # the old figure (a black bar per specification) covers ~40 % of the panel in black
    assert _dark_share(fig, top) < 0.05
    # indicator rows: the bars of each option's row cover exactly the specifications using it
    covered = {}
    for c in bottom.collections:
        for path in c.get_paths():
            box = path.get_extents()
            row = round((box.y0 + box.y1) / 2)
            covered[row] = covered.get(row, 0.0) + box.width
    ranked = specs.sort_values("estimate", kind="mergesort").astype(str)
    counts = [(ranked[c] == o).sum() for c in CHOICES for o in dict.fromkeys(ranked[c])]
    assert len(bottom.get_yticklabels()) == len(counts) == sum(map(len, CHOICES.values()))
    assert [covered[k] for k in range(len(counts))] == pytest.approx(counts)


def test_few_specifications_keep_one_bar_each():
    specs = multiverse(60)
    fig = F.specification_curve(specs, choices=["y", "x"])
    bars = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert [len(c.get_segments()) for c in bars] == [60]


def test_specification_curve_at_1500_is_byte_identical_twice(tmp_path):
    options = ReportOptions(dpi=100)
    paths = [
        F.save_figure(
            F.specification_curve(multiverse(), choices=list(CHOICES), simulated=True),
            tmp_path / run / "spec",
            options=options,
        )
        for run in ("a", "b")
    ]
    for p, q in zip(*paths, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def _plain_reflection(xs: np.ndarray, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Second implementation of the reflection estimator: Scott's h = sd·n^(−1/5), by hand."""
    h = xs.std(ddof=1) * xs.size ** (-0.2)
    z = [(x[:, None] - c[None, :]) / h for c in (xs, 2 * lo - xs, 2 * hi - xs)]
    return sum(np.exp(-0.5 * u**2).sum(axis=1) for u in z) / (xs.size * h * np.sqrt(2 * np.pi))


def test_reflected_density_matches_a_second_implementation_and_keeps_its_mass_inside():
    rng = np.random.default_rng(1)
    xs = rng.beta(1.2, 6.0, 31)  # skewed towards the lower bound, like the IM index
    grid = np.linspace(0.0, 1.0, 2001)
    f = F.reflected_kde(xs, grid, (0.0, 1.0))
    np.testing.assert_allclose(f, _plain_reflection(xs, grid, 0.0, 1.0), rtol=1e-10)
    assert np.trapezoid(f, grid) == pytest.approx(1.0, abs=1e-3)
    plain = F.reflected_kde(xs, np.linspace(-1, 0, 2001), None)
    assert np.trapezoid(plain, np.linspace(-1, 0, 2001)) > 0.05  # what reflection removes
    assert (F.reflected_kde(xs, np.array([-0.01, 1.01]), (0.0, 1.0)) == 0).all()


def test_index_density_is_drawn_inside_the_support_only():
    panel = _province_panel("zh")
    fig = F.index_density(panel, support=(0.0, 1.0))
    ax = fig.axes[0]
    for line in ax.get_lines():
        x, y = line.get_data()
        assert x.min() >= 0.0 and x.max() <= 1.0 and (y >= 0).all()
    assert ax.get_xlim()[0] >= 0.0 and ax.get_ylim()[0] == 0.0
    with pytest.raises(ConfigError, match="outside the support"):
        F.index_density(panel.assign(im_index=panel["im_index"] - 0.5), support=(0.0, 1.0))
