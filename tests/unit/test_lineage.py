"""Lineage of the analysis frame's columns and the outcome–regressor overlap check (imtfp.lineage)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import imtfp.config
from imtfp import lineage
from imtfp.errors import ConfigError
from imtfp.index import build_index

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def _real() -> dict:
    return yaml.safe_load((ROOT / "configs/real_nbs.yaml").read_text(encoding="utf-8"))


def test_declared_relations():
    rel = lineage.catalogue_relations()
    assert rel.how("ht_newprod_sales", "ht_revenue") == "ht_newprod_sales ⊂ ht_revenue"
    assert "ind_revenue" in rel.how("ht_newprod_sales", "ind_revenue")  # transitive
    # high-tech revenue and 规上 new-product sales share high-tech new-product sales
    assert "ht_newprod_sales" in rel.how("ht_revenue", "ind_newprod_sales")
    assert rel.how("mobile_traffic", "mobile_internet_users") is not None  # usage
    # disjoint parts of one total are not related
    assert rel.how("manuf_employment", "info_employment") is None
    assert {"gdp", "population"} <= rel.scale


def test_unknown_relation_is_refused():
    cat = pd.DataFrame({"code": ["a", "b"], "role": ["", ""], "relations": ["part_of:b", ""]})
    with pytest.raises(ConfigError, match="relation kind 'part_of'"):
        lineage.parse_relations(cat)
    cat["relations"] = ["subset_of:c", ""]
    with pytest.raises(ConfigError, match="names no series"):
        lineage.parse_relations(cat)


def test_sources_follow_derived_variables_composites_and_chains():
    cfg = _real()
    assert lineage.column_sources(cfg, "robot_density") == {"robot_stock", "manuf_employment"}
    assert lineage.column_sources(cfg, "rd_fte_pw") == {
        "ind_rd_fte", "manuf_employment", "mining_employment", "utility_employment",
    }  # fmt: skip
    im = lineage.column_sources(cfg, "im_index")
    assert {"robot_stock", "ind_rd_exp", "industry_va", "energy_use"} <= im
    assert lineage.column_sources(cfg, "ccd") == im
    assert lineage.column_sources(cfg, "tfp_industry_solow") >= {
        "industry_va", "ppi", "fai_manufacturing", "invest_price_index", "ind_fa_gross",
    }  # fmt: skip
    assert lineage.column_sources(cfg, "tfp_solow") == set(lineage.ECONOMY_SOURCES)


def test_real_config_nqpf_is_disjoint_from_the_index():
    cfg = imtfp.config.load(ROOT / "configs/real_nbs.yaml")
    assert lineage.shared_sources(cfg, "nqpf", "im_index") == ()
    composite = [o for o in lineage.find_overlaps(cfg) if o.composite]
    assert composite == []


def test_an_index_input_in_the_outcome_composite_is_refused_naming_both():
    cfg = _real()
    cfg["index"]["nqpf"]["objects_of_labour"]["robot_density"] = "+"  # an IM input
    with pytest.raises(ConfigError) as err:
        imtfp.config.validate_all(cfg)
    msg = str(err.value)
    assert "'nqpf'" in msg and "'im_index'" in msg and "robot_stock" in msg
    assert "models.allow_overlap" in msg
    cfg["models"]["allow_overlap"] = True
    imtfp.config.validate_all(cfg)  # a warning in the table notes instead


def test_a_declared_relation_is_refused_too():
    """High-tech new-product sales in the outcome, high-tech revenue in the regressor (issue 21)."""
    cfg = _real()
    cfg["panel"]["derived"]["ht_newprod_pc"] = "ht_newprod_sales / pop_v2020"
    cfg["panel"]["derived"]["ht_revenue_pw"] = "ht_revenue / ind_employment"
    cfg["index"]["nqpf"]["objects_of_labour"]["ht_newprod_pc"] = "+"
    cfg["index"]["subsystems"]["industry"]["ht_revenue_pw"] = "+"
    with pytest.raises(ConfigError, match="ht_newprod_sales ⊂ ht_revenue"):
        imtfp.config.validate_all(cfg)


def test_a_named_check_with_an_overlap_is_refused():
    cfg = _real()
    cfg["robustness"]["bad"] = {"models": {"y": "technology"}}  # a subsystem of the regressor
    with pytest.raises(ConfigError, match="robustness.bad: the outcome 'technology'"):
        imtfp.config.validate_all(cfg)


def test_weights_record_their_sources_and_filled_share():
    panel = pd.DataFrame({
        "province": ["11"] * 4 + ["12"] * 4, "year": [2010, 2011, 2012, 2013] * 2,
        "a": [1.0, 2, 3, 4, 2, 3, 4, 6], "b": [5.0, 4, 3, 2, 1, 2, 2, 3], "c": [1.0, 1, 2, 2, 3, 4, 4, 5],
    })  # fmt: skip
    spec = {
        "subsystems": {"technology": {"a": "+"}, "factors": {"b": "-"}, "industry": {"c": "+"}},
        "sources": {"a": ["x", "y"], "b": ["z"]},
    }
    imputed = pd.DataFrame({"province": ["11", "11"], "year": [2010, 2011], "indicator": ["y", "y"],
                            "method": ["carry", "splice"], "value": [1.0, 1.0]})  # fmt: skip
    w = build_index(panel, spec, imputed=imputed)["weights"].set_index(["level", "indicator"])
    assert w.loc[("im", "a"), "sources"] == "x,y"
    assert w.loc[("im", "c"), "sources"] == "c"  # no lineage given: the column itself
    assert w.loc[("im", "a"), "imputed_share"] == pytest.approx(1 / 8)  # spliced cells not counted
    assert w.loc[("im", "b"), "imputed_share"] == 0.0


def test_overlap_notes_for_tables():
    from imtfp.report.labels import Labels

    cfg = imtfp.config.load(ROOT / "configs/real_nbs.yaml")
    labels = Labels("en")
    base = lineage.overlap_notes(cfg, "baseline", labels)
    shared = lineage.series_name("industry_va", "en")  # the catalogue's name, not the code
    assert len(base) == 1 and shared in base[0] and "share source series" in base[0]
    assert lineage.overlap_notes(cfg, "robustness", labels) == []  # no composite overlap
