"""A simulated provincial panel with a known truth, shared by the model unit tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

REGIONS = ["east"] * 10 + ["central"] * 6 + ["west"] * 12 + ["northeast"] * 3


def simulate_panel(seed: int = 0, G: int = 31, T: int = 12, beta: float = 0.5) -> pd.DataFrame:
    """y = beta·x + 0.3·z + 0.4·m + μ_i + λ_t + e with m = 0.6·x + ..., an instrument w for x."""
    rng = np.random.default_rng(seed)
    prov = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(2011, 2011 + T), G)
    mu = rng.normal(size=G)[prov]
    lam = rng.normal(size=T)[year - 2011]
    w = rng.normal(size=G * T)
    x = 0.8 * w + 0.5 * mu + rng.normal(size=G * T)
    z = rng.normal(size=G * T)
    m = 0.6 * x + 0.2 * z + mu + lam + rng.normal(size=G * T)
    e = 0.5 * rng.normal(size=G)[prov] + rng.normal(size=G * T)
    y = beta * x + 0.3 * z + 0.4 * m + mu + lam + e
    q = rng.uniform(size=G * T)
    return pd.DataFrame(
        {
            "province": [f"{11 + p:02d}" for p in prov],
            "year": year,
            "region": [REGIONS[p % len(REGIONS)] for p in prov],
            "x": x,
            "z": z,
            "m": m,
            "w": w,
            "q": q,
            "y": y,
        }
    )


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    return simulate_panel()
