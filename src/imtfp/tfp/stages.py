"""Stage functions the Snakemake rules call: capital stock and TFP from the ``tfp:`` config."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError
from imtfp.options import check_option
from imtfp.provinces import to_code
from imtfp.tfp._checks import require_columns
from imtfp.tfp._panel import level_on_rows
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
CHAINS = ("economy", "industry")
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
    _check_base_year(df, cfg["base_year"], split)
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


def _check_base_year(df: pd.DataFrame, base_year, split: Mapping[str, str]) -> None:
    """``tfp.capital.base_year`` must be a year of every province's investment data (or of its
    parent's, for a split): the message names the key, the province and its years (issue 22)."""
    if base_year is None:
        return
    from imtfp import messages, provinces

    years = df.groupby("province")["year"].agg(["min", "max"])
    for prov, (lo, hi) in years.iterrows():
        spans = [years.loc[p] for p in (prov, split.get(prov)) if p in years.index]
        if not any(s["min"] <= int(base_year) <= s["max"] for s in spans):
            raise messages.error(
                ConfigError, "tfp.base_year_outside", year=int(base_year),
                province=provinces.name(str(prov)), first=int(lo), last=int(hi),
            )  # fmt: skip


def chained_level(series: pd.DataFrame, column: str) -> pd.Series:
    r"""A fixed-base level from a previous-year = 100 index, province by province (issue 22).

    .. math::
        P_{i,t_0 - 1} = 1, \qquad P_{i,t} = P_{i,t-1}\, I_{i,t} / 100

    from each province's first observed year :math:`t_0`, so every published cell is used (the
    first year's index is its level on a base of the year before). The chain stops at the first
    missing year: the years after a gap cannot be linked and are left missing (the capital stage
    then names the gap). Returns the level in the frame's row order.
    """
    df = series[["province", "year", column]].copy()
    df["_row"] = np.arange(len(df))
    df = df.sort_values(["province", "year"], kind="stable")
    ratio = df[column].astype(float) / 100.0
    step = df.groupby("province")["year"].diff()
    broken = (ratio.isna() | (step.notna() & (step != 1))).groupby(df["province"]).cumsum() > 0
    level = ratio.where(~broken).groupby(df["province"]).cumprod()
    return (
        pd.Series(level.to_numpy(), index=df["_row"].to_numpy()).sort_index().set_axis(series.index)
    )


def capital_from_series(series: pd.DataFrame, spec: Mapping) -> pd.DataFrame:
    """Capital stage on the panel's long series: GFCF (catalog code ``gfcf``) and the fixed-base
    investment price index (``invest_price``), every observed year, provinces' own first years.
    Without ``invest_price``, the previous-year = 100 index ``invest_price_index`` is chained into
    one (:func:`chained_level`), as a researcher's EPS or yearbook panel gives it.

    Years where either series is missing are not part of the perpetual inventory (a province's
    series starts at its first complete year; an interior gap raises in :func:`capital_stock`).
    """
    if "invest_price" not in series and "invest_price_index" in series:
        series = series.assign(invest_price=chained_level(series, "invest_price_index"))
    require_columns(series, ["province", "year", "gfcf", "invest_price"], what="capital inputs")
    invest = series.rename(columns={"gfcf": "invest", "invest_price": "price"})
    return build_capital(invest.dropna(subset=["invest", "price"]), spec)


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
    if outcome is not None and outcome not in tfp_columns(spec):
        raise ConfigError(
            f"tfp.outcome {outcome!r} is not produced by tfp.methods {methods} "
            f"(chains {tfp_chains(spec)}: {tfp_columns(spec)})"
        )
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
        out["tfp_malmquist"] = level_on_rows(mq, out[["province", "year"]], "tfp_level")
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
        out["gtfp_ml"] = level_on_rows(ml, out[["province", "year"]], "tfp_level")
    return out.sort_values(["province", "year"], kind="stable").reset_index(drop=True)


def tfp_chains(spec: Mapping) -> list[str]:
    """``tfp.chains``: the TFP chains to build (default the whole economy only)."""
    chains = list(spec.get("chains") or ["economy"])
    for c in chains:
        check_option(c, CHAINS, "tfp.chains item")
    return chains


def tfp_columns(spec: Mapping) -> list[str]:
    """Every TFP column the configured chains and methods write."""
    from imtfp.tfp.industry import industry_columns

    out = []
    if "economy" in tfp_chains(spec):
        out += [METHOD_COLUMNS[m] for m in spec.get("methods", ["solow"])]
    if "industry" in tfp_chains(spec):
        out += industry_columns(spec)
    return out


def build_tfp_chains(
    panel: pd.DataFrame, capitals: Mapping[str, pd.DataFrame], spec: Mapping
) -> dict[str, pd.DataFrame]:
    """The TFP stage over the chains of ``tfp.chains``, one frame on the panel's rows.

    ``capitals``: the capital stage output of each chain (``economy``: :func:`build_capital`;
    ``industry``: :func:`imtfp.tfp.industry.industry_capital`). The whole-economy chain is
    :func:`build_tfp`; the industrial one :func:`imtfp.tfp.industry.build_industry_tfp`.

    Returns
    -------
    ``{"tfp": frame, "elasticities": frame}``: the TFP columns of every chain side by side, and
    the industrial chain's estimated elasticities (one row; empty without that chain).
    """
    from imtfp.tfp.industry import build_industry_tfp

    chains = tfp_chains(spec)
    outcome = spec.get("outcome")
    if outcome is not None and outcome not in tfp_columns(spec):
        raise ConfigError(
            f"tfp.outcome {outcome!r} is not produced by the chains {chains} "
            f"(they write {tfp_columns(spec)})"
        )
    if missing := [c for c in chains if c not in capitals]:
        raise ConfigError(f"TFP stage: no capital stock given for chain(s) {missing}")
    keys = panel[["province", "year"]].astype({"province": str})
    out = keys.sort_values(["province", "year"], kind="stable").reset_index(drop=True)
    elasticities = pd.DataFrame()
    if "economy" in chains:
        frame = build_tfp(panel, capitals["economy"], {**spec, "outcome": None})
        out = out.merge(frame, on=["province", "year"], how="left", validate="one_to_one")
    if "industry" in chains:
        frame, elasticities = build_industry_tfp(panel, capitals["industry"], spec)
        out = out.merge(frame, on=["province", "year"], how="left", validate="one_to_one")
    return {"tfp": out, "elasticities": elasticities}
