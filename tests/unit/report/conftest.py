"""Small synthetic inputs of the report layer (seeded; shapes as the estimators write them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.tidy import tidy_frame

REGIONS = {
    "A1": "east",
    "A2": "east",
    "B1": "central",
    "B2": "central",
    "C1": "west",
    "D1": "northeast",
}
YEARS = list(range(2011, 2016))


@pytest.fixture
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(20240601)
    rows = []
    for p, region in REGIONS.items():
        level = rng.uniform(0.2, 0.8)
        for t, year in enumerate(YEARS):
            im = level + 0.03 * t + rng.normal(0, 0.02)
            rows.append(
                {
                    "province": p,
                    "region": region,
                    "year": year,
                    "im_index": im,
                    "tfp": 1.0 + 0.5 * im + rng.normal(0, 0.05),
                    "urban": rng.uniform(40, 80),
                    "D": float(np.clip(0.3 + 0.6 * (level - 0.2) + 0.02 * t, 0, 1)),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def coupling(panel: pd.DataFrame) -> pd.DataFrame:
    df = panel[["province", "year", "region", "D"]].copy()
    df["level"] = (df["D"] * 10).astype(int)
    return df


@pytest.fixture
def weights() -> pd.DataFrame:
    rows = []
    spec = {
        "technology": ["rd_expenditure", "patents"],
        "factors": ["internet_broadband"],
        "industry": ["high_tech_revenue"],
    }
    for method, ws in (("entropy", [0.4, 0.2, 0.3, 0.1]), ("critic", [0.25, 0.25, 0.25, 0.25])):
        k = 0
        for level, inds in spec.items():
            for ind in inds:
                rows.append(
                    {
                        "method": method,
                        "scheme": "global",
                        "level": level,
                        "indicator": ind,
                        "weight": ws[k],
                    }
                )
                k += 1
    return pd.DataFrame(rows)


def _model(
    table, column, terms, *, nobs=30, r2=0.5, controls=None, cov="clustered", dep="tfp", **extra
):
    out = []
    for term, est, se, p in terms:
        out.append(
            dict(
                table=table,
                column=column,
                term=term,
                estimate=est,
                se=se,
                p=p,
                t=est / se if se else None,
                ci_low=est - 1.96 * se if se else None,
                ci_high=est + 1.96 * se if se else None,
                nobs=nobs,
                r2_within=r2,
                entity_fe=True,
                time_fe=True,
                controls=controls,
                cov=cov,
                dep_var=dep,
                **extra,
            )
        )
    return out


@pytest.fixture
def results() -> pd.DataFrame:
    """Stored results of every model table, in the tidy format."""
    rows = []
    rows += _model("baseline", "(1)", [("im_index", 0.52, 0.11, 0.0004)])
    rows += _model(
        "baseline",
        "(2)",
        [("im_index", 0.41, 0.15, 0.011), ("urban", 0.01, 0.02, 0.6)],
        controls="urban",
    )
    for cov, se, p in (
        ("clustered", 0.15, 0.011),
        ("driscoll_kraay", 0.12, 0.004),
        ("twoway_clustered", 0.19, 0.04),
    ):
        rows += _model("inference", cov, [("im_index", 0.41, se, p)], controls="urban", cov=cov)
    rows.append(
        {
            "table": "inference",
            "column": "wild_bootstrap",
            "term": "im_index",
            "estimate": 0.41,
            "p": 0.062,
            "ci_low": -0.02,
            "ci_high": 0.85,
            "nobs": 30,
            "cov": "wild_bootstrap",
            "dep_var": "tfp",
        }
    )
    for ch in ("innovation", "factor_alloc"):
        for term, est, se, p in (
            ("total", 0.52, 0.11, 0.0004),
            ("a", 0.30, 0.08, 0.001),
            ("b", 0.40, 0.20, 0.06),
            ("c_prime", 0.40, 0.12, 0.003),
            ("indirect", 0.12, 0.05, 0.02),
        ):
            rows.append(
                {
                    "table": "mediation",
                    "column": ch,
                    "term": term,
                    "estimate": est,
                    "se": se,
                    "p": p,
                }
            )
        rows.append(
            {"table": "mediation", "column": ch, "term": "sobel_z", "estimate": 2.40, "p": 0.016}
        )
        rows.append(
            {"table": "mediation", "column": ch, "term": "boot_ci", "ci_low": 0.03, "ci_high": 0.22}
        )
        rows.append({"table": "mediation", "column": ch, "term": "proportion", "estimate": 0.23})
    for g, est, se, p in (
        ("east", 0.6, 0.1, 0.0001),
        ("central", 0.3, 0.2, 0.14),
        ("west", 0.2, 0.25, 0.43),
    ):
        rows += _model("heterogeneity", g, [("im_index", est, se, p)], nobs=10)
    rows += _model("iv", "second_stage", [("im_index", 0.7, 0.3, 0.02)])
    rows.append(
        {"table": "iv", "column": "second_stage", "term": "first_stage_F", "estimate": 23.4}
    )
    rows.append(
        {"table": "iv", "column": "second_stage", "term": "kp_rk_lm", "estimate": 12.1, "p": 0.0005}
    )
    rows += _model(
        "threshold",
        "single",
        [("im_index_regime1", 0.2, 0.1, 0.05), ("im_index_regime2", 0.6, 0.1, 0.0)],
    )
    rows.append(
        {
            "table": "threshold",
            "column": "single",
            "term": "threshold_1",
            "estimate": 0.45,
            "ci_low": 0.41,
            "ci_high": 0.49,
        }
    )
    rows.append(
        {"table": "threshold", "column": "single", "term": "F_single", "estimate": 18.2, "p": 0.01}
    )
    for check in ("drop_municipalities", "winsorize", "lag_x"):
        rows += _model("robustness", check, [("im_index", 0.45, 0.14, 0.002)], controls="urban")
    rows += _model("falsification", "baseline", [("im_index", 0.41, 0.15, 0.011)], controls="urban")
    rows += _model(
        "falsification",
        "lead1",
        [("im_index", 0.40, 0.15, 0.01), ("F1.im_index", 0.02, 0.1, 0.8)],
        controls="urban",
    )
    rows += _model(
        "falsification", "permutation", [("im_index", 0.41, None, 0.002)], cov="permutation"
    )
    for term, value in (
        ("ri_p", 0.002),
        ("ri_draws", 999.0),
        ("oster_beta", 0.3),
        ("oster_delta", 2.1),
        ("oster_r2", 0.5),
        ("oster_rmax", 0.65),
    ):
        column = "permutation" if term.startswith("ri") else "oster"
        rows.append({"table": "falsification", "column": column, "term": term, "estimate": value})
    return tidy_frame(rows)
