"""Shared hypothesis settings and strategies for the index tests (not a test module)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

# Derandomised and without an example database: runs are reproducible.
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)


@st.composite
def indicator_frames(draw, *, min_cols=2, max_cols=5, min_rows=3, max_rows=12, positive=False):
    """DataFrames of finite indicator values, columns named c0..c{k-1}."""
    m = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(min_cols, max_cols))
    lo = 0.5 if positive else -50.0
    elems = st.floats(lo, 1000.0, allow_nan=False, allow_infinity=False, width=64).map(
        lambda x: round(x, 3)
    )
    A = draw(arrays(np.float64, (m, k), elements=elems))
    return pd.DataFrame(A, columns=[f"c{j}" for j in range(k)])


@st.composite
def directions_for(draw, columns):
    return {c: draw(st.sampled_from([1, -1])) for c in columns}


def informative(X: pd.DataFrame) -> bool:
    """Every column varies clearly (no constant or near-constant indicator)."""
    span = X.max() - X.min()
    return bool((span > 1e-3 * np.maximum(X.abs().max(), 1.0)).all())
