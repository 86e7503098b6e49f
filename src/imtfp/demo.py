"""The simulated demo panel: 31 provinces × 2011–2022 with a known truth.

**Simulated data, not official statistics.** Magnitudes are calibrated to
look like provincial statistics (2011 GRP and population roughly as
published) so that every stage can be exercised and checked against the
data-generating process (DGP) recorded in ``truth.yaml``:

* latent IM capacity ``L_it = level_i + 0.12 (t − 2011) + u_it`` (east >
  central > west, five leaders, AR(1) shocks) plus a shift-share instrument
  ``z_it``; three subsystem scores ``S_k = L + d_ki + e_kit`` whose
  province-specific gaps ``d_ki`` make their coupling vary;
* each index indicator a monotone transform of its subsystem score plus
  noise, written in NBS units; a few interior cells left blank;
* ``IM`` = the composite index the pipeline computes from those indicators
  (entropy, global, after the declared interpolation), so the effect of the
  regressor the models use is known exactly;
* mediators ``M_k = μ_ki + λ_kt + a_k IM + γ_k'Z + e_k`` and
  ``ln A = μ_i + λ_t + β IM + Σ b_k M_k + γ'Z + ε``;
* capital by the perpetual inventory from simulated GFCF and a fixed-base
  price index, ``Y = A K^α L^(1−α)``, nominal GRP and the GRP index (上年=100).

Raw files are written in both NBS export formats so the default run goes
through the real readers.

A separate **staggered pilot** (``pilot/``: a pilot list in the format of the official lists and
an outcome panel) serves the causal designs: three cohorts adopt in 2014, 2016 and 2018, ten
provinces never do, and ``pilot_outcome = μ_i + λ_t + τ_{g,t} + ε`` with
``τ_{g,t} = slope_g · (t − g + 1)`` after adoption — effects that grow with exposure and differ by
cohort, the case where static TWFE is biased. Its draws come from their own generator
(``default_rng([seed, 12])``), so the series above are unchanged; the ATT(g,t) are in
``truth.yaml`` under ``did``.

The **industrial production function** (issue 21) has its own stream too (``default_rng([seed, 21])``):
industrial value added ``Y = A_I K^α_I L^(1−α_I)`` with ``ln A_I = μ_i + λ_t + β_I·IM + ε``, a producer
price index and an investment price index (上年=100), manufacturing investment from 2003, the book value of
net fixed assets in 2003 (the initial stock) and manufacturing employment, all exogenous to IM, so that
:mod:`imtfp.tfp.industry` recovers α_I (two-way FE) and ln A_I; the income-approach labour share is
1 − α_I plus noise. Its truth is ``truth.yaml`` under ``industry``.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from imtfp import provinces

YEARS = (2011, 2022)
#: The ``source`` the demo writes in every manifest entry (:func:`wrote` looks for it).
DEMO_SOURCE = "imtfp.demo (simulated)"
INVEST_START = 2000
ALPHA = 0.45
DELTA = 0.096
BETA = 0.30
CHANNELS = {  # name: (mediator column, a, b)
    "innovation": ("innov", 8.0, 0.010),
    "factor_allocation": ("factor_alloc", 0.60, 0.080),
    "upgrading": ("ind_upgrade", 0.50, 0.100),
}
CONTROL_EFFECTS = {"gov": -0.004, "open": 0.002, "urban_rate": 0.003}
SIGMA_LNA = 0.01
RESCALE = (0.002, 0.998)

# Approximate 2011 GRP (亿元) and resident population (万人): calibration only.
_GDP_2011 = dict(zip(provinces.codes(), [
    16252, 11307, 24516, 11238, 14360, 22227, 10569, 12582, 19196, 49110, 32319, 15301, 17560, 11703,
    45362, 26931, 19632, 19670, 53210, 11721, 2523, 10011, 21027, 5702, 8893, 606, 12512, 5020, 1670,
    2102, 6610]))  # fmt: skip
_POP_2011 = dict(zip(provinces.codes(), [
    2019, 1355, 7241, 3593, 2482, 4383, 2749, 3834, 2347, 7899, 5463, 5968, 3720, 4488, 9637, 9388,
    5758, 6596, 10505, 4645, 877, 2919, 8050, 3469, 4631, 303, 3743, 2564, 568, 639, 2209]))  # fmt: skip
_LEADERS = ("11", "31", "32", "33", "44")
_REGION_LEVEL = {"east": 0.6, "central": 0.25, "northeast": 0.2, "west": 0.0}

# Index indicators: (code as the panel sees it, subsystem, direction).
INDEX_INDICATORS = {
    "technology": {
        "rd_intensity": "+",
        "patents_per_10k": "+",
        "tech_market_pc": "+",
        "software_pc": "+",
    },
    "factors": {"robot_density": "+", "broadband_pc": "+", "info_emp_share": "+"},
    "industry": {"hightech_share": "+", "ecommerce_pc": "+", "energy_intensity": "-"},
}
DERIVED = {
    "patents_per_10k": "invention_grants / population",
    "tech_market_pc": "tech_market / population * 10000",
    "software_pc": "software_rev / population * 10000",
    "broadband_pc": "broadband_ports / population",
    "info_emp_share": "info_employment / employment * 100",
    "ecommerce_pc": "ecommerce_sales / population * 10000",
    "gov": "fiscal_exp / gdp * 100",
    "open": "trade / gdp * 100",
    "ind_upgrade": "tertiary_va / secondary_va",
}
# Raw files: (catalog code, name in the file, unit, decimals, format).
RAW_FILES = [
    ("gdp", "地区生产总值", "亿元", 1, "legacy"),
    ("gdp_index", "地区生产总值指数(上年=100)", "上年=100", 1, "portal"),
    ("gfcf", "固定资本形成总额", "亿元", 2, "legacy"),
    ("invest_price", "固定资产投资价格指数(定基,2000年=1)", "定基指数", 6, "portal"),
    ("employment", "就业人员", "万人", 1, "legacy"),
    ("population", "年末常住人口", "万人", 0, "portal"),
    ("rd_intensity", "R&D经费投入强度", "%", 2, "legacy"),
    ("invention_grants", "发明专利授权数", "件", 0, "portal"),
    ("tech_market", "技术市场成交额", "亿元", 2, "legacy"),
    ("software_rev", "软件业务收入", "万元", 0, "portal"),
    ("robot_density", "工业机器人密度", "台/万人", 1, "legacy"),
    ("broadband_ports", "互联网宽带接入端口", "万个", 1, "portal"),
    ("info_employment", "信息传输、软件和信息技术服务业城镇单位就业人员", "万人", 2, "legacy"),
    ("hightech_share", "高技术制造业营业收入占比", "%", 2, "portal"),
    ("ecommerce_sales", "电子商务销售额", "亿元", 1, "legacy"),
    ("energy_intensity", "单位地区生产总值能耗", "吨标准煤/万元", 3, "portal"),
    ("fiscal_exp", "地方财政一般公共预算支出", "亿元", 2, "legacy"),
    ("trade", "进出口总额", "亿元", 1, "portal"),
    ("urban_rate", "城镇化率", "%", 2, "legacy"),
    ("secondary_va", "第二产业增加值", "亿元", 1, "portal"),
    ("tertiary_va", "第三产业增加值", "亿元", 1, "legacy"),
    ("innov", "每万人口发明专利拥有量", "件/万人", 2, "portal"),
    ("factor_alloc", "要素配置效率指数", "指数", 3, "legacy"),
    ("edu_years", "平均受教育年限", "年", 2, "portal"),
    ("iur", "高校R&D经费中企业资金占比", "%", 2, "legacy"),
    ("market_index", "市场化指数", "指数", 2, "portal"),
    ("iv_post", "1984年每百万人邮局数×上年互联网用户数", "指数", 3, "legacy"),
    # the industrial production function (issue 21)
    ("industry_va", "工业增加值", "亿元", 1, "legacy"),
    ("ppi", "工业生产者出厂价格指数(上年=100)", "上年=100", 2, "portal"),
    ("fai_manufacturing", "制造业全社会固定资产投资", "亿元", 2, "legacy"),
    ("invest_price_index", "固定资产投资价格指数(上年=100)", "上年=100", 2, "portal"),
    ("ind_fa_gross", "规模以上工业企业固定资产原价合计", "亿元", 2, "legacy"),
    ("ind_fa_depr", "规模以上工业企业累计折旧", "亿元", 2, "portal"),
    ("manuf_employment", "制造业城镇单位就业人员", "万人", 2, "legacy"),
    ("labour_comp", "劳动者报酬", "亿元", 1, "portal"),
    ("gdp_income", "收入法地区生产总值", "亿元", 1, "legacy"),
]
_EXTENSIVE = {"gdp", "gfcf", "employment", "population", "invention_grants", "tech_market", "software_rev",
              "broadband_ports", "info_employment", "ecommerce_sales", "fiscal_exp", "trade",
              "secondary_va", "tertiary_va", "industry_va", "fai_manufacturing", "ind_fa_gross",
              "ind_fa_depr", "manuf_employment", "labour_comp", "gdp_income"}  # fmt: skip
_BLANK_CELLS = [("robot_density", "45", 2015), ("robot_density", "62", 2018), ("hightech_share", "52", 2016),
                ("broadband_ports", "63", 2019), ("urban_rate", "14", 2014), ("edu_years", "36", 2017)]  # fmt: skip


def _latent(rng: np.random.Generator, codes: list[str], years: np.ndarray) -> pd.DataFrame:
    n, t = len(codes), len(years)
    level = np.array([_REGION_LEVEL[provinces.region(c)] + 0.5 * (c in _LEADERS) for c in codes])
    level = level + rng.normal(0, 0.2, n)
    u = np.zeros((n, t))
    for j in range(t):
        u[:, j] = (0.6 * u[:, j - 1] if j else 0) + rng.normal(0, 0.04, n)
    z_i = rng.normal(0, 1, n)
    internet = np.linspace(0.3, 1.0, t)
    z = z_i[:, None] * internet[None, :]
    L = level[:, None] + 0.12 * (years - years[0])[None, :] + u + 0.15 * z
    out = pd.DataFrame(
        {"province": np.repeat(codes, t), "year": np.tile(years, n), "L": L.ravel(), "z": z.ravel()}
    )
    for k in INDEX_INDICATORS:
        d = rng.normal(0, 0.25, n)
        out[f"S_{k}"] = (L + d[:, None] + rng.normal(0, 0.05, (n, t))).ravel()
    return out


def _indicators(rng: np.random.Generator, lat: pd.DataFrame) -> pd.DataFrame:
    """Index indicators (as the panel derives them) and exogenous size series."""
    yr = (lat["year"] - YEARS[0]).to_numpy()
    pop = lat["province"].map(_POP_2011).to_numpy() * np.exp(
        0.004 * yr + rng.normal(0, 0.002, len(lat))
    )
    S = {k: lat[f"S_{k}"].to_numpy() for k in INDEX_INDICATORS}
    e = lambda s: rng.normal(0, s / 2, len(lat))  # noqa: E731 - one-line noise helper
    d = pd.DataFrame({"province": lat["province"], "year": lat["year"], "population": pop})
    d["employment"] = pop * (0.56 + 0.02 * np.tanh(S["factors"])) * np.exp(e(0.01))
    d["rd_intensity"] = np.exp(0.0 + 0.6 * S["technology"] + e(0.08))
    d["patents_per_10k"] = np.exp(-0.3 + 1.2 * S["technology"] + e(0.10))
    d["tech_market_pc"] = np.exp(5.0 + 1.1 * S["technology"] + e(0.15))
    d["software_pc"] = np.exp(6.0 + 1.4 * S["technology"] + e(0.15))
    d["robot_density"] = np.exp(2.0 + 1.2 * S["factors"] + e(0.10))
    d["broadband_pc"] = 0.15 + 0.35 / (1 + np.exp(-(S["factors"] - 0.5))) + e(0.01)
    d["info_emp_share"] = np.exp(0.0 + 0.6 * S["factors"] + e(0.06))
    d["hightech_share"] = 100 / (1 + np.exp(-(-2.0 + 1.0 * S["industry"] + e(0.05))))
    d["ecommerce_pc"] = np.exp(7.5 + 1.2 * S["industry"] + e(0.12))
    d["energy_intensity"] = np.exp(0.1 - 0.5 * S["industry"] + e(0.05))
    return d


def _as_written(d: pd.DataFrame) -> pd.DataFrame:
    """Turn derived intensities back into the extensive NBS series and round as exported."""
    w = d[["province", "year"]].copy()
    w["population"] = d["population"].round(0)
    w["employment"] = d["employment"].round(1)
    w["invention_grants"] = (d["patents_per_10k"] * w["population"]).round(0)
    w["tech_market"] = (d["tech_market_pc"] * w["population"] / 1e4).round(2)
    w["software_rev"] = (d["software_pc"] * w["population"]).round(0)  # 万元: pc 元/人 × 万人
    w["broadband_ports"] = (d["broadband_pc"] * w["population"]).round(1)
    w["info_employment"] = (d["info_emp_share"] * w["employment"] / 100).round(2)
    w["ecommerce_sales"] = (d["ecommerce_pc"] * w["population"] / 1e4).round(1)
    for col, dec in (
        ("rd_intensity", 2),
        ("robot_density", 1),
        ("hightech_share", 2),
        ("energy_intensity", 3),
    ):
        w[col] = d[col].round(dec)
    return w


def _blank(w: pd.DataFrame) -> pd.DataFrame:
    w = w.copy()
    for col, code, year in _BLANK_CELLS:
        w.loc[(w["province"] == code) & (w["year"] == year), col] = np.nan
    return w


def observed_index(written: pd.DataFrame) -> pd.DataFrame:
    """The IM index as the pipeline computes it from the written files (the regressor's truth)."""
    from imtfp.index import composite_index
    from imtfp.panel import derive, fill_missing

    raw = [c for c in written.columns if c not in ("province", "year")]
    panel, _ = fill_missing(written, raw, "interpolate")
    panel = derive(panel, {k: v for k, v in DERIVED.items() if k in _INDEX_DERIVED})
    inds = {c: (1 if s == "+" else -1) for sub in INDEX_INDICATORS.values() for c, s in sub.items()}
    scores, _ = composite_index(panel, inds, method="entropy", scheme="global", rescale=RESCALE)
    return panel.assign(im_index=np.asarray(scores))


_INDEX_DERIVED = {
    "patents_per_10k",
    "tech_market_pc",
    "software_pc",
    "broadband_pc",
    "info_emp_share",
    "ecommerce_pc",
}


def _fe(rng, codes, years, sd_i, sd_t, lat):
    fi = dict(zip(codes, rng.normal(0, sd_i, len(codes))))
    ft = dict(zip(years, np.cumsum(rng.normal(0, sd_t, len(years)))))
    return lat["province"].map(fi).to_numpy() + lat["year"].map(ft).to_numpy()


def _pim(invest_real: pd.DataFrame) -> pd.Series:
    """True capital: K_1999 at the steady state I/(g+δ), then K_t = (1−δ)K_{t−1} + I_t."""
    out = []
    for _, g in invest_real.groupby("province", sort=True):
        i = g["real_invest"].to_numpy()
        k = i[0] / (0.10 + DELTA) * (1 - DELTA) + i[0]
        ks = [k]
        for x in i[1:]:
            k = (1 - DELTA) * k + x
            ks.append(k)
        out.append(pd.Series(ks, index=g.index))
    return pd.concat(out).sort_index()


def simulate(seed: int) -> dict:
    """Simulate the demo; returns the written series (wide), latent truth and parameters."""
    rng = np.random.default_rng(seed)
    codes = provinces.codes()
    years = np.arange(YEARS[0], YEARS[1] + 1)
    lat = _latent(rng, codes, years)
    written = _blank(_as_written(_indicators(rng, lat)))
    obs = observed_index(written)
    im = obs["im_index"].to_numpy()
    lat["im_index"] = im
    region = lat["province"].map(provinces.region)
    east = (region == "east").to_numpy()
    yr = (lat["year"] - YEARS[0]).to_numpy()
    n = len(lat)
    # Controls (true values; the written series reproduce them up to rounding).
    Z = pd.DataFrame({
        "gov": 18 + 12 * (region == "west").to_numpy() - 3 * lat["L"].to_numpy() + rng.normal(0, 0.5, n),
        "open": np.exp(2.3 + 0.9 * east + 0.3 * lat["L"].to_numpy() - 0.02 * yr + rng.normal(0, 0.05, n)),
        "urban_rate": 48 + 8 * lat["L"].to_numpy() + 1.1 * yr + rng.normal(0, 0.3, n),
    })  # fmt: skip
    Z["urban_rate"] = Z["urban_rate"].clip(25, 90).round(2)
    gamma_z = sum(CONTROL_EFFECTS[c] * Z[c].to_numpy() for c in CONTROL_EFFECTS)
    lna = (
        _fe(rng, codes, years, 0.15, 0.01, lat) + BETA * im + gamma_z + rng.normal(0, SIGMA_LNA, n)
    )
    mediators = {}
    for col, a, _ in CHANNELS.values():
        base = {"innov": 5.0, "factor_alloc": 1.0, "ind_upgrade": 1.0}[col]
        m = (
            base
            + _fe(rng, codes, years, 0.3 * base, 0.02 * base, lat)
            + a * im
            + 0.01 * Z["urban_rate"].to_numpy()
        )
        m = m + rng.normal(0, 0.05 * base, n)
        mediators[col] = m
    mediators["innov"] = np.round(np.clip(mediators["innov"], 0.05, None), 2)
    mediators["factor_alloc"] = np.round(mediators["factor_alloc"], 3)
    for col, _, b in CHANNELS.values():
        lna = lna + b * mediators[col]
    # Capital: GFCF from 2000, price index fixed base 2000 = 1.
    inv_years = np.arange(INVEST_START, YEARS[1] + 1)
    inv = pd.DataFrame(
        {"province": np.repeat(codes, len(inv_years)), "year": np.tile(inv_years, len(codes))}
    )
    scale = inv["province"].map(_GDP_2011).to_numpy() * 0.45
    shocks = rng.normal(0, 0.03, len(inv))
    inv["real_invest"] = scale * np.exp((inv["year"].to_numpy() - 2011) * 0.07 + shocks)
    price = np.exp(0.02 * (inv_years - INVEST_START) + 0.005 * np.sin(inv_years))
    inv["invest_price"] = np.round(np.tile(price, len(codes)), 6)
    inv["gfcf"] = np.round(inv["real_invest"] * inv["invest_price"], 2)
    inv["real_invest"] = inv["gfcf"] / inv["invest_price"]  # as the pipeline will see it
    inv["capital"] = _pim(inv)
    K = lat.merge(inv[["province", "year", "capital"]], on=["province", "year"])[
        "capital"
    ].to_numpy()
    emp = written["employment"].to_numpy()
    Y = np.exp(lna) * K**ALPHA * emp ** (1 - ALPHA)  # real GRP, 2011 prices (亿元)
    deflator = np.exp(0.025 * yr + 0.01 * np.sin(yr))
    gdp = np.round(Y * deflator, 1)
    lat["lnA"], lat["capital"], lat["gdp_real"] = lna, K, Y
    lat = lat.assign(**mediators)
    wide = written.copy()
    wide["gdp"] = gdp
    real = pd.Series(Y, index=lat.index)
    gi = 100 * real / real.groupby(lat["province"]).shift(1)
    gi_2011 = 100 * np.exp(
        0.08 + rng.normal(0, 0.01, len(codes))
    )  # growth into 2011 (no 2010 in the demo)
    gi[lat["year"] == YEARS[0]] = gi_2011
    wide["gdp_index"] = gi.round(1).to_numpy()
    wide["fiscal_exp"] = np.round(Z["gov"].to_numpy() * gdp / 100, 2)
    wide["trade"] = np.round(Z["open"].to_numpy() * gdp / 100, 1)
    wide["urban_rate"] = Z["urban_rate"].to_numpy()
    share2 = 1 / (1 + mediators["ind_upgrade"]) * 0.92
    wide["secondary_va"] = np.round(share2 * gdp, 1)
    wide["tertiary_va"] = np.round(mediators["ind_upgrade"] * share2 * gdp, 1)
    wide["innov"] = mediators["innov"]
    wide["factor_alloc"] = mediators["factor_alloc"]
    wide["edu_years"] = np.round(
        8.5 + 0.6 * lat["L"].to_numpy() + 0.08 * yr + rng.normal(0, 0.1, n), 2
    )
    wide["iur"] = np.round(np.clip(25 + 5 * lat["L"].to_numpy() + rng.normal(0, 3, n), 1, 80), 2)
    wide["market_index"] = np.round(
        5 + 2 * lat["L"].to_numpy() + 0.15 * yr + rng.normal(0, 0.3, n), 2
    )
    wide["iv_post"] = np.round(lat["z"].to_numpy() + 3, 3)
    wide = _blank(wide)
    history = inv[["province", "year", "gfcf", "invest_price"]]
    return {"wide": wide, "history": history, "latent": lat, "obs_panel": obs}


# ---- the industrial production function (issue 21): its own random stream ---------------------

INDUSTRY_START = 2003
INDUSTRY = {"alpha": 0.40, "beta_im": 0.25, "sigma": 0.01, "delta": DELTA}


def _chain(index_prev100: np.ndarray, years: np.ndarray, base_year: int) -> np.ndarray:
    """Fixed-base level (1 in ``base_year``) of a previous-year = 100 index, rows = years."""
    level = np.cumprod(index_prev100 / 100.0, axis=0)
    return level / level[list(years).index(base_year)]


def simulate_industry(seed: int, im: pd.DataFrame) -> dict:
    """Industrial series with a known truth (module doc); ``im``: province, year, im_index.

    Returns ``{"wide": written series (province, year, …), "truth": province, year, lnA, capital,
    va_real, labour}``. The truth is computed from the written (rounded) prices and investment, so
    the pipeline's capital stock equals it up to the rounding of the price indices.
    """
    rng = np.random.default_rng([seed, 21])
    codes = provinces.codes()
    years = np.arange(INDUSTRY_START, YEARS[1] + 1)
    n, t = len(codes), len(years)
    size = np.array([_GDP_2011[c] for c in codes]) * 0.35
    ppi = np.round(100 * np.exp(rng.normal(0.01, 0.02, (t, n))), 2)
    pidx = np.round(100 * np.exp(rng.normal(0.02, 0.01, (t, n))), 2)
    p_inv = _chain(pidx, years, YEARS[0])
    real_inv = (
        0.5
        * size[None, :]
        * np.exp(0.07 * (years - YEARS[0])[:, None] + rng.normal(0, 0.05, (t, n)))
    )
    fai = np.round(real_inv * p_inv, 2)
    k0 = 2.0 * size * np.exp(rng.normal(0, 0.1, n))  # 2003 stock, base-year prices
    nfa = np.round(k0 * p_inv[0], 2)
    depr_share = rng.uniform(0.3, 0.5, n)
    K = np.empty((t, n))
    K[0] = nfa / p_inv[0]
    for j in range(1, t):
        K[j] = (1 - INDUSTRY["delta"]) * K[j - 1] + fai[j] / p_inv[j]
    emp0 = np.array([_POP_2011[c] for c in codes]) * 0.06
    L = emp0[None, :] * np.exp(0.01 * (years - YEARS[0])[:, None] + np.cumsum(
        rng.normal(0, 0.02, (t, n)), axis=0))  # fmt: skip
    L = np.round(L, 2)
    frame = pd.DataFrame({"province": np.tile(codes, t), "year": np.repeat(years, n)})
    frame["capital"], frame["labour"] = K.ravel(), L.ravel()
    frame = frame.merge(im[["province", "year", "im_index"]], on=["province", "year"], how="left")
    fe_i = dict(zip(codes, rng.normal(0, 0.2, n)))
    fe_t = dict(zip(years, np.cumsum(rng.normal(0.01, 0.01, t))))
    lna = (
        frame["province"].map(fe_i)
        + frame["year"].map(fe_t)
        + INDUSTRY["beta_im"] * frame["im_index"].fillna(0.0)
        + rng.normal(0, INDUSTRY["sigma"], len(frame))
    ).to_numpy()
    a = INDUSTRY["alpha"]
    frame["va_real"] = np.exp(lna) * frame["capital"] ** a * frame["labour"] ** (1 - a)
    p_out = _chain(ppi, years, YEARS[0]).ravel()
    frame["lnA"] = lna
    wide = frame[["province", "year"]].copy()
    wide["industry_va"] = np.round(frame["va_real"].to_numpy() * p_out, 1)
    wide["ppi"], wide["invest_price_index"] = ppi.ravel(), pidx.ravel()
    wide["fai_manufacturing"] = fai.ravel()
    wide["manuf_employment"] = L.ravel()
    # book values published every year (2003: the initial stock; later ones at current prices)
    book = np.vstack([nfa, np.round(K[1:] * p_inv[1:], 2)])
    depr = np.round(book * depr_share[None, :], 2)
    wide["ind_fa_gross"], wide["ind_fa_depr"] = (book + depr).ravel(), depr.ravel()
    share = np.clip(1 - a + rng.normal(0, 0.02, len(wide)), 0.3, 0.9)
    income = wide["industry_va"].to_numpy() * 2.5
    wide["gdp_income"] = np.round(income, 1)
    wide["labour_comp"] = np.round(share * income, 1)
    in_panel = wide["year"] >= YEARS[0]
    for col in ("industry_va", "manuf_employment", "labour_comp", "gdp_income", "ppi"):
        wide.loc[~in_panel, col] = np.nan  # published for the panel years only
    truth = frame.loc[in_panel, ["province", "year", "lnA", "capital", "va_real", "labour"]]
    return {"wide": wide, "truth": truth.reset_index(drop=True)}


def industry_truth() -> dict:
    """Parameters of the industrial DGP (``truth.yaml`` under ``industry``)."""
    return {
        **INDUSTRY,
        "investment_start": INDUSTRY_START,
        "base_year": YEARS[0],
        "dgp": "ln A_I = mu_i + lambda_t + beta_im*IM + eps; Y_I = A_I K^alpha L^(1-alpha); K_2003 = NFA_2003/P_2003,"
        " K_t = (1-delta)K_t-1 + I_t/P_t; labour share = 1 - alpha + N(0, 0.02)",
    }


PILOT_POLICY = "demo_pilot"
PILOT_COHORTS = {2014: 6, 2016: 8, 2018: 7}  # first treated year: number of provinces
PILOT_SLOPES = {2014: 0.10, 2016: 0.06, 2018: 0.03}  # effect per year of exposure, by cohort
PILOT_SIGMA = 0.02


def simulate_pilot(seed: int) -> dict:
    """The staggered pilot: list, outcome panel and its true ATT(g,t) (own random stream)."""
    rng = np.random.default_rng([seed, 12])
    codes = provinces.codes()
    years = np.arange(YEARS[0], YEARS[1] + 1)
    order = rng.permutation(len(codes))
    first = dict.fromkeys(codes, 0)
    start = 0
    for g, k in PILOT_COHORTS.items():
        for i in order[start : start + k]:
            first[codes[i]] = g
        start += k
    mu = rng.normal(1.0, 0.3, len(codes))
    lam = np.cumsum(rng.normal(0.02, 0.01, len(years)))
    g = np.array([first[c] for c in codes])[:, None]
    tau = np.where(
        (g > 0) & (years[None, :] >= g),
        (years[None, :] - g + 1) * np.vectorize(PILOT_SLOPES.get)(np.where(g > 0, g, 2014)),
        0.0,
    )
    y = mu[:, None] + lam[None, :] + tau + rng.normal(0, PILOT_SIGMA, (len(codes), len(years)))
    outcome = pd.DataFrame({"province": np.repeat(codes, len(years)), "year": np.tile(years, len(codes)),
                            "pilot_outcome": y.ravel()})  # fmt: skip
    names = dict(zip(provinces.codes(), provinces.table()["name_zh"]))
    pilots = pd.DataFrame(
        [{"policy_name": PILOT_POLICY, "batch_year": g_, "raw_region_name": names[c], "parent_city": names[c],
          "mapping_level": "province", "source_name": "imtfp.demo (SIMULATED pilot, not an official list)",
          "source_url": "", "confidence": "simulated", "note": ""}
         for g_ in PILOT_COHORTS for c in codes if first[c] == g_]
    )  # fmt: skip
    return {"pilots": pilots, "outcome": outcome, "first": first}


def pilot_truth(first: Mapping[str, int]) -> dict:
    """True ATT(g,t), event-time effects (cohort-size weights) and overall effects of the pilot."""
    sizes = {g: sum(v == g for v in first.values()) for g in PILOT_COHORTS}
    cells = [{"group": g, "time": t, "att": round(PILOT_SLOPES[g] * (t - g + 1), 10)}
             for g in PILOT_COHORTS for t in range(g, YEARS[1] + 1)]  # fmt: skip
    dynamic = {}
    for e in sorted({c["time"] - c["group"] for c in cells}):
        at_e = [c for c in cells if c["time"] - c["group"] == e]
        w = sum(sizes[c["group"]] for c in at_e)
        dynamic[e] = round(sum(sizes[c["group"]] * c["att"] for c in at_e) / w, 10)
    total = sum(sizes[c["group"]] for c in cells)
    return {
        "policy": PILOT_POLICY,
        "outcome": "pilot_outcome",
        "cohort_sizes": sizes,
        "slopes": PILOT_SLOPES,
        "sigma": PILOT_SIGMA,
        "att_gt": cells,
        "dynamic": dynamic,
        "dynamic_overall": round(float(np.mean(list(dynamic.values()))), 10),
        "simple": round(sum(sizes[c["group"]] * c["att"] for c in cells) / total, 10),
        "dgp": "pilot_outcome = mu_i + lambda_t + slope_g*(t-g+1)*1{t>=g} + eps; never-treated: 10 provinces",
    }


def truth(seed: int) -> dict:
    """Parameters of the DGP, as recorded in ``truth.yaml``."""
    indirect = {k: a * b for k, (_, a, b) in CHANNELS.items()}
    return {
        "simulated": True,
        "seed": seed,
        "years": list(YEARS),
        "alpha": ALPHA,
        "delta": DELTA,
        "capital_base": "steady state K_1999 = I_2000/(0.10+delta) before the first investment year 2000",
        "beta_direct": BETA,
        "channels": {
            k: {"mediator": c, "a": a, "b": b, "indirect": a * b}
            for k, (c, a, b) in CHANNELS.items()
        },
        "total_effect": BETA + sum(indirect.values()),
        "control_effects": CONTROL_EFFECTS,
        "sigma_lnA": SIGMA_LNA,
        "index": {
            "method": "entropy",
            "scheme": "global",
            "rescale": list(RESCALE),
            "missing": "interpolate",
            "indicators": INDEX_INDICATORS,
        },  # fmt: skip
        "dgp": "ln A = mu_i + lambda_t + beta*IM + sum_k b_k*M_k + gamma'Z + eps; M_k = mu_ki + lambda_kt + a_k*IM"
        " + 0.01*urban_rate + e_k; Y = A K^alpha L^(1-alpha); IM = entropy index of the written indicators",
        "did": pilot_truth(simulate_pilot(seed)["first"]),
        "industry": industry_truth(),
    }


# ---- writing the raw files in the two NBS export formats -------------------------------------

_LEGACY_NOTE = [
    "注：1.本数据为imtfp模拟生成的演示数据，并非国家统计局发布的官方统计。",
    "\u3000\u3000\u30002.数值量级参照分省统计数据设定，仅用于检验分析流程。",
]
_QUOTED_NOTE = "注：模拟数据, 数值仅供演示, 请勿引用"


def _province_rows(table: pd.DataFrame, code: str, dec: int, years: list[int]) -> list[str]:
    t = table.set_index(["province", "year"])[code]
    fmt = lambda v: "" if pd.isna(v) else f"{v:.{dec}f}"  # noqa: E731
    rows = []
    if code in _EXTENSIVE:
        national = [t.xs(y, level="year").sum(min_count=1) for y in years]
        rows.append(("全国", [fmt(v) for v in national]))
    for c, name in zip(provinces.codes(), provinces.table()["name_zh"]):
        rows.append((name, [fmt(t.get((c, y), np.nan)) for y in years]))
    return rows


def write_legacy_csv(path: Path, label: str, rows, years: list[int], notes: list[str]) -> None:
    """Legacy export: GB18030, CRLF, 指标 line with unit, years descending, 注/数据来源 footer."""
    lines = [
        "数据库：分省年度数据",
        f"指标：{label}",
        "时间：最近20年",
        ",".join(["地区", *[f"{y}年" for y in years]]),
    ]
    lines += [",".join([name, *cells]) for name, cells in rows]
    lines += notes + ["数据来源：国家统计局"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def write_portal_csv(path: Path, rows, years: list[int], span: str) -> None:
    """Portal export: UTF-8 with BOM, cells separated by tab+comma, trailing comma, no 指标 line."""
    sep = "\t,"
    lines = [
        "数据库：分省年度数据 ",
        f"时间：{span} ",
        sep.join(["地区", *[f"{y}年" for y in years]]) + sep,
    ]
    lines += [sep.join([name, *cells]) + sep for name, cells in rows]
    lines += ["注：本数据为imtfp模拟生成的演示数据。", "数据来源：国家统计局"]
    path.write_bytes(codecs.BOM_UTF8 + "\n".join(lines).encode("utf-8"))


def _catalog_name(code: str) -> str:
    from imtfp.ingest import catalog

    return str(catalog.indicators().set_index("code").at[code, "name_zh"])


def write_demo(out_dir: str | Path, seed: int) -> None:
    """Write the demo's raw files, ``manifest.yaml``, ``truth.yaml`` and ``latent.csv`` into ``out_dir``."""
    out = Path(out_dir)
    (out / "legacy").mkdir(parents=True, exist_ok=True)
    (out / "portal").mkdir(parents=True, exist_ok=True)
    sim = simulate(seed)
    industry = simulate_industry(seed, sim["latent"])
    wide = sim["wide"].merge(sim["history"], on=["province", "year"], how="outer")
    wide = wide.merge(industry["wide"], on=["province", "year"], how="outer")
    entries = []
    for i, (code, name, unit, dec, fmt) in enumerate(RAW_FILES, start=1):
        years_of = sorted(wide.loc[wide[code].notna(), "year"].unique(), reverse=True)
        rows = _province_rows(wide, code, dec, years_of)
        fname = f"{i:02d}_{code}.csv"
        entry = {"path": f"{fmt}/{fname}", "reader": "nbs", "indicator": code, "vintage": "simulated-v1",
                 "source": DEMO_SOURCE}  # fmt: skip
        if fmt == "legacy":
            notes = [f'"{_QUOTED_NOTE}"'] if code == "gdp" else _LEGACY_NOTE
            write_legacy_csv(out / entry["path"], f"{name}({unit})", rows, years_of, notes)
            if name != _catalog_name(code):  # the file's 指标 must match the entry (issue 16)
                entry["aliases"] = [name]
        else:
            span = f"{min(years_of)}年-{max(years_of)}年"
            write_portal_csv(out / entry["path"], rows, years_of, span)
            entry.update(name=name, unit=unit)
        entries.append(entry)
    manifest = {
        "dataset": "demo",
        "simulated": True,
        "description": "SIMULATED demo panel generated by imtfp.demo (seed in truth.yaml); not official statistics.",
        "files": entries,
    }
    (out / "manifest.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (out / "truth.yaml").write_text(
        yaml.safe_dump(truth(seed), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    cols = [
        "province",
        "year",
        "L",
        "S_technology",
        "S_factors",
        "S_industry",
        "im_index",
        "lnA",
        "capital",
        "gdp_real",
    ]
    sim["latent"][cols].to_csv(out / "latent.csv", index=False, float_format="%.10g")
    pilot = simulate_pilot(seed)
    (out / "pilot").mkdir(exist_ok=True)
    pilot["pilots"].to_csv(out / "pilot" / "pilots.csv", index=False)
    pilot["outcome"].to_csv(out / "pilot" / "outcome.csv", index=False, float_format="%.10g")


def wrote(manifest: str | Path) -> bool:
    """Whether ``imtfp.demo`` wrote the dataset of this manifest (so its outputs may say SIMULATED).

    The manifest says ``simulated: true``, ``truth.yaml`` (the DGP the demo records) lies beside it
    and every file's ``source`` is the demo's. A user's manifest copied from the demo's keeps its
    ``simulated: true`` line but not the rest, and is not called simulated.
    """
    path = Path(manifest)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    files = doc.get("files") if isinstance(doc, dict) else None
    return (
        bool(doc.get("simulated"))
        and (path.parent / "truth.yaml").is_file()
        and bool(files)
        and all(isinstance(f, dict) and f.get("source") == DEMO_SOURCE for f in files)
    )


# ---- an EPS-style Excel panel of the simulated data (imtfp init's practice file, issue 22) ------

#: (header as an EPS/CSMAR export writes it, column of the simulated data, decimals)
EPS_COLUMNS = [
    ("地区生产总值（亿元）", "gdp", 2),
    ("地区生产总值指数（上年=100）", "gdp_index", 1),
    ("固定资本形成总额（亿元）", "gfcf", 2),
    ("固定资产投资价格指数（上年=100）", "invest_price_index", 2),
    ("就业人员（万人）", "employment", 1),
    ("年末常住人口（万人）", "population", 0),
    ("R&D经费投入强度（%）", "rd_intensity", 2),
    ("发明专利授权数（件）", "invention_grants", 0),
    ("技术市场成交额（亿元）", "tech_market", 2),
    ("软件业务收入（万元）", "software_rev", 0),
    ("工业机器人密度（台/万人）", "robot_density", 1),
    ("互联网宽带接入端口（万个）", "broadband_ports", 1),
    ("信息传输、软件和信息技术服务业城镇单位就业人员（万人）", "info_employment", 2),
    ("高技术制造业营业收入占比（%）", "hightech_share", 2),
    ("电子商务销售额（亿元）", "ecommerce_sales", 1),
    ("单位地区生产总值能耗（吨标准煤/万元）", "energy_intensity", 3),
    ("一般公共预算支出（亿元）", "fiscal_exp", 2),
    ("货物进出口总额（亿元）", "trade", 1),
    ("城镇化率（%）", "urban_rate", 2),
    ("人均地区生产总值（元）", "gdp_pc", 0),  # a column the catalogue has no indicator for
]
#: Spellings of an export: short names, one abbreviation, one full name (imtfp init reads them all).
EPS_NAMES = {"15": "内蒙", "45": "广西壮族自治区"}
#: The two cells an export leaves without a number: (header, province, year, what is written).
#: The title of the practice workbook (its document properties).
EPS_TITLE = "SIMULATED practice panel written by imtfp.demo --eps; not official statistics"
EPS_HOLES = [("城镇化率（%）", "14", 2014, None), ("R&D经费投入强度（%）", "41", 2016, "—")]


def eps_panel(seed: int) -> pd.DataFrame:
    """The simulated demo (same seed, same DGP) as a researcher's EPS province panel.

    30 provinces (no Tibet) × 2011–2022, one row per province-year, Chinese headers with units in
    full-width brackets, short province names (内蒙) and one full one, the GRP and investment price
    indices as previous year = 100, one empty cell and one ``—``. The demo's blank cells are filled
    by linear interpolation first, so the two holes are the only ones.
    """
    from imtfp.panel import fill_missing

    sim = simulate(seed)
    wide = sim["wide"].merge(sim["history"], on=["province", "year"], how="left")
    history = sim["history"].sort_values(["province", "year"])
    previous = history.groupby("province")["invest_price"].shift(1)
    chain = pd.Series(100 * history["invest_price"] / previous, index=history.index)
    wide = wide.merge(
        history.assign(invest_price_index=chain)[["province", "year", "invest_price_index"]],
        on=["province", "year"],
    )
    wide = wide[wide["province"] != "54"].reset_index(drop=True)
    cols = [c for _, c, _ in EPS_COLUMNS if c != "gdp_pc"]
    wide, _ = fill_missing(wide, cols, "interpolate")
    wide["gdp_pc"] = wide["gdp"] / wide["population"] * 1e4
    out = pd.DataFrame({
        "省份": [EPS_NAMES.get(c, provinces.name(c)) for c in wide["province"]],
        "年份": wide["year"].astype(int),
    })  # fmt: skip
    for header, col, dec in EPS_COLUMNS:
        out[header] = wide[col].round(dec).astype(object)
    for header, code, year, text in EPS_HOLES:
        row = (wide["province"] == code) & (wide["year"] == year)
        out.loc[row, header] = text
    return out


def write_eps_panel(path: str | Path, seed: int) -> Path:
    """Write :func:`eps_panel` as an Excel workbook (one sheet, 面板数据) at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        eps_panel(seed).to_excel(book, sheet_name="面板数据", index=False)
        # the file says what it is: imtfp init puts this in the manifest's description, which
        # every table's source note prints
        book.book.properties.title = EPS_TITLE
    return path


def main(argv: list[str] | None = None) -> None:
    """``python -m imtfp.demo OUT_DIR --config config.yaml``: (re)write the demo's raw files;
    ``python -m imtfp.demo --eps mine.xlsx``: the simulated panel as an EPS-style Excel file."""
    import argparse

    parser = argparse.ArgumentParser(
        description="Write the SIMULATED demo panel in NBS export formats."
    )
    parser.add_argument("out_dir", type=Path, nargs="?")
    parser.add_argument(
        "--config", type=Path, default=Path("config.yaml"), help="config holding `seed`"
    )
    parser.add_argument(
        "--eps", type=Path, help="write the simulated panel as an EPS-style Excel file here"
    )
    args = parser.parse_args(argv)
    if args.out_dir is None and args.eps is None:
        parser.error("give OUT_DIR or --eps FILE")
    seed = yaml.safe_load(args.config.read_text(encoding="utf-8"))["seed"]
    if args.eps is not None:
        write_eps_panel(args.eps, seed)
    if args.out_dir is not None:
        write_demo(args.out_dir, seed)


if __name__ == "__main__":
    main()
