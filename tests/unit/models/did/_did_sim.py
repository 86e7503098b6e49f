"""A small staggered panel with a known, heterogeneous effect, shared by the DiD unit tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def staggered(seed: int = 0, n: int = 60, years=range(2010, 2020), cohorts=(2013, 2015, 0),
              slope=(0.3, 0.1, 0.0), sigma: float = 0.05) -> pd.DataFrame:  # fmt: skip
    """y = μ_i + λ_t + slope_g·(t − g + 1)·1{t ≥ g} + e; units split evenly over ``cohorts``."""
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years))
    g = np.array([cohorts[i % len(cohorts)] for i in range(n)])
    s = np.array([slope[i % len(cohorts)] for i in range(n)])
    mu = rng.normal(0, 1, n)
    lam = np.cumsum(rng.normal(0.05, 0.02, len(years)))
    tau = np.where(
        (g[:, None] > 0) & (years[None, :] >= g[:, None]),
        s[:, None] * (years[None, :] - g[:, None] + 1),
        0,
    )
    y = mu[:, None] + lam[None, :] + tau + rng.normal(0, sigma, (n, len(years)))
    return pd.DataFrame({"unit": np.repeat(np.arange(n), len(years)), "year": np.tile(years, n),
                         "y": y.ravel(), "g": np.repeat(g, len(years)),
                         "x": np.repeat(rng.normal(size=n), len(years)),
                         "region": np.repeat(np.arange(n) % 6, len(years))})  # fmt: skip
