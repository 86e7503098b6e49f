"""Bridged statistical breaks (imtfp.splice) and the panel's series selection (panel.indicators)."""

from __future__ import annotations

import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.panel import keep_indicators
from imtfp.splice import splice_breaks, splice_panel

pytestmark = pytest.mark.unit


def _panel() -> pd.DataFrame:
    return pd.DataFrame({
        "province": ["11"] * 6 + ["21"] * 6, "year": list(range(2010, 2016)) * 2,
        # Beijing: a coverage break in 2013 (+50 %); Liaoning: a correction in 2015 (−60 %)
        "x": [100, 102, 104, 156, 159, 162, 200, 204, 208, 212, 216, 86.4],
    })  # fmt: skip


def test_after_side_splice_by_hand():
    """f = x_s / (x_{s−1} · ḡ), ḡ = (x_{s+2}/x_s)^½; years before s times f, the rest unchanged."""
    out = splice_breaks(_panel(), "x", [{"year": 2013, "growth_years": 2, "province": "北京"}])
    g = (162 / 156) ** 0.5
    f = 156 / (104 * g)
    assert out.iloc[:3].tolist() == pytest.approx([100 * f, 102 * f, 104 * f])
    assert out.iloc[3:6].tolist() == [156, 159, 162]
    assert out.iloc[2 + 1] / out.iloc[2] == pytest.approx(g)  # growth across the seam = ḡ
    assert out.iloc[6:].tolist() == _panel()["x"].iloc[6:].tolist()  # Liaoning untouched


def test_before_side_splice_for_a_break_in_the_last_year():
    out = splice_breaks(_panel(), "x", [{"year": 2015, "growth_from": "before", "province": "21"}])
    g = (216 / 208) ** 0.5  # mean growth of the two years before the seam
    assert out.iloc[11] / out.iloc[10] == pytest.approx(g)
    assert out.iloc[11] == 86.4
    with pytest.raises(ConfigError, match="growth_from"):
        splice_breaks(_panel(), "x", [{"year": 2015, "growth_from": "middle"}])
    with pytest.raises(ConfigError, match="unknown keys"):
        splice_breaks(_panel(), "x", [{"year": 2015, "basis": 7}])


def test_splice_panel_lists_the_changed_cells():
    panel, changed = splice_panel(_panel(), {"x": [{"year": 2013, "province": "11"}]})
    assert len(changed) == 3 and set(changed["method"]) == {"splice"}
    assert changed["year"].tolist() == [2010, 2011, 2012]
    assert panel["x"].iloc[0] == pytest.approx(changed["value"].iloc[0])
    assert splice_panel(_panel(), None)[1].empty
    with pytest.raises(ConfigError, match="panel.splice.y"):
        splice_panel(_panel(), {"y": []})


def test_keep_indicators():
    wide = _panel().assign(z=1.0)
    assert list(keep_indicators(wide, ["z"]).columns) == ["province", "year", "z"]
    assert keep_indicators(wide, None) is wide
    with pytest.raises(ConfigError, match="panel.indicators"):
        keep_indicators(wide, ["nope"])
