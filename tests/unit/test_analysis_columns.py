"""Projection pushdown: a model stage reads only the columns its spec names."""

import numpy as np
import pandas as pd
import pytest

from imtfp.analysis import read_model_frame, spec_columns

pytestmark = pytest.mark.unit


def test_spec_columns_walks_nested_spec():
    spec = {
        "y": "tfp",
        "x": ["im"],
        "controls": ["gov"],
        "mediation": {"channels": {"innovation": "innov"}},
        "iv": {"instruments": ["z"]},
        "cov": "clustered",
    }
    available = [
        "province",
        "year",
        "region",
        "tfp",
        "im",
        "gov",
        "innov",
        "z",
        "unused",
        "clustered_x",
    ]
    assert spec_columns(spec, available) == [
        "province",
        "year",
        "region",
        "tfp",
        "im",
        "gov",
        "innov",
        "z",
    ]


def test_read_model_frame_reads_only_named_columns(tmp_path):
    df = pd.DataFrame(
        {
            "province": ["11", "12"],
            "year": [2011, 2011],
            "y": [1.0, 2.0],
            "x": [0.5, 0.1],
            "wide": np.ones(2),
        }
    )
    path = tmp_path / "analysis.parquet"
    df.to_parquet(path, index=False)
    out = read_model_frame(path, {"y": "y", "x": "x"})
    assert list(out.columns) == ["province", "year", "y", "x"]
