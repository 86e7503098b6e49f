"""Stage functions of the causal-design rules (workflow/rules/designs.smk).

A *design* (config ``designs.<name>``) is a policy list + a treatment unit level (province or
city) + outcomes + controls + estimator choices; the model ``did`` of
:data:`imtfp.models.registry.MODELS`. The treatment timing (unit, first treated year) is a
measure built upstream from the policy list (:mod:`imtfp.ingest.designs`); these stages take
DataFrames:

1. :func:`design_frame` — the estimation frame: outcomes and controls by unit and year, with
   ``first_treated`` (0 = never treated);
2. :func:`design_results` — every estimator on every outcome: tidy event-study rows, ATT(g,t),
   Bacon decomposition, Rambachan–Roth grid and a summary with pre-trend, RI and breakdown values
   and the credibility flag of each estimate (:func:`credibility_flags`);
3. :func:`design_multiverse` — the overall ATT over the product of design choices.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.models.did._results import DidAggregate
from imtfp.models.did.bacon import bacon_decomposition
from imtfp.models.did.cs import att_gt
from imtfp.models.did.imputation import did_imputation
from imtfp.models.did.regression import static_twfe, sun_abraham, twfe_event_study
from imtfp.models.did.ri import randomization_inference
from imtfp.models.did.sensitivity import honest_did, pretrend_test
from imtfp.models.registry import design_spec as _with_defaults

logger = logging.getLogger("imtfp")

ENTITY = {"province": "province", "city": "city"}
ESTIMATORS = ("cs", "sa", "bjs", "twfe")


def credibility_rule(spec: Mapping) -> dict[str, float]:
    """``designs.<d>.credibility`` (schema defaults filled in): ``pretest_alpha`` (a pre-trend
    test rejecting at this level flags the estimate) and ``min_breakdown`` (a relative-magnitude
    breakdown value below it flags the estimate; 0 switches the criterion off)."""
    return {k: float(v) for k, v in spec["credibility"].items()}


def credibility_flags(pretrend_p: float, breakdown_rm: float, rule: Mapping[str, float]) -> dict:
    """Whether an estimate's stars stand: ``flag_pretrend`` (p < ``pretest_alpha``),
    ``flag_breakdown`` (breakdown :math:`\\bar M` < ``min_breakdown``), ``stars_allowed`` (neither).
    A diagnostic that could not be computed (NaN) raises no flag; the rule is stored with them."""
    pre = bool(np.isfinite(pretrend_p) and pretrend_p < rule["pretest_alpha"])
    bd = bool(np.isfinite(breakdown_rm) and breakdown_rm < rule["min_breakdown"])
    return {"flag_pretrend": pre, "flag_breakdown": bd, "stars_allowed": not (pre or bd),
            "pretest_alpha": rule["pretest_alpha"], "min_breakdown": rule["min_breakdown"]}  # fmt: skip


def design_spec(spec: Mapping) -> dict:
    """The design's spec with the schema's defaults filled in (design-level ``checks`` removed)."""
    out = _with_defaults(spec)
    if out.get("level") not in ENTITY:
        raise ConfigError(f"design level must be province or city, got {out.get('level')!r}")
    return out


def design_checks(summaries: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One frame of the design's summaries with a ``check`` column (``baseline`` first)."""
    return pd.concat([s.assign(check=name) for name, s in summaries.items()], ignore_index=True)


