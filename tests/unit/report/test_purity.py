"""One language per table (issue 25): no English in a Chinese table, no Chinese in an English one.

The check (:func:`imtfp.report.purity.foreign_text`) first, then the whole label catalog, then
every table the report layer builds (data, model and DiD tables) in both languages.
"""

from __future__ import annotations

import re
import warnings

import pytest

from imtfp.models.did.stages import design_checks, design_multiverse, design_results
from imtfp.report import (
    ReportOptions,
    correlation_table,
    coupling_table,
    descriptive_table,
    to_csv,
    to_markdown,
    weights_table,
)
from imtfp.report.builders import MODEL_TABLES
from imtfp.report.did import did_table
from imtfp.report.labels import LabelWarning, load_catalog
from imtfp.report.purity import ALLOWED_LATIN, foreign_text
from imtfp.report.table import Provenance

from .test_did import sim

pytestmark = pytest.mark.unit
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def test_a_raw_code_in_a_chinese_text_is_found():
    assert foreign_text("多期双重差分估计结果：broadband_city", "zh") == ["broadband", "city"]
    assert foreign_text("数据来源：real_nbs（版本：renjiyi163-panel）", "zh") == [
        "real",
        "nbs",
        "renjiyi",
        "panel",
    ]
    assert foreign_text("Bootstrap 95% 置信区间", "zh") == ["Bootstrap"]


def test_symbols_abbreviations_and_eponyms_are_allowed_in_chinese():
    text = (
        "全要素生产率（TFP）对数 ln；2SLS 与 OLS；Driscoll–Kraay 标准误；Sobel 检验 z 值；"
        "组内 R²；第一阶段 F 值；p 值；N；M̄；R&D 经费；Callaway–Sant'Anna；最大 R² = min(1.3 × R̃, 1)"
    )
    assert foreign_text(text, "zh") == []
    assert {"TFP", "OLS", "SLS", "Driscoll", "min"} <= ALLOWED_LATIN


def test_chinese_in_an_english_text_is_found():
    assert foreign_text("Panel A: 数字普惠金融指数 (index)", "en") == ["数字普惠金融指数"]
    assert foreign_text("Notes: clustered（province）", "en") == ["（", "）"]
    assert foreign_text("Dependent variable: TFP — R² 0.5 “quoted”", "en") == []


def _texts(node, language: str, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in (language, f"se_{language}") and isinstance(value, str):
                yield ".".join(map(str, path)), value
            else:
                yield from _texts(value, language, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, language, (*path, i))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_catalog_text_is_in_its_language(language):
    """Each ``zh`` (``en``) text of labels.yaml, its {placeholders} aside."""
    bad = {
        where: foreign_text(PLACEHOLDER.sub("", text), language)
        for where, text in _texts(load_catalog(), language)
    }
    assert not {k: v for k, v in bad.items() if v}


@pytest.fixture(scope="module")
def did_inputs():
    spec = {"pilots": "x", "policy": "p", "level": "province", "outcomes": ["tfp_solow"],
            "bootstrap": 99, "ri_draws": 99}  # fmt: skip
    frame = sim()  # the staggered panel of the DiD table tests
    out = design_results(frame, spec, design="pilot", seed=1)
    out["checks"] = design_checks({"baseline": out["summary"], "drop_2020": out["summary"]})
    out["multiverse"] = design_multiverse(frame, spec, design="pilot", seed=1)
    return out


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_table_is_in_one_language(language, panel, coupling, weights, results, did_inputs):
    options = ReportOptions(language=language, languages=(language,))
    prov = Provenance("demo: SIMULATED", "simulated-v1", "0123abcdef", {"imtfp": "0.3"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelWarning)  # no raw name either
        tables = [
            descriptive_table(panel, variables=["im_index", "tfp", "urban"], options=options),
            correlation_table(panel, variables=["im_index", "tfp", "urban"], options=options),
            weights_table(weights, options=options),
            coupling_table(coupling, options=options, simulated=True),
            *(build(results, options=options) for build in MODEL_TABLES.values()),
            *(
                did_table(
                    kind,
                    did_inputs,
                    {"report": {"languages": [language]}},
                    design="pilot",
                    prov=prov,
                    simulated=True,
                )  # fmt: skip
                for kind in ("results", "att_gt", "honest", "checks", "multiverse")
            ),
        ]
    found = {
        t.name: sorted(set(foreign_text(to_markdown(t) + to_csv(t), language))) for t in tables
    }
    assert not {k: v for k, v in found.items() if v}


def test_every_indicator_name_of_the_catalogue_is_in_its_language():
    """The weights table prints the source series by catalogue name (a real run found
    工业机器人存量(Bartik分配) before Bartik was listed as an eponym)."""
    from imtfp.ingest import catalog

    names = catalog.indicators()
    for language in ("zh", "en"):
        bad = {
            code: foreign_text(str(name), language)
            for code, name in zip(names["code"], names[f"name_{language}"], strict=True)
        }
        assert not {k: v for k, v in bad.items() if v}, language
