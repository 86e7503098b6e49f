"""build_index on small synthetic panels: outputs, construction, determinism, error paths."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from imtfp.config import merge, validate
from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.index import (
    SUBSYSTEMS,
    build_index,
    composite_index,
    coordination_level,
    coupling_coordination,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

SPEC = {
    "method": "entropy",
    "scheme": "global",
    "rescale": [0.002, 0.998],
    "subsystems": {
        "technology": {"t1": "+", "t2": "+"},
        "factors": {"f1": "+", "f2": "-"},
        "industry": {"i1": "+", "i2": "-", "i3": "+"},
    },
    "coupling": {"formula": "classic", "weights": None},
}
NQPF = {
    "labourers": {"n1": "+"},
    "means_of_labour": {"t1": "+", "n2": "+"},
    "objects_of_labour": {"n3": "-"},
}


def make_panel(indicators, *, provinces=6, years=(2019, 2020, 2021), seed=20240607) -> pd.DataFrame:
    """Province-year panel with a common latent level so indicators co-move, plus noise."""
    rng = np.random.default_rng(seed)
    codes = [f"{11 + 2 * k}" for k in range(provinces)]
    keys = pd.DataFrame([(p, y) for p in codes for y in years], columns=["province", "year"])
    level = rng.uniform(0.5, 2.0, len(keys)) + 0.1 * (keys["year"] - years[0]).to_numpy()
    data = {name: np.exp(level + rng.normal(0.0, 0.4, len(keys))) for name in indicators}
    region = np.where(keys["province"].astype(int) < 20, "east", "west")
    return keys.assign(region=region, **data)


def _all_indicators(spec):
    groups = list(spec["subsystems"].values()) + list(spec.get("nqpf", {}).values())
    return list(dict.fromkeys(k for g in groups for k in g))


def _run(panel, spec):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the synthetic indicators all vary: no warning expected
        return build_index(panel, spec)


@pytest.fixture(scope="module")
def panel():
    return make_panel(_all_indicators({**SPEC, "nqpf": NQPF}))


def test_outputs_have_the_documented_columns(panel):
    out = _run(panel, SPEC)
    assert set(out) == {"index", "weights", "coupling", "obstacle"}
    assert list(out["index"].columns) == ["province", "year", "im_index", *SUBSYSTEMS]
    assert list(out["weights"].columns) == [
        "method", "scheme", "level", "indicator", "weight", "sources", "imputed_share",
    ]  # fmt: skip
    assert list(out["coupling"].columns) == [
        "province", "year", "C", "T", "D", "level", "level_en",
        "rd_technology_industry", "lag_technology_industry",
    ]  # fmt: skip
    assert list(out["obstacle"].columns) == ["province", "year", "kind", "name", "degree"]
    for frame in (out["index"], out["coupling"]):
        assert len(frame) == len(panel)
        keys = frame[["province", "year"]]
        assert keys.equals(keys.sort_values(["province", "year"]).reset_index(drop=True))


def test_indices_follow_the_documented_construction(panel):
    out = _run(panel, SPEC)
    P = panel.sort_values(["province", "year"]).reset_index(drop=True)
    lo, hi = SPEC["rescale"]
    signs = {"+": 1, "-": -1}
    for name, group in SPEC["subsystems"].items():
        s, _ = composite_index(
            P, {k: signs[v] for k, v in group.items()}, method="entropy", rescale=(lo, hi)
        )
        np.testing.assert_allclose(out["index"][name], s, rtol=1e-12)
        assert out["index"][name].between(lo, hi).all()
    joint = {k: signs[v] for g in SPEC["subsystems"].values() for k, v in g.items()}
    s, _ = composite_index(P, joint, method="entropy", rescale=(lo, hi))
    np.testing.assert_allclose(out["index"]["im_index"], s, rtol=1e-12)
    w = out["weights"]
    assert list(w["level"].unique()) == ["technology", "factors", "industry", "im"]
    np.testing.assert_allclose(w.groupby("level")["weight"].sum(), 1.0)
    cc = coupling_coordination(out["index"][list(SUBSYSTEMS)])
    np.testing.assert_allclose(out["coupling"][["C", "T", "D"]], cc[["C", "T", "D"]], rtol=1e-12)
    zh, _ = coordination_level(out["coupling"]["D"])
    assert list(out["coupling"]["level"]) == list(zh)


def test_obstacle_degrees_sum_to_one_per_kind(panel):
    ob = _run(panel, SPEC)["obstacle"]
    assert set(ob["kind"]) == {"indicator", "subsystem"}
    sums = ob.groupby(["province", "year", "kind"])["degree"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    first = ob[(ob["province"] == ob["province"].iloc[0]) & (ob["year"] == ob["year"].iloc[0])]
    assert list(first["name"]) == ["t1", "t2", "f1", "f2", "i1", "i2", "i3", *SUBSYSTEMS]


def test_per_year_scheme_and_nqpf(panel):
    alpha = {"technology": 0.4, "factors": 0.3, "industry": 0.3}
    coupling = {"formula": "corrected", "weights": alpha}
    spec = {**SPEC, "scheme": "per_year", "method": "critic", "nqpf": NQPF, "coupling": coupling}
    out = _run(panel, spec)
    assert list(out["index"].columns)[-4:] == [
        "nqpf",
        "nqpf_labourers",
        "nqpf_means_of_labour",
        "nqpf_objects_of_labour",
    ]
    w = out["weights"]
    assert list(w.columns)[:6] == ["method", "scheme", "level", "indicator", "year", "weight"]
    np.testing.assert_allclose(w.groupby(["level", "year"])["weight"].sum(), 1.0)
    assert set(w["level"]) == {
        *SUBSYSTEMS,
        "im",
        "labourers",
        "means_of_labour",
        "objects_of_labour",
        "nqpf",
    }
    # per_year: each year's technology index is that year's composite on its own.
    P = panel.sort_values(["province", "year"]).reset_index(drop=True)
    y = P["year"] == 2020
    s, _ = composite_index(P[y], {"t1": 1, "t2": 1}, method="critic", rescale=(0.002, 0.998))
    np.testing.assert_allclose(out["index"].loc[y, "technology"], s, rtol=1e-12)
    assert ((out["coupling"]["C"] >= 0) & (out["coupling"]["C"] <= 1)).all()
    np.testing.assert_allclose(
        out["obstacle"].groupby(["province", "year", "kind"])["degree"].sum(), 1.0
    )


def test_row_order_of_the_input_does_not_matter(panel):
    a = _run(panel, SPEC)
    b = _run(panel.sample(frac=1.0, random_state=3), SPEC)
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key])


def test_missing_indicator_is_a_config_error_naming_it(panel):
    spec = {
        **SPEC,
        "subsystems": {**SPEC["subsystems"], "industry": {"i1": "+", "ghost_indicator": "-"}},
    }
    with pytest.raises(ConfigError, match="ghost_indicator"):
        build_index(panel, spec)


def test_nan_names_province_year_and_indicator(panel):
    P = panel.copy()
    row = P.index[(P["province"] == "15") & (P["year"] == 2020)][0]
    P.loc[row, "f2"] = np.nan
    # the province by name and the year as a number, never '15' or np.int64(2020) (issue 22)
    with pytest.raises(EstimationError, match=r"'f2' is missing or not finite for 内蒙古, 2020 "):
        build_index(P, SPEC)


@pytest.mark.parametrize(
    ("patch", "match"),
    [
        ({"method": "ahp"}, "'ahp'"),
        ({"scheme": "rolling"}, "'rolling'"),
        ({"rescale": [0.0001, 1.0001]}, "rescale"),
        ({"weighting": "entropy"}, "weighting"),
        ({"coupling": {"formula": "quadratic"}}, "'quadratic'"),
        (
            {"coupling": {"weights": {"technology": 0.5, "factors": 0.5, "industry": 0.5}}},
            "sum to 1",
        ),
        ({"coupling": {"relative": {"pairs": [["technology", "technology"]]}}}, "two different"),
        ({"subsystems": {**SPEC["subsystems"], "factors": {"t1": "+"}}}, "'t1'"),
        ({"subsystems": {**SPEC["subsystems"], "factors": {"f1": "up"}}}, "f1"),
        ({"subsystems": {"technology": {"t1": "+"}}}, "factors"),
    ],
)
def test_bad_specs_are_config_errors(panel, patch, match):
    with pytest.raises(ConfigError, match=match):
        build_index(panel, {**SPEC, **patch})


def test_panel_problems_are_value_errors(panel):
    with pytest.raises(EstimationError, match="duplicated"):
        build_index(pd.concat([panel, panel.iloc[:1]]), SPEC)
    with pytest.raises(MissingColumnError, match="year"):
        build_index(panel.drop(columns="year"), SPEC)


# The repository configs have no nqpf index; this example (indicators may repeat IM ones) is
# merged onto them so the schema's `index.nqpf` and build_index's nqpf output are exercised
# from a real config.
NQPF_EXAMPLE = {
    "labourers": {"info_emp_share": "+", "rd_personnel_per_10k": "+"},
    "means_of_labour": {"broadband_pc": "+", "robot_density": "+"},
    "objects_of_labour": {"new_energy_share": "+", "energy_intensity": "-"},
}


@pytest.mark.parametrize("path", ["config.yaml", "configs/real_nbs.yaml"])
def test_config_example_validates_against_schema_and_runs(path):
    """config.yaml / configs/real_nbs.yaml with an nqpf section validate and drive build_index."""
    base = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    cfg = merge(base, {"index": {"nqpf": NQPF_EXAMPLE}})
    validate(cfg)
    for overlay, key in (
        ({"index": {"method": "ahp"}}, "index.method"),
        ({"index": {"unknown": 1}}, "index.unknown"),
        ({"coupling": {"formula": "new"}}, "coupling.formula"),
        ({"index": {"subsystems": {"industry": {"x": "up"}}}}, "index.subsystems.industry.x"),
        ({"index": {"nqpf": {"capital": {"k": "+"}}}}, "index.nqpf.capital"),
    ):
        with pytest.raises(ConfigError, match=re.escape(f"config key '{key}'")):
            validate(merge(cfg, overlay))
    spec = {**cfg["index"], "coupling": cfg["coupling"]}
    out = _run(make_panel(_all_indicators(spec)), spec)
    assert "lag_factors_industry" in out["coupling"].columns
    assert {"nqpf", "nqpf_labourers", "nqpf_means_of_labour", "nqpf_objects_of_labour"} <= set(
        out["index"].columns
    )
