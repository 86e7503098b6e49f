"""The industrial TFP chain: its own output, capital and labour, beside the whole-economy chain.

Selected by ``tfp.chains: [industry]`` (with or without ``economy``) and configured in
``tfp.industry``. Every input is an expression over the panel's series
(:mod:`imtfp.expressions`), so the same chain runs on manufacturing-only or whole-industry inputs:

* **output** Y: nominal value added (工业增加值) deflated by a producer price index (上年=100)
  chained to ``base_year`` = 1 (single deflation, :func:`price_level`);
* **capital** K: perpetual inventory (:func:`imtfp.tfp.capital.capital_stock`) of nominal
  fixed-asset investment deflated by the investment price index (上年=100, chained), starting
  from the book value of net fixed assets (原价 − 累计折旧) in the first investment year deflated to
  base-year prices; depreciation δ from config (default 0.096, Zhang, Wu & Zhang 2004, 经济研究
  10: 35–44); declared statistical breaks of investment bridged (:func:`imtfp.splice.splice_breaks`);
* **labour** L: employment (e.g. 制造业城镇单位就业人员), breaks bridged likewise.

Factor elasticities are **estimated** (:func:`estimate_elasticities`), never fixed: ``fe`` (two-way
fixed effects with constant returns, :func:`imtfp.tfp.growth.estimate_alpha`, with a
province-cluster standard error), ``fe_free`` (unrestricted two-way FE of ln Y on ln K and ln L) or
``income_share`` (α = 1 − labour share of income-approach GRP, Törnqvist growth). Methods are a
registry (:data:`INDUSTRY_METHODS`, config ``tfp.industry.methods``): ``solow`` (ln A) and
``malmquist`` (DEA Malmquist index, inputs K, L, output Y, :func:`imtfp.tfp.malmquist.malmquist`);
a stochastic-frontier variant plugs in as one more entry. Factor misallocation
(:mod:`imtfp.tfp.allocation`) comes with it: the factor-allocation channel of the mechanism tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from imtfp import expressions
from imtfp.core.fe import demean, group_codes
from imtfp.core.vcov import absorbed_dof, vcov_cluster
from imtfp.errors import ConfigError, EstimationError
from imtfp.options import ElasticityMethod, check_option
from imtfp.splice import splice_breaks
from imtfp.tfp._checks import require_columns
from imtfp.tfp._panel import level_on_rows
from imtfp.tfp.allocation import factor_misallocation
from imtfp.tfp.capital import capital_stock
from imtfp.tfp.growth import real_output, tornqvist_tfp_growth
from imtfp.tfp.malmquist import malmquist

#: Defaults of ``tfp.industry`` (None: required).
INDUSTRY_DEFAULTS: dict[str, object] = {
    "output": "industry_va",
    "deflator": "ppi",
    "investment": None,
    "invest_price": "invest_price_index",
    "initial_stock": None,
    "labour": None,
    "base_year": None,
    "delta": 0.096,
    "splice": {},
    "elasticities": "fe",
    "labour_share": None,
    "methods": ["solow"],
    "dea": {},
    "checks": {},
}
SPLICE_SERIES = ("labour", "investment")
#: Columns the chain writes beside the TFP columns (the analysis frame carries them).
INPUT_COLUMNS = {
    "va_real": "va_real_industry",
    "capital": "capital_industry",
    "labour": "labour_industry",
    "alpha": "alpha_industry",
}


def industry_spec(tfp: Mapping) -> dict:
    """``tfp.industry`` merged onto :data:`INDUSTRY_DEFAULTS` and checked (ConfigError naming the key)."""
    given = dict(tfp.get("industry") or {})
    if unknown := set(given) - set(INDUSTRY_DEFAULTS):
        raise ConfigError(f"tfp.industry: unknown keys {sorted(unknown)}")
    cfg = {**INDUSTRY_DEFAULTS, **given}
    for key in ("investment", "initial_stock", "labour", "base_year"):
        if cfg[key] is None:
            raise ConfigError(f"tfp.industry.{key} is required for the industrial chain")
    if not 0 < float(cfg["delta"]) < 1:
        raise ConfigError(f"tfp.industry.delta={cfg['delta']!r} must lie in (0, 1)")
    check_option(cfg["elasticities"], ElasticityMethod, "tfp.industry.elasticities")
    if cfg["elasticities"] == "income_share" and not cfg["labour_share"]:
        raise ConfigError("tfp.industry.elasticities: income_share needs tfp.industry.labour_share")
    for m in cfg["methods"]:
        check_option(m, tuple(INDUSTRY_METHODS), "tfp.industry.methods item")
    if unknown := set(cfg["splice"] or {}) - set(SPLICE_SERIES):
        raise ConfigError(f"tfp.industry.splice: unknown series {sorted(unknown)}")
    return cfg


def _evaluate(frame: pd.DataFrame, expr: str, key: str) -> np.ndarray:
    return expressions.evaluate(str(expr), frame, key=f"tfp.industry.{key}")


def price_level(frame: pd.DataFrame, index: np.ndarray, *, base_year: int) -> np.ndarray:
    r"""Fixed-base price level from a previous-year = 100 index, 1 in ``base_year``, per province.

    .. math:: P_{i,b} = 1, \qquad P_{i,t} = P_{i,t-1}\, I_{i,t}/100

    (:func:`imtfp.tfp.growth.real_output` of a unit nominal value: the same chain, the same
    errors naming province and year of a missing index or a gap.)
    """
    keys = pd.MultiIndex.from_frame(frame[["province", "year"]].astype({"province": str}))
    level = real_output(
        pd.Series(1.0, index=keys), pd.Series(index, index=keys), base_year=int(base_year)
    )
    return level.to_numpy(float)


def industry_capital(series: pd.DataFrame, tfp: Mapping) -> pd.DataFrame:
    r"""Industrial capital stock from the long (all observed years) series.

    .. math::
        K_{i,t_0} = \frac{NFA_{i,t_0}}{P^I_{i,t_0}}, \qquad
        K_{i,t} = (1-\delta) K_{i,t-1} + \frac{I_{i,t}}{P^I_{i,t}}

    with :math:`I` the ``investment`` expression (nominal), :math:`P^I` the ``invest_price`` index
    (上年=100) chained to ``base_year`` = 1 and NFA the ``initial_stock`` expression (book value)
    in the province's first year with investment and price. Breaks declared in
    ``splice.investment`` are bridged on real investment before the accumulation.

    Returns
    -------
    Frame ``province, year, invest, price, real_invest, capital`` (base-year prices), every year
    from each province's first investment year to its last consecutive one.
    """
    cfg = industry_spec(tfp)
    require_columns(series, ["province", "year"], what="industrial capital series")
    df = series.sort_values(["province", "year"], kind="stable").reset_index(drop=True)
    df = df.assign(
        _inv=_evaluate(df, cfg["investment"], "investment"),
        _pidx=_evaluate(df, cfg["invest_price"], "invest_price"),
        _nfa=_evaluate(df, cfg["initial_stock"], "initial_stock"),
    )
    rows = df[np.isfinite(df["_inv"]) & np.isfinite(df["_pidx"])]
    rows = rows[_consecutive_from_first(rows)].reset_index(drop=True)
    if rows.empty:
        raise ConfigError("tfp.industry: no province-year has both investment and its price index")
    price = price_level(rows, rows["_pidx"].to_numpy(float), base_year=int(cfg["base_year"]))
    real = rows["_inv"].to_numpy(float) / price
    breaks = list((cfg["splice"] or {}).get("investment") or [])
    if breaks:
        real = splice_breaks(
            rows.assign(_real=real), "_real", breaks, what="tfp.industry.splice.investment"
        ).to_numpy(float)
    first = rows.groupby("province")["year"].transform("min") == rows["year"]
    k0 = rows.loc[first, "_nfa"].to_numpy(float) / price[first.to_numpy()]
    initial = dict(zip(rows.loc[first, "province"].astype(str), k0))
    if bad := [p for p, k in initial.items() if not (np.isfinite(k) and k > 0)]:
        raise EstimationError(
            f"tfp.industry.initial_stock is missing or not > 0 in the first investment year of {bad}"
        )
    pim = capital_stock(
        pd.DataFrame(
            {
                "province": rows["province"],
                "year": rows["year"],
                "invest": real * price,
                "price": price,
            }
        ),
        delta=float(cfg["delta"]),
        initial=initial,
        nonpositive="raise",
    )
    pim["invest"] = rows["_inv"].to_numpy(float)  # nominal, as published (real_invest is bridged)
    return pim[["province", "year", "invest", "price", "real_invest", "capital"]].reset_index(
        drop=True
    )


def _consecutive_from_first(rows: pd.DataFrame) -> np.ndarray:
    """Rows from each province's first year up to the year before its first gap."""
    gap = rows.groupby("province")["year"].diff().fillna(1).ne(1)
    return ~gap.groupby(rows["province"]).cummax().to_numpy()


