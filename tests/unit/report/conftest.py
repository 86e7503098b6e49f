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
    rows += _frontier_rows() + _spatial_rows() + _dynamic_rows()
    return tidy_frame(rows)


def _rows(table, column, coefs, stats, **facts):
    """Coefficient rows (term, estimate, se, p) and statistic rows (term, estimate, p)."""
    out = [
        dict(table=table, column=column, term=t, estimate=b, se=se, p=p, t=b / se,
             ci_low=b - 1.96 * se, ci_high=b + 1.96 * se, stat=False, **facts)
        for t, b, se, p in coefs
    ]  # fmt: skip
    out += [
        dict(table=table, column=column, term=t, estimate=v, p=p, stat=True, **facts)
        for t, v, p in stats
    ]
    return out


def _frontier_rows():
    """Two frontier columns as estimate_sfa writes them (BC92 time-varying, BC95)."""
    facts = dict(nobs=30, cov="oim", dep_var="ln_gdp_real")
    front = [("(Intercept)", 1.2, 0.3, 1e-4), ("ln_capital", 0.4, 0.05, 0.0),
             ("ln_labour", 0.5, 0.06, 0.0), ("t", 0.02, 0.01, 0.04)]  # fmt: skip
    stats = [("mean_efficiency", 0.75, None), ("log_likelihood", 21.3, None)]
    rows = _rows(
        "sfa", "bc92",
        [*front, ("sigmaSq", 0.05, 0.01, 0.0), ("gamma", 0.8, 0.05, 0.0), ("eta", 0.02, 0.01, 0.04)],
        [*stats, ("lr_statistic", 12.4, 0.001), ("lr_df", 2.0, None)], **facts,
    )  # fmt: skip
    rows += _rows(
        "sfa", "bc95",
        [*front, ("Z_(Intercept)", 0.3, 0.1, 0.003), ("Z_im_index", -0.9, 0.2, 0.0),
         ("sigmaSq", 0.02, 0.004, 0.0), ("gamma", 0.6, 0.1, 0.0)],
        [*stats, ("lr_statistic", 30.1, 0.0), ("lr_df", 3.0, None)], **facts,
    )  # fmt: skip
    return rows


def _spatial_rows():
    """One SDM column as estimate_spatial writes it (control urban, contiguity weights)."""
    facts = dict(nobs=30, entity_fe=True, time_fe=True, controls="urban", cov="ml", dep_var="tfp",
                 spatial_model="sdm", lee_yu=True, impact_draws=1000)  # fmt: skip
    coefs = [("rho", 0.3, 0.1, 0.003), ("im_index", 0.5, 0.1, 0.0), ("urban", 0.01, 0.02, 0.6),
             ("W*im_index", 0.2, 0.1, 0.05), ("W*urban", 0.0, 0.02, 0.9)]  # fmt: skip
    for e, b in (("direct", 0.52), ("indirect", 0.45), ("total", 0.97)):
        coefs += [(f"{e}:im_index", b, 0.15, 0.002), (f"{e}:urban", 0.01, 0.03, 0.7)]
    stats = [("log_likelihood", 40.2, None), ("sigma2", 0.0004, None), ("moran_i", 0.12, 0.01),
             ("lm_lag", 5.1, 0.02), ("lm_error", 3.2, 0.07)]  # fmt: skip
    return _rows("spatial", "contiguity", coefs, stats, **facts)


def _dynamic_rows():
    """Difference and system GMM columns as estimate_dynamic writes them."""
    rows = []
    for column, nobs, cons in (("difference", 20, []), ("system", 25, [("_cons", 0.4, 0.2, 0.05)])):
        facts = dict(nobs=nobs, entity_fe=True, time_fe=True, controls="urban", cov="windmeijer",
                     dep_var="tfp")  # fmt: skip
        coefs = [("L1.tfp", 0.6, 0.1, 0.0), ("im_index", 0.3, 0.1, 0.004),
                 ("urban", 0.01, 0.02, 0.6), ("year_2013", 0.02, 0.01, 0.05), *cons]  # fmt: skip
        stats = [("ar1", -2.5, 0.012), ("ar2", 0.4, 0.69), ("hansen_j", 3.1, 0.54),
                 ("sargan", 2.2, 0.7), ("n_instruments", 12.0, None), ("n_groups", 6.0, None)]  # fmt: skip
        out = _rows("dynamic", column, coefs, stats, **facts)
        for r in out:
            r["stat_df"] = 4 if r["term"] in ("hansen_j", "sargan") else None
        rows += out
    return rows
