import pandas as pd
import pytest

from imtfp.tfp import build_capital

pytestmark = pytest.mark.unit


def test_split_of_an_absent_child_is_ignored():
    rows = [("51", y, 100.0 + y - 1990, 1.0) for y in range(1990, 2000)]
    invest = pd.DataFrame(rows, columns=["province", "year", "invest", "price"])
    spec = {"capital": {"delta": 0.1, "base": "zhang", "split": {"chongqing": "sichuan"}}}
    out = build_capital(invest, spec)
    assert set(out["province"]) == {"51"}
    assert out["capital"].iloc[0] == pytest.approx(100.0 / 0.1)