def industry_inputs(panel: pd.DataFrame, capital: pd.DataFrame, tfp: Mapping) -> pd.DataFrame:
    """Y (nominal and real), K and L of the industrial chain on the panel's rows.

    Returns
    -------
    Frame ``province, year, va_nominal, va_real, capital, labour`` (and ``labour_share`` for
    income-share elasticities) sorted by province and year. Raises ConfigError naming the rows the
    capital stock does not cover, EstimationError for missing or non-positive values.
    """
    cfg = industry_spec(tfp)
    df = panel.sort_values(["province", "year"], kind="stable").reset_index(drop=True)
    df = df.assign(province=df["province"].astype(str))
    out = df[["province", "year"]].copy()
    out["va_nominal"] = _evaluate(df, cfg["output"], "output")
    deflator = price_level(
        df, _evaluate(df, cfg["deflator"], "deflator"), base_year=int(cfg["base_year"])
    )
    out["va_real"] = out["va_nominal"].to_numpy(float) / deflator
    out["labour"] = _evaluate(df, cfg["labour"], "labour")
    breaks = list((cfg["splice"] or {}).get("labour") or [])
    if breaks:
        out["labour"] = splice_breaks(
            out, "labour", breaks, what="tfp.industry.splice.labour"
        ).to_numpy(float)
    if cfg["elasticities"] == "income_share":
        out["labour_share"] = _evaluate(df, cfg["labour_share"], "labour_share")
    cap = capital[["province", "year", "capital"]].astype({"province": str})
    out = out.merge(cap, on=["province", "year"], how="left", validate="one_to_one")
    if out["capital"].isna().any():
        rows = out.loc[out["capital"].isna(), ["province", "year"]].head(5).values.tolist()
        raise ConfigError(
            f"tfp.industry: no industrial capital stock for {int(out['capital'].isna().sum())} panel "
            f"row(s), e.g. {rows}; restrict panel.years to the years of the investment series"
        )
    return out


