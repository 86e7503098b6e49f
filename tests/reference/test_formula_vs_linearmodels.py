"""``feols`` with an interaction against linearmodels ``PanelOLS`` on a hand-built product column.

Source of the reference numbers: linearmodels 7.1 ``PanelOLS`` called in this file on the same
data, the interaction built independently (``x * z`` in pandas), with a constant and year dummies,
``entity_effects=True`` and ``fit(cov_type="clustered", cluster_entity=True, debiased=True,
group_debias=True)`` — Stata's ``xtreg y x z xz i.year, fe vce(cluster id)`` convention that
``fit_twfe(cov="clustered")`` follows (see tests/reference/test_multiverse_vs_linearmodels.py).
Tolerance: 1e-8 relative on the estimates and the clustered standard errors (closed forms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS

from imtfp.models.formula import feols

pytestmark = pytest.mark.reference
RTOL = 1e-8


def _panel(seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    G, T = 31, 12
    prov = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(2011, 2011 + T), G)
    x, z = rng.normal(size=G * T), rng.normal(size=G * T)
    y = 0.5 * x + 0.2 * z + 0.3 * x * z + rng.normal(size=G)[prov] + rng.normal(size=T)[year - 2011]
    y = y + rng.normal(size=G * T)
    return pd.DataFrame(
        {"province": [f"p{p:02d}" for p in prov], "year": year, "x": x, "z": z, "y": y}
    )


def test_feols_interaction_matches_panelols():
    df = _panel()
    fit = feols("y ~ x*z | province + year", df)
    ref_df = df.assign(xz=df["x"] * df["z"]).set_index(["province", "year"])
    dummies = pd.get_dummies(
        ref_df.index.get_level_values("year"), prefix="y", drop_first=True, dtype=float
    )
    dummies.index = ref_df.index
    exog = pd.concat([ref_df[["x", "z", "xz"]], dummies], axis=1).assign(const=1.0)
    ref = PanelOLS(ref_df["y"], exog, entity_effects=True).fit(
        cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True
    )
    se = fit.bse if hasattr(fit, "bse") else fit.se  # the result protocol's name, or PanelFit's
    np.testing.assert_allclose(
        np.asarray(fit.params), ref.params[["x", "z", "xz"]].to_numpy(), rtol=RTOL
    )
    np.testing.assert_allclose(
        np.asarray(se), ref.std_errors[["x", "z", "xz"]].to_numpy(), rtol=RTOL
    )
