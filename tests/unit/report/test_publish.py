"""A run's tables in every language from one call, provenance in a file of its own, labelled
designs and indicators (issue 25)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pandas as pd
import pytest
import yaml

from imtfp.errors import ConfigError
from imtfp.report import ReportOptions, to_markdown, weights_table
from imtfp.report.did import did_title
from imtfp.report.labels import Labels
from imtfp.report.publish import provenance_table, publish_provenance, publish_table
from imtfp.report.stage import make_table, report_options
from imtfp.report.table import Provenance

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
PROV = Provenance(
    source="real_nbs: Real NBS statistics", vintage="nbs-2025, renjiyi163-panel",
    config_hash="cdad202ff467", versions={"imtfp": "0.3", "pandas": "3.1.1"},
)  # fmt: skip


def demo_config(**report) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["report"].update(report)
    return config


def demo_weights(config: dict) -> pd.DataFrame:
    """Weights as rule build_index stores them: within each subsystem, and in the whole index."""
    subsystems = config["index"]["subsystems"]
    return pd.DataFrame(
        [{"method": "entropy", "scheme": "global", "level": level, "indicator": ind, "weight": 0.1}
         for level, inds in subsystems.items() for ind in inds]
        + [{"method": "entropy", "scheme": "global", "level": "im", "indicator": ind, "weight": 0.05}
           for inds in subsystems.values() for ind in inds]
    )  # fmt: skip


def test_one_call_writes_every_language(tmp_path):
    config = demo_config(languages=["zh", "en"], formats=["md", "docx"])
    written = publish_table("weights", {"weights": demo_weights(config)}, config, tmp_path,
                            prov=PROV, simulated=True)  # fmt: skip
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert names == sorted(f"{lang}/weights.{ext}" for lang in ("zh", "en")
                           for ext in ("csv", "md", "docx"))  # fmt: skip
    zh = (tmp_path / "zh" / "weights.md").read_text(encoding="utf-8")
    en = (tmp_path / "en" / "weights.md").read_text(encoding="utf-8")
    assert zh.startswith("**指标体系与权重**") and en.startswith("**Indicator system and weights**")


def test_provenance_goes_to_its_file_not_under_every_table(results, tmp_path):
    imputed = pd.DataFrame({"indicator": ["gdp"]})
    inputs = {"results": results, "imputed": imputed}
    by_default = make_table("baseline", inputs, demo_config(), prov=PROV, simulated=False)
    text = " ".join(by_default.notes)
    assert "cdad202ff467" not in text and "数据来源" not in text and "real_nbs" not in text
    in_notes = make_table("baseline", inputs, demo_config(provenance="note"), prov=PROV,
                          simulated=False)  # fmt: skip
    assert in_notes.notes[-1].startswith("数据来源：") and "cdad202ff467" in in_notes.notes[-1]


def test_provenance_file_names_sources_series_and_versions(tmp_path):
    files = [
        {"path": "a.csv", "indicator": "gdp", "vintage": "nbs-2025", "source": "NBS 分省年度数据"},
        {"path": "b.csv", "indicator": "population", "vintage": "nbs-2025",
         "source": "NBS 分省年度数据"},
        {"path": "c.csv", "columns": {"x": "fibre_length"}, "vintage": "nbs-api-2025",
         "source": "NBS API"},
    ]  # fmt: skip
    table = provenance_table(files, PROV, dataset="real_nbs", description="Real NBS statistics",
                             simulated=False, config=demo_config())  # fmt: skip
    grid = {row[0]: row[1:] for row in table.body_grid()}
    assert grid["NBS 分省年度数据"] == ["nbs-2025", "地区生产总值、年末常住人口", "2"]
    assert grid["NBS API"] == ["nbs-api-2025", "光缆线路长度", "1"]
    notes = " ".join(table.notes)
    assert "cdad202ff467" in notes and "pandas 3.1.1" in notes and "real_nbs" in notes
    written = publish_provenance(files, PROV, tmp_path, dataset="real_nbs", description="x",
                                 simulated=False, config=demo_config())  # fmt: skip
    assert sorted(p.name for p in written) == ["provenance.docx", "provenance.md"]
    document = docx.Document(io.BytesIO((tmp_path / "provenance.docx").read_bytes()))
    assert document.tables[0].rows[1].cells[0].text == "NBS 分省年度数据"


def test_did_titles_name_the_design_by_its_label():
    assert did_title(Labels("zh"), "results", "broadband_city") == (
        "多期双重差分估计结果：“宽带中国”示范城市"
    )
    assert did_title(Labels("en"), "event_study", "pilot") == "Event study: Simulated pilot policy"
    labels = report_options({"report": {"variable_labels": {"zone": {"zh": "试验区", "en": "Zones"}}}})[1]  # fmt: skip
    assert did_title(labels, "honest", "zone").endswith("：试验区")
    strict = report_options({"report": {}})[1]
    with pytest.raises(ConfigError, match="variable_labels"):
        did_title(strict, "results", "unnamed_design")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_weights_table_has_unit_direction_and_source(weights, language):
    facts = {
        "rd_expenditure": {
            "unit": "%",
            "direction": "+",
            "source": "R&D经费内部支出、地区生产总值",
        },
        "patents": {"unit": "件/万人", "direction": "+", "source": "专利申请受理数、年末常住人口"},
        "internet_broadband": {"unit": "个/人", "direction": "+", "source": "互联网宽带接入端口"},
        "high_tech_revenue": {"unit": "%", "direction": "−", "source": "高技术产业营业收入"},
    }
    table = weights_table(weights, indicators=facts, options=ReportOptions(language=language))
    header = table.header_grid()[table.stub_row]
    if language == "zh":
        assert header[:3] == ["指标", "单位", "方向"] and header[-1] == "数据来源"
    else:
        assert header[:3] == ["Indicator", "Unit", "Direction"] and header[-1] == "Source series"
    grid = {row[0]: row[1:] for row in table.body_grid()}
    label = Labels(language).var("patents")
    assert grid[label][:2] == ["件/万人", "+"] and grid[label][-1] == "专利申请受理数、年末常住人口"
    assert grid[Labels(language).var("high_tech_revenue")][1] == "−"
    section = next(r for r in table.rows if r.kind == "section")
    assert section.cells[0].text == "" and section.cells[2].text  # the subsystem's total weight
    assert "|" in to_markdown(table)


def test_weights_table_of_the_demo_config_through_the_stage():
    config = demo_config()
    table = make_table("weights", {"weights": demo_weights(config)}, config, prov=PROV,
                       simulated=True)  # fmt: skip
    grid = {row[0]: row[1:] for row in table.body_grid()}
    assert grid["单位 GDP 能耗"][:2] == ["吨标准煤/万元", "−"]
    assert grid["每万人发明专利授权数"][:2] == ["件/万人", "+"]
    assert grid["人均技术市场成交额"][0] == "元/人"