@dataclass(frozen=True)
class Elasticities:
    """Output elasticities of capital (``alpha``) and labour (``beta``) and how they were obtained.

    ``se_*``: province-cluster standard errors (Stata's small-sample factor, t(G − 1)) for the
    fixed-effects methods; for ``income_share`` ``alpha`` is the mean of 1 − labour share and
    ``alpha_min``/``alpha_max`` its range over the rows.
    """

    method: str
    alpha: float
    beta: float
    se_alpha: float = float("nan")
    se_beta: float = float("nan")
    alpha_min: float = float("nan")
    alpha_max: float = float("nan")
    nobs: int = 0
    n_clusters: int = 0

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(self)]).assign(returns_to_scale=self.alpha + self.beta)


def estimate_elasticities(inputs: pd.DataFrame, method: ElasticityMethod) -> Elasticities:
    r"""Factor elasticities of the industrial production function.

    * ``fe``: :math:`\ln(Y/L)_{it} = \alpha \ln(K/L)_{it} + \mu_i + \lambda_t + e_{it}`,
      :math:`\beta = 1 - \alpha` (constant returns);
    * ``fe_free``: :math:`\ln Y_{it} = \alpha \ln K_{it} + \beta \ln L_{it} + \mu_i + \lambda_t + e_{it}`;
    * ``income_share``: :math:`\alpha_{it} = 1 - s^L_{it}` (labour compensation over
      income-approach GRP); reported as its mean.

    An estimated α (or β) outside (0, 1) is an EstimationError: such a technology cannot give a
    TFP residual worth reporting, and the message says which to change.
    """
    check_option(method, ElasticityMethod, "tfp.industry.elasticities")
    n = len(inputs)
    G = int(inputs["province"].nunique())
    if method == "income_share":
        a = 1.0 - inputs["labour_share"].to_numpy(float)
        if not np.all(np.isfinite(a)) or not np.all((a > 0) & (a < 1)):
            raise EstimationError("tfp.industry.labour_share must lie in (0, 1) on every row")
        return Elasticities(method, float(a.mean()), float(1 - a.mean()), alpha_min=float(a.min()),
                            alpha_max=float(a.max()), nobs=n, n_clusters=G)  # fmt: skip
    lnY, lnK, lnL = (np.log(inputs[c].to_numpy(float)) for c in ("va_real", "capital", "labour"))
    if method == "fe":  # constant returns: ln(Y/L) on ln(K/L)
        coef, se = two_way_cluster_ols(
            lnY - lnL, (lnK - lnL)[:, None], inputs["province"], inputs["year"]
        )
    else:
        coef, se = two_way_cluster_ols(
            lnY, np.column_stack([lnK, lnL]), inputs["province"], inputs["year"]
        )
    alpha, beta = float(coef[0]), float(1 - coef[0] if method == "fe" else coef[1])
    se_beta = float(se[0] if method == "fe" else se[1])
    if not (0 < alpha < 1 and 0 < beta < 1):
        raise EstimationError(
            f"tfp.industry.elasticities={method}: estimated capital elasticity {alpha:.3f} and labour "
            f"elasticity {beta:.3f} are not both in (0, 1); use another method (fe, fe_free, "
            "income_share) or check the inputs"
        )
    return Elasticities(method, alpha, beta, float(se[0]), se_beta, nobs=n, n_clusters=G)


