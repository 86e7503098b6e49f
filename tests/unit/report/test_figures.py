"""Figures: byte-identical reruns; Chinese drawn with the packaged CJK font, no missing glyph."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.figure import Figure

from imtfp.errors import ConfigError, ReportError
from imtfp.report import ReportOptions
from imtfp.report import figures as F
from imtfp.report.labels import load_catalog

pytestmark = pytest.mark.unit
OPTIONS = ReportOptions(dpi=72)


@pytest.fixture
def specs():
    rng = np.random.default_rng(7)
    est = rng.normal(0.4, 0.15, 24)
    return pd.DataFrame(
        {
            "estimate": est,
            "ci_low": est - 0.2,
            "ci_high": est + 0.2,
            "index_method": np.repeat(["entropy", "critic", "pca"], 8),
            "cov": np.tile(["clustered", "driscoll_kraay"], 12),
        }
    )


@pytest.fixture
def all_figures(panel, coupling, results, specs):
    def build():
        return {
            "heatmap": F.coupling_heatmap(coupling, options=OPTIONS, annotate=True, simulated=True),
            "density": F.index_density(panel, options=OPTIONS),
            "tfp": F.tfp_by_region(panel, options=OPTIONS),
            "coef": F.heterogeneity_coef_plot(
                results[results["table"] == "heterogeneity"], options=OPTIONS
            ),
            "mediation": F.mediation_path(
                results[results["table"] == "mediation"], channel="innovation", options=OPTIONS
            ),
            "spec": F.specification_curve(
                specs, choices=["index_method", "cov"], baseline=0.41, options=OPTIONS
            ),
        }

    return build


def test_figures_are_byte_identical_twice(all_figures, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing glyph, no unknown label
        first = {
            k: F.save_figure(f, tmp_path / "a" / k, options=OPTIONS)
            for k, f in all_figures().items()
        }
        second = {
            k: F.save_figure(f, tmp_path / "b" / k, options=OPTIONS)
            for k, f in all_figures().items()
        }
    for k, paths in first.items():
        for p, q in zip(paths, second[k], strict=True):
            assert p.suffix in (".png", ".pdf")
            assert p.read_bytes() == q.read_bytes(), p.name
    pdf = first["heatmap"][1].read_bytes()
    assert b"CreationDate" not in pdf
    assert b"Software" not in first["heatmap"][0].read_bytes()


@pytest.mark.parametrize("font", ["noto_serif_sc", "noto_sans_sc"])
def test_configured_cjk_font_resolves_and_draws_chinese_without_missing_glyphs(font, tmp_path):
    options = ReportOptions(font=font, dpi=72)
    path = F.font_path(font)
    with F.figure_rc(options):
        resolved = font_manager.findfont(
            font_manager.FontProperties(family=F.FONT_FAMILIES[font]), fallback_to_default=False
        )
        assert resolved == str(path)
        fig = Figure()
        fig.suptitle("智能制造与全要素生产率：耦合协调度")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            F.save_figure(fig, tmp_path / font, formats=("png",), options=options)
    missing = [w for w in caught if "missing from font" in str(w.message)]
    assert not missing, [str(w.message) for w in missing]


def test_font_covers_every_chinese_character_of_the_label_catalog():
    """Independent of matplotlib: the font's cmap holds every CJK character a label can print."""
    text = str(load_catalog())
    needed = {ch for ch in text if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"}
    for font in ("noto_serif_sc", "noto_sans_sc"):
        cmap = TTFont(F.font_path(font), lazy=True).getBestCmap()
        absent = sorted(ch for ch in needed if ord(ch) not in cmap)
        assert not absent, (font, absent)


def test_figure_input_errors_are_named(specs, results):
    with pytest.raises(ReportError, match="choice_x"):
        F.specification_curve(specs, choices=["choice_x"])
    with pytest.raises(ReportError, match="'tfp_x'"):
        F.heterogeneity_coef_plot(results, term="tfp_x")
    with pytest.raises(ConfigError, match="'png2'"):
        F.save_figure(Figure(), __import__("pathlib").Path("unused"), formats=("png2",))
