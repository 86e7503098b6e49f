"""Stage functions the Snakemake rules call: capital stock and TFP from the ``tfp:`` config."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError
from imtfp.options import check_option
from imtfp.provinces import to_code
from imtfp.tfp._checks import require_columns
from imtfp.tfp.capital import capital_stock
from imtfp.tfp.green import malmquist_luenberger
from imtfp.tfp.growth import solow_residual
from imtfp.tfp.malmquist import malmquist
from imtfp.tfp.output import invest_per_resident, output_chain, splice_labour
from imtfp.tfp.sfa import sfa_tfp_level, sfa_tfp_options

METHOD_COLUMNS = {
    "solow": "tfp_solow",
    "malmquist": "tfp_malmquist",
    "ml": "gtfp_ml",
    "sfa": "tfp_sfa",
}
CAPITAL_DEFAULTS = {
    "delta": 0.096,
    "base": "zhang",
    "base_year": None,
    "hj_years": 5,
    "split": {"chongqing": "sichuan"},
    "nonpositive": "raise",
}


def _code(name) -> str:
    """GB/T 2260 code of a province spelled as CHNCapitalStock does (pinyin; shaanxi = 陕西)."""
    try:
        return to_code(name)
    except ValueError:
        raise ConfigError(f"unknown province {name!r}: expected a province name or code") from None


def build_capital(invest: pd.DataFrame, spec: Mapping) -> pd.DataFrame:
    """Capital stock stage: ``invest`` → (province, year, invest, price, capital).

    Parameters
    ----------
    invest : either the CHNCapitalStock layout (``prv`` pinyin, ``yr``,
        ``invest``, ``InvestPrice``) or (``province``, ``year``, ``invest``,
        ``price``); provinces in any spelling :func:`imtfp.provinces.to_code` knows.
    spec : the ``tfp:`` configuration section; its ``capital`` mapping holds
        delta, base, base_year, hj_years, split and nonpositive (see
        :func:`imtfp.tfp.capital.capital_stock`).

    Returns
    -------
    Frame with province as 2-digit code strings, capital in ``base_year`` prices.
    """
    cfg = {**CAPITAL_DEFAULTS, **dict(spec.get("capital", {}))}
    unknown = set(cfg) - set(CAPITAL_DEFAULTS)
    if unknown:
        raise ConfigError(f"tfp.capital: unknown keys {sorted(unknown)}")
    if {"prv", "yr", "invest", "InvestPrice"} <= set(invest.columns):
        df = invest.rename(columns={"prv": "province", "yr": "year", "InvestPrice": "price"})
    else:
        require_columns(invest, ["province", "year", "invest", "price"], what="build_capital")
        df = invest
    df = df[["province", "year", "invest", "price"]].assign(
        province=lambda d: d["province"].map(_code).astype(str)
    )
    # A split whose child province is not in the sample (e.g. a check dropping Chongqing) does not apply.
    present = set(df["province"])
    split = {_code(c): _code(p) for c, p in (cfg["split"] or {}).items() if _code(c) in present}
    out = capital_stock(
        df,
        delta=float(cfg["delta"]),
        base=cfg["base"],
        base_year=cfg["base_year"],
        hj_years=int(cfg["hj_years"]),
        split=split,
        nonpositive=cfg["nonpositive"],
    )
    return out[["province", "year", "invest", "price", "capital"]].reset_index(drop=True)


def capital_from_series(series: pd.DataFrame, spec: Mapping) -> pd.DataFrame:
    """Capital stage on the panel's long series: GFCF (catalog code ``gfcf``) and the fixed-base
    investment price index (``invest_price``), every observed year, provinces' own first years.

    Years where either series is missing are not part of the perpetual inventory (a province's
    series starts at its first complete year; an interior gap raises in :func:`capital_stock`).
    """
    require_columns(series, ["province", "year", "gfcf", "invest_price"], what="capital inputs")
    invest = series.rename(columns={"gfcf": "invest", "invest_price": "price"})
    return build_capital(invest.dropna(subset=["invest", "price"]), spec)


def _level_with_base(index: pd.DataFrame, keys: pd.DataFrame, col: str) -> np.ndarray:
    """Cumulative index levels on the panel's rows, 1 in each province's first year."""
    merged = keys.merge(
        index[col].rename("level").reset_index(), on=["province", "year"], how="left"
    )
    first = merged["year"] == merged.groupby("province")["year"].transform("min")
    if (merged["level"].isna() != first).any():
        rows = merged.loc[merged["level"].isna() != first, ["province", "year"]].head(5)
        raise ConfigError(f"TFP index does not cover panel rows {rows.values.tolist()}")
    return merged["level"].fillna(1.0).to_numpy()


def build_tfp(panel: pd.DataFrame, capital: pd.DataFrame, spec: Mapping) -> pd.DataFrame:
    """TFP stage: one column per configured method on the panel's (province, year) rows.

    Y is real GDP at ``real_gdp_base_year`` prices (:func:`~imtfp.tfp.output.output_chain` from
    ``gdp`` and ``gdp_index``), K the ``capital`` stage output, L ``employment`` (spliced across a
    census-basis break when ``labour_splice`` is set, :func:`~imtfp.tfp.output.splice_labour`).
    Besides the TFP columns the frame carries ``gdp_real``, ``gdp_growth`` (real growth, %),
    ``labour`` (the L used), ``capital`` (the K used) and, when the panel has ``population``,
    ``invest_pc_real``.

    * ``tfp_solow`` — ln A of :func:`solow_residual` with ``alpha``;
    * ``tfp_malmquist`` — cumulative Malmquist index (inputs K, L; output Y;
      ``dea.orientation``, ``dea.frontier``), 1 in each province's first year;
    * ``gtfp_ml`` — cumulative Malmquist–Luenberger index with bad outputs
      ``ml.bad_outputs`` (panel columns), 1 in the first year;
    * ``tfp_sfa`` — cumulative TFP change of a Battese–Coelli (1992) frontier of Y on K and L
      (:func:`~imtfp.tfp.sfa.sfa_tfp_level`, options ``sfa``: form, distribution,
      time_varying), 1 in the first year.

    Raises ConfigError when a panel row has no capital stock or a needed
    column is missing (the message names the rows).
    """
    methods = list(spec.get("methods", ["solow"]))
    for m in methods:
        check_option(m, tuple(METHOD_COLUMNS), "tfp.methods item")
    outcome = spec.get("outcome")
    if outcome is not None and outcome not in [METHOD_COLUMNS[m] for m in methods]:
        raise ConfigError(f"tfp.outcome {outcome!r} is not produced by tfp.methods {methods}")
    require_columns(panel, ["province", "year", "gdp", "gdp_index", "employment"], what="TFP panel")
    df = panel.copy().reset_index(drop=True)
    df["province"] = df["province"].astype(str)
    chain = output_chain(df, base_year=int(spec["real_gdp_base_year"]))
    df["gdp_real"] = chain["gdp_real"].to_numpy()
    # Labour as production accounting uses it: spliced across a census-basis break if configured.
    df["employment"] = splice_labour(df, spec.get("labour_splice")).to_numpy()
    cap = capital[["province", "year", "capital"]].assign(
        province=lambda d: d["province"].astype(str)
    )
    df = df.merge(cap, on=["province", "year"], how="left", validate="one_to_one")
    missing = df[df["capital"].isna()]
    if len(missing):
        rows = missing[["province", "year"]].head(5).values.tolist()
        raise ConfigError(
            f"TFP: no capital stock for {len(missing)} panel row(s), e.g. {rows}; "
            "restrict the panel years to those of the capital data"
        )
    out = df[["province", "year"]].copy()
    out["gdp_real"] = chain["gdp_real"].to_numpy()
    out["gdp_growth"] = chain["gdp_growth"].to_numpy()
    out["labour"] = df["employment"].to_numpy()
    out["capital"] = df["capital"].to_numpy()
    if "population" in df and {"invest", "price"} <= set(capital.columns):
        out["invest_pc_real"] = invest_per_resident(capital, df).to_numpy()
    if "solow" in methods:
        out["tfp_solow"] = solow_residual(df, alpha=spec.get("alpha", "estimate"))["ln_tfp"]
    if "sfa" in methods:
        out["tfp_sfa"] = sfa_tfp_level(
            df, y="gdp_real", capital="capital", labour="employment", entity="province",
            time="year", **sfa_tfp_options(spec.get("sfa")),
        ).to_numpy()  # fmt: skip
    dea_cfg = dict(spec.get("dea", {}))
    if "malmquist" in methods:
        mq = malmquist(
            df,
            ["capital", "employment"],
            ["gdp_real"],
            entity="province",
            time="year",
            orientation=dea_cfg.get("orientation", "output"),
            frontier=dea_cfg.get("frontier", "contemporaneous"),
        )
        out["tfp_malmquist"] = _level_with_base(mq, out[["province", "year"]], "tfp_level")
    if "ml" in methods:
        ml_cfg = dict(spec.get("ml", {}))
        bad = list(ml_cfg.get("bad_outputs", []))
        if not bad:
            raise ConfigError("tfp.ml.bad_outputs must name at least one panel column")
        ml = malmquist_luenberger(
            df,
            ["capital", "employment"],
            ["gdp_real"],
            bad,
            entity="province",
            time="year",
            frontier=ml_cfg.get("frontier", "global"),
            rts=ml_cfg.get("rts", "crs"),
            bad_disposability=ml_cfg.get("bad_disposability", "weak"),
        )
        out["gtfp_ml"] = _level_with_base(ml, out[["province", "year"]], "tfp_level")
    return out.sort_values(["province", "year"], kind="stable").reset_index(drop=True)