def two_way_cluster_ols(
    y: np.ndarray, X: np.ndarray, entity: pd.Series, time: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    r"""Within (entity and time effects) least squares with entity-cluster standard errors.

    .. math::
        \hat\beta = (\ddot X'\ddot X)^{-1}\ddot X'\ddot y, \qquad
        \hat V = \frac{G}{G-1}\frac{N-1}{N-K}(\ddot X'\ddot X)^{-1}
        \Big[\sum_g \ddot X_g'\hat e_g\hat e_g'\ddot X_g\Big](\ddot X'\ddot X)^{-1}

    with K = slopes + 1 + (T − 1) year dummies (the entity dummies are nested in the clusters):
    Stata's ``xtreg y x i.year, fe vce(cluster id)``. (:func:`imtfp.tfp.growth.estimate_alpha`
    gives the same slope for the constant-returns case; measurement does not import ``models``,
    so the covariance comes from :mod:`imtfp.core.vcov` here.)

    Returns
    -------
    (coef, se), arrays of the columns of ``X``.
    """
    groups = [group_codes(np.asarray(entity)), group_codes(np.asarray(time))]
    W = demean(np.column_stack([np.asarray(y, float), np.asarray(X, float)]), groups)
    Xd, yd = W[:, 1:], W[:, 0]
    xtx_inv = np.linalg.inv(Xd.T @ Xd)
    coef = xtx_inv @ (Xd.T @ yd)
    resid = yd - Xd @ coef
    k_df = Xd.shape[1] + 1 + absorbed_dof(groups, [groups[0]])
    V = vcov_cluster(Xd, resid, xtx_inv, groups[0], k_df=k_df)
    return coef, np.sqrt(np.diag(V))


# -- methods: column name and function (inputs, elasticities, spec) -> values on the rows ------


def _solow(inputs: pd.DataFrame, el: Elasticities, cfg: Mapping) -> np.ndarray:
    r"""ln A: :math:`\ln Y - \alpha\ln K - \beta\ln L`; with income shares the cumulative
    Törnqvist growth (:func:`imtfp.tfp.growth.tornqvist_tfp_growth`), 0 in a province's first year."""
    if el.method != "income_share":
        return (
            np.log(inputs["va_real"].to_numpy(float))
            - el.alpha * np.log(inputs["capital"].to_numpy(float))
            - el.beta * np.log(inputs["labour"].to_numpy(float))
        )
    g = tornqvist_tfp_growth(
        inputs, output="va_real", capital="capital", labour="labour", labour_share="labour_share",
        entity="province", time="year",
    )  # fmt: skip
    g["level"] = g.groupby("province")["tfp_growth"].cumsum()
    keys = inputs[["province", "year"]]
    merged = keys.merge(g[["province", "year", "level"]], on=["province", "year"], how="left")
    return merged["level"].fillna(0.0).to_numpy(float)


def _malmquist(inputs: pd.DataFrame, el: Elasticities, cfg: Mapping) -> np.ndarray:
    """Cumulative Malmquist index of (K, L) → Y, 1 in each province's first year."""
    dea = dict(cfg.get("dea") or {})
    mq = malmquist(
        inputs, ["capital", "labour"], ["va_real"], entity="province", time="year",
        orientation=dea.get("orientation", "output"),
        frontier=dea.get("frontier", "contemporaneous"),
    )  # fmt: skip
    return level_on_rows(mq, inputs[["province", "year"]], "tfp_level")


#: ``tfp.industry.methods``: name -> (column, function). A frontier (SFA) variant is one more entry.
INDUSTRY_METHODS: dict[
    str, tuple[str, Callable[[pd.DataFrame, Elasticities, Mapping], np.ndarray]]
] = {
    "solow": ("tfp_industry_solow", _solow),
    "malmquist": ("tfp_industry_malmquist", _malmquist),
}


def industry_columns(tfp: Mapping) -> list[str]:
    """The TFP columns the configured industrial methods write."""
    return [INDUSTRY_METHODS[m][0] for m in industry_spec(tfp)["methods"]]


def build_industry_tfp(
    panel: pd.DataFrame, capital: pd.DataFrame, tfp: Mapping
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The industrial chain on the panel's rows: TFP by each method, its inputs, misallocation.

    Returns
    -------
    (frame, elasticities): ``frame`` has province, year, ``va_real_industry``,
    ``capital_industry``, ``labour_industry``, ``alpha_industry`` (the capital elasticity used),
    one column per method (``tfp_industry_solow`` …) and the distortion measures ``tau_k``,
    ``tau_l``, ``misalloc_k``, ``misalloc_l`` of :func:`imtfp.tfp.allocation.factor_misallocation`
    (nominal value added, real K, L); ``elasticities`` is :meth:`Elasticities.frame`.
    """
    cfg = industry_spec(tfp)
    inputs = industry_inputs(panel, capital, tfp)
    el = estimate_elasticities(inputs, cfg["elasticities"])
    out = inputs[["province", "year"]].copy()
    out["va_real_industry"] = inputs["va_real"].to_numpy(float)
    out["capital_industry"] = inputs["capital"].to_numpy(float)
    out["labour_industry"] = inputs["labour"].to_numpy(float)
    out["alpha_industry"] = (
        1 - inputs["labour_share"].to_numpy(float) if el.method == "income_share" else el.alpha
    )
    for m in cfg["methods"]:
        column, method = INDUSTRY_METHODS[m]
        out[column] = method(inputs, el, cfg)
    alloc = factor_misallocation(inputs, output="va_nominal", capital="capital", labour="labour")
    out = pd.concat([out, alloc.reset_index(drop=True)], axis=1)
    return out, el.frame()


def industry_check_frame(tfp_frame: pd.DataFrame, capital: pd.DataFrame) -> pd.DataFrame:
    """The frame the industrial TFP checks read: every year of the capital stock (real investment,
    capital) with the window's output, labour and elasticity where the TFP frame has them."""
    cols = ["province", "year", "va_real_industry", "labour_industry", "alpha_industry"]
    cols += [c for c in tfp_frame.columns if c.startswith("tfp_industry_")]
    cap = capital[["province", "year", "real_invest", "capital"]].astype({"province": str})
    frame = cap.merge(
        tfp_frame[cols].astype({"province": str}), on=["province", "year"], how="left"
    )
    return frame.rename(columns={"capital": "capital_industry"})


def industry_checks(tfp_frame: pd.DataFrame, capital: pd.DataFrame, tfp: Mapping) -> pd.DataFrame:
    """``tfp.industry.checks`` (:mod:`imtfp.checks` kinds) on :func:`industry_check_frame`.

    A ``capital_break`` check takes the chain's δ unless it names its own.
    """
    from imtfp.checks import run_checks

    cfg = industry_spec(tfp)
    spec = {
        name: ({"delta": cfg["delta"], **check} if check.get("kind") == "capital_break" else check)
        for name, check in (cfg["checks"] or {}).items()
    }
    return run_checks(industry_check_frame(tfp_frame, capital), spec)