def design_frame(timing: pd.DataFrame, spec: Mapping, *, analysis: pd.DataFrame | None = None,
                 external: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Outcomes and controls by unit × year with ``first_treated`` (0 = never treated).

    Province level: the analysis frame, merged with ``external`` (extra outcome columns by
    province and year) if given. City level: ``external``. Units in ``drop_units`` and years
    outside ``years`` are left out (logged).
    """
    spec = design_spec(spec)
    unit = ENTITY[spec["level"]]
    if spec["level"] == "province":
        if analysis is None:
            raise ConfigError("a province-level design needs the analysis frame")
        frame = analysis.copy()
        if external is not None:
            ext = external.assign(province=external["province"].astype(str))
            frame = frame.merge(ext, on=["province", "year"], how="left", suffixes=("", "_ext"))
    else:
        if external is None:
            raise ConfigError("a city-level design needs outcome data (outcome_data)")
        frame = external.copy()
    frame[unit] = frame[unit].astype(str)
    need = [*spec["outcomes"], *spec["controls"]]
    missing = [c for c in need if c not in frame]
    if missing:
        raise ConfigError(
            f"design outcomes/controls {missing} are not in the data; columns: {sorted(frame.columns)}"
        )
    t = timing.assign(**{unit: timing[unit].astype(str)})[[unit, "first_treated"]]
    frame = frame.merge(t, on=unit, how="left")
    frame["first_treated"] = frame["first_treated"].fillna(0).astype(int)
    n0 = frame[unit].nunique()
    frame = frame[~frame[unit].isin([str(u) for u in spec["drop_units"]])]
    if spec["years"]:
        lo, hi = spec["years"]
        frame = frame[frame["year"].between(lo, hi)]
    if frame[unit].nunique() < n0:
        logger.info("design: %d units left out by drop_units", n0 - frame[unit].nunique())
    return frame[[unit, "year", "first_treated", *need]].reset_index(drop=True)


def _estimate(frame: pd.DataFrame, spec: Mapping, outcome: str, estimator: str, *, seed: int,
              bootstrap: int | None = None) -> DidAggregate:  # fmt: skip
    unit = ENTITY[spec["level"]]
    kw = dict(y=outcome, entity=unit, time="year", group="first_treated", controls=spec["controls"],
              cluster=spec["cluster"], seed=seed,
              bootstrap=spec["bootstrap"] if bootstrap is None else bootstrap)  # fmt: skip
    if estimator == "cs":
        res = att_gt(frame, control_group=spec["control_group"], method=spec["method"],
                     base_period=spec["base_period"], anticipation=spec["anticipation"], **kw)  # fmt: skip
        return res.aggregate("dynamic")
    if estimator == "sa":
        return sun_abraham(frame, anticipation=spec["anticipation"], **kw)
    if estimator == "bjs":
        return did_imputation(
            frame, anticipation=spec["anticipation"], pretrends=spec["leads"], **kw
        )
    if estimator == "twfe":
        return twfe_event_study(
            frame, leads=spec["leads"], lags=spec["lags"], anticipation=spec["anticipation"], **kw
        )
    raise ConfigError(f"unknown DiD estimator {estimator!r}; known: {ESTIMATORS}")


def _honest(res: DidAggregate, spec: Mapping, seed: int) -> tuple[pd.DataFrame, dict]:
    """Rambachan–Roth sets of an event study in the design's window (leads before, lags after)."""
    try:
        result = honest_did(
            res,
            mbar=spec["honest"]["mbar"],
            m_se=spec["honest"]["m_se"],
            anticipation=spec["anticipation"],
            max_pre=max(int(spec["leads"]) - 1, 1),
            max_post=int(spec["lags"]) + 1 + int(spec["anticipation"]),
            seed=seed,
        )
    except EstimationError as err:  # reported in the summary (honest_error), not dropped
        logger.warning("Rambachan–Roth sets of the %s event study: %s", res.estimator, err)
        return pd.DataFrame(), {**dict.fromkeys(HONEST_KEYS, np.nan), "error": str(err)}
    return result.table, {**{k: getattr(result, k) for k in HONEST_KEYS}, "error": ""}


HONEST_KEYS = ("breakdown_rm", "breakdown_sd", "breakdown_rm_first", "breakdown_sd_first")


def design_results(
    frame: pd.DataFrame, spec: Mapping, *, design: str, seed: int
) -> dict[str, pd.DataFrame]:
    """Every estimator on every outcome of a design.

    Returns frames ``results`` (tidy event-study and ATT rows), ``att_gt``, ``bacon``,
    ``honest`` (Rambachan–Roth sets by estimator, target, restriction and M) and ``summary``
    (one row per outcome × estimator: ATT, se, p, pre-trend p, RI p and draws, breakdown values
    of the average (``breakdown_rm``, ``breakdown_sd``) and first-period effect, the event study
    they come from (``honest_source``), the credibility flags and rule of
    :func:`credibility_flags`, units, treated units, cohorts).

    The Rambachan–Roth analysis needs an event study normalised at e = −1: Callaway–Sant'Anna
    with a universal base period (``cs``), Sun–Abraham and the binned TWFE event study use their
    own; the imputation estimator (its pre-trend coefficients come from a separate regression)
    uses the CS one, the static TWFE the TWFE event study.
    """
    spec = design_spec(spec)
    rule = credibility_rule(spec)
    unit = ENTITY[spec["level"]]
    out: dict[str, list] = {k: [] for k in ("results", "att_gt", "bacon", "honest", "summary")}
    cohorts = ", ".join(
        str(g) for g in sorted(frame.loc[frame["first_treated"] > 0, "first_treated"].unique())
    )
    tag = {"design": design}
    for outcome in spec["outcomes"]:
        keys = dict(y=outcome, entity=unit, time="year", group="first_treated")
        cs = att_gt(frame, control_group=spec["control_group"], method=spec["method"], base_period=spec["base_period"],
                    anticipation=spec["anticipation"], controls=spec["controls"], cluster=spec["cluster"],
                    bootstrap=spec["bootstrap"], seed=seed, **keys)  # fmt: skip
        out["att_gt"].append(cs.att_gt.assign(**tag, outcome=outcome))
        # units of the estimation sample (balanced on this outcome), not of the frame
        n_units, treated = cs.n, int((cs.panel.G > 0).sum())
        cs_univ = att_gt(frame, control_group=spec["control_group"], method=spec["method"], base_period="universal",
                         anticipation=spec["anticipation"], controls=spec["controls"], cluster=spec["cluster"],
                         bootstrap=0, seed=seed, **keys).aggregate("dynamic")  # fmt: skip
        ri = randomization_inference(frame, control_group=spec["control_group"], base_period=spec["base_period"],
                                     anticipation=spec["anticipation"], bootstrap=spec["ri_draws"], seed=seed,
                                     **keys)  # fmt: skip
        ri_twfe = randomization_inference(
            frame, statistic="twfe", bootstrap=spec["ri_draws"], seed=seed, **keys
        )
        bacon = bacon_decomposition(frame, **keys)
        out["bacon"].append(bacon.comparisons.assign(**tag, outcome=outcome, twfe=bacon.twfe))
        studies = {"cs": cs_univ}  # event study -> (honest table, info), computed once each
        fits = {
            est: cs.aggregate("dynamic") if est == "cs" else _estimate(frame, spec, outcome, est, seed=seed)
            for est in spec["estimators"]
        }  # fmt: skip
        if "twfe" not in fits:  # the static TWFE borrows its diagnostics from the event study
            fits_twfe = _estimate(frame, spec, outcome, "twfe", seed=seed)
        else:
            fits_twfe = fits["twfe"]
        studies.update({est: fits[est] for est in ("sa",) if est in fits})
        studies["twfe"] = fits_twfe
        honest = {}
        for name, es in studies.items():
            table, info = _honest(es, spec, seed)
            honest[name] = info
            out["honest"].append(table.assign(**tag, outcome=outcome, estimator=name))
        source = {"cs": "cs", "sa": "sa", "bjs": "cs", "twfe": "twfe", "twfe_static": "twfe"}
        for est, res in fits.items():
            out["results"].append(
                res.tidy(table="did", column=f"{outcome}:{est}").assign(**tag, outcome=outcome)
            )
            pre = cs.pretest if est == "cs" else pretrend_test(res)
            o = res.overall
            info = honest[source[est]]
            out["summary"].append({
                **tag, "outcome": outcome, "estimator": est, "att": o["att"], "se": o["se"],
                "p": _p(o["att"], o["se"]), "pretrend_p": pre.p, "pretrend_df": pre.df,
                "ri_p": ri.p if est == "cs" else np.nan, "ri_draws": ri.draws if est == "cs" else 0,
                **{k: info[k] for k in HONEST_KEYS}, "honest_source": source[est],
                "honest_error": info["error"],
                **credibility_flags(pre.p, info["breakdown_rm"], rule),
                "n_units": n_units, "n_treated": treated, "cohorts": cohorts, "nobs": res.nobs,
            })  # fmt: skip
        st = static_twfe(frame, controls=spec["controls"], cluster=spec["cluster"], **keys)
        pre_tw = pretrend_test(fits_twfe)
        out["summary"].append({
            **tag, "outcome": outcome, "estimator": "twfe_static", "att": st.att, "se": st.se,
            "p": _p(st.att, st.se), "pretrend_p": pre_tw.p, "pretrend_df": pre_tw.df,
            "ri_p": ri_twfe.p, "ri_draws": ri_twfe.draws,
            **{k: honest["twfe"][k] for k in HONEST_KEYS}, "honest_source": "twfe",
            "honest_error": honest["twfe"]["error"],
            **credibility_flags(pre_tw.p, honest["twfe"]["breakdown_rm"], rule),
            "n_units": n_units, "n_treated": treated, "cohorts": cohorts, "nobs": st.nobs,
        })  # fmt: skip
    frames = {
        k: pd.concat(v, ignore_index=True) if k != "summary" else pd.DataFrame(v)
        for k, v in out.items()
    }
    return frames


def _p(att: float, se: float) -> float:
    from scipy import stats

    return float(2 * stats.norm.sf(abs(att / se))) if se and np.isfinite(se) and se > 0 else np.nan


def design_multiverse(
    frame: pd.DataFrame, spec: Mapping, *, design: str, seed: int
) -> pd.DataFrame:
    """Overall ATT of every combination of the design's ``multiverse`` choices.

    Choices: ``estimator``, ``outcome``, ``control_group``, ``base_period`` (the last two only
    for ``cs``; other estimators are run once per remaining choice), ``anticipation``, and
    ``samples`` (name → {drop_units, years}). Uniform bands are skipped (``bootstrap=0``).
    """
    spec = design_spec(spec)
    mv = dict(spec.get("multiverse") or {})
    unit = ENTITY[spec["level"]]
    choices = {
        "estimator": mv.get("estimator", spec["estimators"]),
        "outcome": mv.get("outcome", spec["outcomes"]),
        "control_group": mv.get("control_group", [spec["control_group"]]),
        "base_period": mv.get("base_period", [spec["base_period"]]),
        "anticipation": mv.get("anticipation", [spec["anticipation"]]),
        "sample": list((mv.get("samples") or {"all": {}}).keys()),
    }
    samples = mv.get("samples") or {"all": {}}
    rows, seen = [], set()
    for combo in itertools.product(*choices.values()):
        c = dict(zip(choices, combo, strict=True))
        if c["estimator"] != "cs":
            c["control_group"], c["base_period"] = "n/a", "n/a"
        key = tuple(c.values())
        if key in seen:
            continue
        seen.add(key)
        s = samples[c["sample"]] or {}
        sub = frame[~frame[unit].isin([str(u) for u in s.get("drop_units", [])])]
        if s.get("years"):
            sub = sub[sub["year"].between(*s["years"])]
        run = {**spec, "anticipation": c["anticipation"]}
        if c["estimator"] == "cs":
            run.update(control_group=c["control_group"], base_period=c["base_period"])
        try:
            res = _estimate(sub, run, c["outcome"], c["estimator"], seed=seed, bootstrap=0)
            att, se = res.overall["att"], res.overall["se"]
            pre = pretrend_test(res).p
        except Exception as err:  # noqa: BLE001 - a spec that cannot be estimated is reported, not dropped
            logger.warning("design %s multiverse %s: %s", design, c, err)
            att, se, pre = np.nan, np.nan, np.nan
        rows.append({"design": design, **c, "estimate": att, "se": se, "p": _p(att, se),
                     "ci_low": att - 1.959963984540054 * se, "ci_high": att + 1.959963984540054 * se,
                     "pretrend_p": pre})  # fmt: skip
    return pd.DataFrame(rows)
