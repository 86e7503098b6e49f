"""Markdown of a fixed tidy frame against files written by hand (see expected/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imtfp.report import Provenance, ReportOptions, baseline_table, to_markdown
from imtfp.tidy import tidy_frame

pytestmark = pytest.mark.unit
EXPECTED = Path(__file__).parent / "expected"


def fixed_tidy():
    common = {
        "table": "baseline",
        "entity_fe": True,
        "time_fe": True,
        "cov": "clustered",
        "dep_var": "tfp",
    }
    return tidy_frame(
        [
            dict(
                column="(1)",
                term="im_index",
                estimate=0.5234,
                se=0.1102,
                p=0.0004,
                nobs=372,
                r2_within=0.41234,
                controls="",
                **common,
            ),
            dict(
                column="(2)",
                term="im_index",
                estimate=-0.0213,
                se=0.0151,
                p=0.16,
                nobs=341,
                r2_within=0.5,
                controls="urban",
                **common,
            ),
            dict(
                column="(2)",
                term="urban",
                estimate=0.0123,
                se=0.004,
                p=0.002,
                nobs=341,
                r2_within=0.5,
                controls="urban",
                **common,
            ),
            {"column": "(2)", "term": "first_stage_F", "estimate": 23.456, "table": "baseline"},
        ]
    )


def test_markdown_zh_matches_hand_written_file():
    prov = Provenance("demo", "2024-06", "0123abcd", {"pandas": "3.1.1", "numpy": "2.4.6"})
    table = baseline_table(fixed_tidy(), options=ReportOptions(), provenance=prov, simulated=True)
    assert to_markdown(table) == (EXPECTED / "baseline_zh.md").read_text(encoding="utf-8")


def test_markdown_en_custom_stars_and_decimals_match_hand_written_file():
    options = ReportOptions(language="en", stars=(0.05, 0.01), decimals=2)
    table = baseline_table(fixed_tidy(), options=options)
    assert to_markdown(table) == (EXPECTED / "baseline_en.md").read_text(encoding="utf-8")
