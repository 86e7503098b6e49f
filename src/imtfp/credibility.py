"""The credibility report: how much reading each headline estimate bears, from the stored results.

A table prints β and its stars; a referee asks what the data could have detected, what variation
the estimate rests on, how many clusters stand behind a subgroup, whether outcome and regressor
are built from the same statistics, whether a DiD pre-trend or a permutation test contradicts the
stars, and whether the sign survives the other reasonable specifications. :func:`credibility_report`
gathers these answers, per headline estimate, into one Markdown page in one language (the
workflow writes ``quality/credibility.zh.md`` and ``quality/credibility.en.md`` for every run,
whatever ``report.language`` says: :data:`REPORT_FILES`). It reads what the run stored and
computes nothing but ratios, except the within shares, which the descriptive table computes the
same way from the analysis frame (:func:`imtfp.models.power.within_share`):

1. **headline** — the core regressor of the last fixed-effects column of the baseline table:
   β, clustered and wild p, clusters, the minimum detectable effect (row ``mde`` of
   ``models/baseline.parquet``: :math:`(t_{1-\\alpha/2,G-1} + t_{power,G-1})\\,\\widehat{SE}`),
   :math:`|\\hat\\beta|/\\text{MDE}`, the within shares
   :math:`\\operatorname{Var}(\\ddot v)/\\operatorname{Var}(v)` of outcome and regressor, the
   randomisation-inference p (``models/falsification.parquet``), Oster's δ **only when β is
   significant** at ``size`` (δ of an effect not found says nothing), the source overlap of
   outcome and regressor (:func:`imtfp.lineage.find_overlaps`) and the multiverse share
   significant for the same outcome; then a reading in sentences;
2. the MDE of every baseline column;
3. clusters per subgroup of the heterogeneity table (``n_clusters``, ``merged_from``) against
   ``models.min_clusters``, and the wild-bootstrap equality test;
4. every regression of the config whose outcome shares source series with its regressor;
5. randomisation inference, leads, placebo outcomes, province trends and Oster's bounds;
6. per DiD design, outcome and estimator: ATT, p, the pre-trend p and its df, the
   Rambachan–Roth breakdown values (average and first post period, relative magnitudes M̄ and
   smoothness M), the RI p, and whether the stars stand (``stars_allowed`` of the summary, and a
   randomisation p at or above the largest star level, which contradicts any star);
7. per outcome of the multiverse: the share significant over the headline specifications
   (with time effects, by default), its sign split, the median standardised β and the share among
   the specifications left out (``robustness/multiverse/summary_by_outcome.parquet``).

Every word comes from the message catalogue (``messages.yaml``, ids ``cred.*``) and the label
catalogue (variables, regions, DiD estimators): the Chinese page prints no English word, the
English page no Chinese character, beyond symbols and standard abbreviations (TFP, MDE, DID, ATT,
CS, SA, BJS, TWFE, p, β, δ, M̄) and the names of people (Oster, Rambachan–Roth).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from imtfp import messages
from imtfp.errors import ReportError
from imtfp.options import check_option

#: Languages of the report: one file each, every run.
Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
#: The report's files under ``data/derived/`` (one per language).
REPORT_FILES: dict[str, str] = {lang: f"quality/credibility.{lang}.md" for lang in LANGUAGES}
#: A regressor with less of its variance than this left after the fixed effects gets a sentence.
LOW_WITHIN_SHARE = 0.2
_STAR_LEVELS = (0.1, 0.05, 0.01)


def credibility_report(
    baseline: pd.DataFrame,
    analysis: pd.DataFrame,
    config: Mapping,
    *,
    language: Language,
    heterogeneity: pd.DataFrame | None = None,
    falsification: pd.DataFrame | None = None,
    multiverse: pd.DataFrame | None = None,
    designs: Mapping[str, pd.DataFrame] | None = None,
    simulated: bool = False,
    size: float = 0.05,
    power: float = 0.80,
) -> str:
    """The credibility report of a run, as Markdown in ``language`` (see the module docstring).

    Parameters
    ----------
    baseline : ``models/baseline.parquet`` (tidy; its ``mde`` rows)
    analysis : ``measure/analysis.parquet`` (the frame the within shares are computed on)
    config : the run's whole config (``models``, ``report``, the lineage of the composites)
    language : ``zh`` or ``en``
    heterogeneity, falsification : ``models/<name>.parquet``, None when the run has no such model
    multiverse : ``robustness/multiverse/summary_by_outcome.parquet``, None without a multiverse
    designs : {design: ``designs/<design>/summary.parquet``} of every causal design
    simulated : the data are the demo's (the page says so on top)
    size, power : of the tests the MDE refers to (the ``mde`` rows use 5 % and 80 %)
    """
    check_option(language, Language, "language")
    ctx = _Context(config, language, size=size, power=power)
    head = _headline(ctx, baseline, analysis, falsification, multiverse)
    sections = [
        f"# {ctx.t('title')}",
        *([messages.text("quality.simulated", lang=language)] if simulated else []),
        ctx.t("intro", size=_pct(size, 0), power=_pct(power, 0)),
        head,
        _columns(ctx, baseline),
        _clusters(ctx, heterogeneity),
        _overlaps(ctx),
        _falsification(ctx, falsification, head_p=ctx.head_p),
        _designs(ctx, designs),
        _multiverse(ctx, multiverse),
    ]
    return "\n\n".join(s.strip("\n") for s in sections) + "\n"


def summary_pointer(derived: str | Path, *, lang: str | None = None) -> str:
    """The run summary's line naming the credibility report's files (empty when none exists)."""
    found = [p for p in REPORT_FILES.values() if (Path(derived) / p).is_file()]
    if not found:
        return ""
    sep = messages.text("cred.sep", lang=lang)
    return "\n" + messages.text("summary.credibility", lang=lang, paths=sep.join(found)) + "\n"


# -- shared pieces --------------------------------------------------------------------------------


class _Context:
    """The language, the labels, the models spec and the formats of one report."""

    def __init__(self, config: Mapping, language: Language, *, size: float, power: float):
        from imtfp.models.registry import model_spec
        from imtfp.report.labels import Labels, load_catalog

        self.config = config
        self.lang = language
        self.size, self.power = size, power
        report = config.get("report") or {}
        overrides = report.get("variable_labels") or {}
        catalog = load_catalog()
        if overrides:
            catalog = {**catalog, "variables": {**catalog.get("variables", {}), **overrides}}
        # strict, as the tables: a name without a label stops the report instead of printing raw
        self.labels = Labels(language, catalog, strict=True)
        self.spec = model_spec(config.get("models") or {})
        self.dec = int(report.get("decimals", 3))
        self.stars = tuple(report.get("stars") or _STAR_LEVELS)
        self.x = self.spec["x"] if isinstance(self.spec["x"], str) else self.spec["x"][0]
        self.y = self.spec["y"]
        self.head_p = float("nan")

    def t(self, key: str, **fields: object) -> str:
        return messages.text(f"cred.{key}", lang=self.lang, **fields)

    def var(self, name: object) -> str:
        return self.labels.var(name)

    def num(self, value: object, dec: int | None = None) -> str:
        v = _float(value)
        return self.t("dash") if not np.isfinite(v) else f"{v:.{self.dec if dec is None else dec}f}"

    def pct(self, value: object) -> str:
        v = _float(value)
        return self.t("dash") if not np.isfinite(v) else _pct(v, 1)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
        return _md_table([self.t(f"col.{h}") for h in header], rows)


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _pct(value: float, digits: int) -> str:
    return f"{100 * value:.{digits}f}%"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _section(ctx: _Context, heading: str, *parts: str, **fields: object) -> str:
    body = [p for p in parts if p] or [ctx.t("not_run")]
    return "\n\n".join([f"## {ctx.t(f'h.{heading}', **fields)}", *body])


def _rows(frame: pd.DataFrame | None, **match: object) -> pd.DataFrame:
    """Rows of a tidy frame whose columns equal ``match`` (strings compared as strings)."""
    if frame is None or frame.empty:
        return pd.DataFrame()
    keep = np.ones(len(frame), bool)
    for key, value in match.items():
        if key not in frame:
            return frame.iloc[0:0]
        keep &= (frame[key].astype(str) == str(value)).to_numpy()
    return frame[keep]


def _value(frame: pd.DataFrame | None, field: str = "estimate", **match: object) -> float:
    hit = _rows(frame, **match)
    return _float(hit[field].iloc[0]) if len(hit) and field in hit else float("nan")


# -- 1 and 2: the headline estimate and the MDE of every column -----------------------------------


def headline_column(baseline: pd.DataFrame, x: str) -> str:
    """The baseline column that carries the headline: the last one with the core regressor and
    both fixed effects (the full model the config describes), else the last with the regressor."""
    rows = _rows(baseline, term=x)
    if rows.empty:
        raise ReportError(f"credibility: the baseline results have no row of the regressor {x!r}")
    fe = rows
    for flag in ("entity_fe", "time_fe"):
        if flag in fe:
            fe = fe[fe[flag].fillna(False).astype(bool)]
    return str((fe if len(fe) else rows)["column"].iloc[-1])


def _headline(
    ctx: _Context,
    baseline: pd.DataFrame,
    analysis: pd.DataFrame,
    falsification: pd.DataFrame | None,
    multiverse: pd.DataFrame | None,
) -> str:
    from imtfp.models.power import within_share

    x, y = ctx.x, ctx.y
    col = headline_column(baseline, x)
    beta, se = _value(baseline, column=col, term=x), _value(baseline, "se", column=col, term=x)
    p = _value(baseline, "p", column=col, term=x)
    wild = _value(baseline, "wild_p", column=col, term=x)
    mde = _value(baseline, column=col, term="mde")
    ratio = abs(beta) / mde if np.isfinite(mde) and mde > 0 else float("nan")
    ctx.head_p = p
    entity, time = ctx.spec.get("entity", "province"), ctx.spec.get("time", "year")
    within = {
        v: within_share(analysis, v, entity=entity, time=time) if v in analysis else float("nan")
        for v in (y, x)
    }
    ri = _value(falsification, column="permutation", term="ri_p")
    draws = _value(falsification, column="permutation", term="ri_draws")
    overlap = _headline_overlap(ctx)
    items = [
        ("column", col),
        ("beta", f"{ctx.num(beta)} ({ctx.num(se)})"),
        ("p", ctx.num(p)),
        ("wild_p", ctx.num(wild)),
        ("clusters", ctx.num(_value(baseline, "n_clusters", column=col, term=x), 0)),
        ("mde", ctx.num(mde)),
        ("ratio", ctx.num(ratio, 2)),
        ("within_y", ctx.pct(within[y])),
        ("within_x", ctx.pct(within[x])),
        ("ri_p", ctx.num(ri) if falsification is not None else ctx.t("v.not_configured")),
        ("oster", _oster_cell(ctx, falsification, p)),
        ("overlap", overlap or ctx.t("v.no_overlap")),
        ("multiverse", _multiverse_cell(ctx, multiverse)),
    ]
    fields = {"size": _pct(ctx.size, 0), "power": _pct(ctx.power, 0), "draws": f"{draws:.0f}"}
    if not np.isfinite(draws):
        items = [("ri_p_plain", v) if k == "ri_p" else (k, v) for k, v in items]
    rows = [[ctx.t(f"item.{k}", **fields), v] for k, v in items]
    reading = _reading(ctx, p=p, wild=wild, ri=ri, mde=mde, ratio=ratio, within_x=within[x])
    if overlap:
        reading.append(ctx.t("read.overlap", series=overlap))
    return _section(
        ctx,
        "headline",
        ctx.table(["item", "value"], rows),
        ctx.t("reading", text=ctx.t("sentence_sep").join(reading)),
        x=ctx.var(x),
        y=ctx.var(y),
    )


def _reading(
    ctx: _Context, *, p: float, wild: float, ri: float, mde: float, ratio: float, within_x: float
) -> list[str]:
    """Sentences that read the headline: significance against the MDE, the inference that
    contradicts it, and how little variation the fixed effects leave."""
    size, power = _pct(ctx.size, 0), _pct(ctx.power, 0)
    out = []
    if np.isfinite(p) and p < ctx.size:
        out.append(ctx.t("read.significant", size=size, p=ctx.num(p), ratio=ctx.num(ratio, 1)))
        if np.isfinite(wild) and wild >= ctx.size:
            out.append(ctx.t("read.wild_contradicts", p=ctx.num(wild)))
        if np.isfinite(ri) and ri >= ctx.size:
            out.append(ctx.t("read.ri_contradicts", p=ctx.num(ri)))
    elif np.isfinite(p) and np.isfinite(mde):
        out.append(
            ctx.t("read.insignificant", size=size, p=ctx.num(p), power=power, mde=ctx.num(mde))
        )
    elif np.isfinite(p):
        out.append(ctx.t("read.insignificant_plain", size=size, p=ctx.num(p)))
    if np.isfinite(within_x) and within_x < LOW_WITHIN_SHARE:
        out.append(ctx.t("read.low_within", share=ctx.pct(within_x)))
    return out


def _oster_cell(ctx: _Context, falsification: pd.DataFrame | None, head_p: float) -> str:
    """Oster's δ, only for a β significant at ``size`` (the falsification table's baseline p)."""
    if falsification is None or _rows(falsification, column="oster").empty:
        return ctx.t("v.not_configured")
    p = _value(falsification, "p", column="baseline", term=ctx.x)
    p = p if np.isfinite(p) else head_p
    if not (np.isfinite(p) and p < ctx.size):
        return ctx.t("v.oster_withheld", size=_pct(ctx.size, 0))
    return ctx.num(_value(falsification, column="oster", term="oster_delta"), 2)


def _multiverse_cell(ctx: _Context, multiverse: pd.DataFrame | None) -> str:
    if multiverse is None:
        return ctx.t("v.not_configured")
    row = _rows(multiverse, y=ctx.y)
    if row.empty:
        return ctx.t("v.not_in_multiverse")
    r = row.iloc[0]
    return ctx.t("v.share_of", share=ctx.pct(r["share_significant"]), n=int(r["n_headline"]))


def _fe_words(ctx: _Context, entity: object, time: object) -> str:
    e, t = bool(entity) if pd.notna(entity) else False, bool(time) if pd.notna(time) else False
    return ctx.t(
        "fe." + {(1, 1): "twoway", (1, 0): "entity", (0, 1): "time", (0, 0): "none"}[(e, t)]
    )


def _columns(ctx: _Context, baseline: pd.DataFrame) -> str:
    """β, SE, p, wild p, clusters, MDE and |β|/MDE of every column of the baseline table."""
    rows = []
    for col, sub in baseline.groupby("column", sort=False):
        xr = _rows(sub, term=ctx.x)
        if xr.empty:
            continue
        r = xr.iloc[0]
        controls = str(r.get("controls") or "")
        mde = _value(sub, term="mde")
        beta = _float(r["estimate"])
        rows.append([
            str(col), _fe_words(ctx, r.get("entity_fe"), r.get("time_fe")),
            str(len([c for c in controls.split(",") if c])), ctx.num(beta), ctx.num(r["se"]),
            ctx.num(r["p"]), ctx.num(r.get("wild_p")), ctx.num(r.get("n_clusters"), 0),
            ctx.num(mde), ctx.num(abs(beta) / mde if mde > 0 else np.nan, 2),
        ])  # fmt: skip
    header = ["column", "effects", "n_controls", "beta", "se", "p", "wild_p", "clusters", "mde",
              "ratio"]  # fmt: skip
    return _section(
        ctx, "columns", ctx.table(header, rows), ctx.t("note.mde", power=_pct(ctx.power, 0))
    )


# -- 3: clusters per subgroup ---------------------------------------------------------------------


def _subgroup_label(ctx: _Context, column: str, merged: object) -> str:
    label = ctx.labels.column(column)
    others = [m for m in str(merged or "").split(",") if m and m != "nan"]
    if not others:
        return label
    sep = ctx.t("sep")
    return ctx.t(
        "clusters.merged", group=label, others=sep.join(ctx.labels.region(o) for o in others)
    )


def _clusters(ctx: _Context, heterogeneity: pd.DataFrame | None) -> str:
    """Clusters, observations, β, p and wild p of every split-sample column, against the floor."""
    if heterogeneity is None:
        return _section(ctx, "clusters")
    floor = int(ctx.spec.get("min_clusters", 5))
    split = heterogeneity[heterogeneity["column"].astype(str).str.contains("=")]
    split = split[~split["column"].astype(str).str.startswith("moderator=")]
    rows, below = [], []
    for col, sub in split.groupby("column", sort=False):
        xr = _rows(sub, term=ctx.x)
        r = (xr if len(xr) else sub).iloc[0]
        label = _subgroup_label(ctx, str(col), r.get("merged_from"))
        n = _float(r.get("n_clusters"))
        if np.isfinite(n) and n < floor:
            below.append(label)
        rows.append([
            label, ctx.num(n, 0), ctx.num(r.get("nobs"), 0), ctx.num(xr["estimate"].iloc[0]) if len(xr) else ctx.t("dash"),
            ctx.num(xr["p"].iloc[0]) if len(xr) else ctx.t("dash"),
            ctx.num(xr["wild_p"].iloc[0]) if len(xr) and "wild_p" in xr else ctx.t("dash"),
        ])  # fmt: skip
    verdict = (
        ctx.t("clusters.below", groups=ctx.t("sep").join(below)) if below else ctx.t("clusters.ok")
    )
    parts = [ctx.t("clusters.rule", min=floor) + ctx.t("sentence_sep") + verdict]
    if rows:
        parts.append(ctx.table(["subgroup", "clusters", "nobs", "beta", "p", "wild_p"], rows))
    eq = _rows(heterogeneity, term="equality_F")
    for r in eq.itertuples():
        parts.append(
            ctx.t(
                "clusters.equality",
                F=ctx.num(r.estimate),
                p=ctx.num(r.p),
                p_analytic=ctx.num(getattr(r, "p_analytic", np.nan)),
            )  # fmt: skip
        )
    return _section(ctx, "clusters", *parts)


# -- 4: source overlaps ---------------------------------------------------------------------------


def _series_name(ctx: _Context, code: str) -> str:
    """A warehouse series by its catalogue name (``indicators.csv``), else its label."""
    from imtfp.ingest.catalog import indicators

    names = indicators().set_index("code")
    if code in names.index:
        return str(names.at[code, "name_zh" if ctx.lang == "zh" else "name_en"])
    found = ctx.labels.find(code, ("indicators", "variables"))
    return found if found is not None else code


def _series(ctx: _Context, overlap) -> str:
    # names such as 电力、热力、燃气及水… hold the list comma: series are separated by semicolons
    return ctx.t("series_sep").join(_series_name(ctx, s) for s in overlap.series())


def _headline_overlap(ctx: _Context) -> str:
    from imtfp.lineage import find_overlaps

    for o in find_overlaps(ctx.config):
        if o.key == "models.y" and o.regressor == ctx.x:
            return _series(ctx, o)
    return ""


_WHERE = (
    ("models.y", "baseline"),
    ("models.mediation", "mediation"),
    ("models.falsification", "placebo"),
    ("multiverse", "multiverse"),
)


def _overlaps(ctx: _Context) -> str:
    """Every regression whose outcome shares source series with its regressor, and what the
    pipeline does about it (refused at load unless allowed for a composite outcome; noted)."""
    from imtfp.lineage import find_overlaps, regressions

    found = find_overlaps(ctx.config)
    # one row per use, outcome and shared series: the regressors that share them listed together
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for o in found:
        where = next((w for k, w in _WHERE if o.key.startswith(k)), "baseline")
        handling = "overlap.allowed" if o.composite else "overlap.noted"
        key = (where, o.outcome, _series(ctx, o), handling)
        groups.setdefault(key, []).append(ctx.var(o.regressor))
    rows = [
        [ctx.t(f"where.{w}"), ctx.var(y), ctx.t("sep").join(dict.fromkeys(xs)), series, ctx.t(h)]
        for (w, y, series, h), xs in groups.items()
    ]
    parts = [ctx.t("overlap.checked", n=len(regressions(ctx.config)), k=len(found))]
    if rows:
        parts.append(ctx.table(["where", "outcome", "regressor", "series", "handling"], rows))
    return _section(ctx, "overlap", *parts)


# -- 5: falsification -----------------------------------------------------------------------------


def _falsification(ctx: _Context, falsification: pd.DataFrame | None, *, head_p: float) -> str:
    """One row per test: the regressor's (or its lead's) coefficient and p, RI p, Oster's δ."""
    if falsification is None:
        return _section(ctx, "falsification")
    f, x = falsification, ctx.x
    rows: list[list[str]] = []
    draws = _value(f, column="permutation", term="ri_draws")
    for col in dict.fromkeys(f["column"].astype(str)):
        name = ctx.labels.column(col.split(":", 1)[0])
        if col == "baseline":
            rows.append([name, ctx.num(_value(f, column=col, term=x)),
                         ctx.num(_value(f, "p", column=col, term=x)), ctx.t("f.baseline")])  # fmt: skip
        elif col.startswith("lead"):
            lead = f"F{col[4:]}.{x}"
            rows.append([name, ctx.num(_value(f, column=col, term=lead)),
                         ctx.num(_value(f, "p", column=col, term=lead)), ctx.t("f.lead")])  # fmt: skip
        elif col == "permutation":
            rows.append([name, ctx.num(_value(f, column=col, term=x)),
                         ctx.num(_value(f, column=col, term="ri_p")),
                         ctx.t("f.permutation", draws=f"{draws:.0f}")])  # fmt: skip
        elif col.startswith("placebo:"):
            rows.append([f"{name}: {ctx.var(col.split(':', 1)[1])}",
                         ctx.num(_value(f, column=col, term=x)),
                         ctx.num(_value(f, "p", column=col, term=x)), ctx.t("dash")])  # fmt: skip
        elif col == "trends":
            rows.append([name, ctx.num(_value(f, column=col, term=x)),
                         ctx.num(_value(f, "p", column=col, term=x)), ctx.t("f.trends")])  # fmt: skip
        elif col == "oster":
            rows.append([name, _oster_cell(ctx, f, head_p), ctx.t("dash"), ctx.t("f.oster_delta")])
            delta = (ctx.spec.get("falsification") or {}).get("oster") or {}
            delta = delta.get("delta", 1) if isinstance(delta, Mapping) else 1
            p = _value(f, "p", column="baseline", term=x)
            if np.isfinite(p) and p < ctx.size:
                rows.append([name, ctx.num(_value(f, column=col, term="oster_beta")),
                             ctx.t("dash"), ctx.t("f.oster_beta", delta=f"{float(delta):g}")])  # fmt: skip
    return _section(ctx, "falsification", ctx.table(["test", "estimate", "p", "note"], rows))


# -- 6: DiD designs -------------------------------------------------------------------------------


def _design_label(ctx: _Context, design: str, n: int) -> str:
    found = ctx.labels.find(design, ("designs", "variables"))
    return found if found is not None else ctx.t("did.design_unnamed", n=n)


def _stars_word(ctx: _Context, r) -> str:
    """Whether the ATT's stars stand: not significant, withheld (and why), contradicted by RI."""
    p, top = _float(r.get("p")), max(ctx.stars)
    if not (np.isfinite(p) and p < top):
        return ctx.t("did.none")
    allowed = r.get("stars_allowed")
    if allowed is not None and pd.notna(allowed) and not bool(allowed):
        reasons = [
            ctx.t(f"did.reason_{k}")
            for k in ("pretrend", "breakdown")
            if bool(r.get(f"flag_{k}")) and pd.notna(r.get(f"flag_{k}"))
        ]
        return ctx.t("did.withheld", reasons=ctx.t("sep").join(reasons))
    ri = _float(r.get("ri_p"))
    if np.isfinite(ri) and ri >= top:
        return ctx.t("did.ri_contradicts", level=f"{top:g}")
    return ctx.t("did.kept")


def _pair(ctx: _Context, a: object, b: object) -> str:
    return f"{ctx.num(a, 2)} / {ctx.num(b, 2)}"


def _designs(ctx: _Context, designs: Mapping[str, pd.DataFrame] | None) -> str:
    """Per design: outcome × estimator rows of the summary with every credibility diagnostic."""
    if not designs:
        return _section(ctx, "did")
    parts = []
    for n, (design, s) in enumerate(designs.items(), start=1):
        first = s.iloc[0] if len(s) else None
        rule = (
            ctx.t("did.rule", alpha=f"{_float(first.get('pretest_alpha')):g}",
                  min_breakdown=f"{_float(first.get('min_breakdown')):g}")
            if first is not None and "pretest_alpha" in s else ""
        )  # fmt: skip
        rows = []
        for _, r in s.iterrows():
            df = _float(r.get("pretrend_df"))
            pre = ctx.num(r.get("pretrend_p")) + (f" ({df:.0f})" if np.isfinite(df) else "")
            rows.append([
                ctx.var(r["outcome"]), ctx.labels.get("did", str(r["estimator"])),
                ctx.num(r["att"]), ctx.num(r["p"]), pre,
                _pair(ctx, r.get("breakdown_rm"), r.get("breakdown_rm_first")),
                _pair(ctx, r.get("breakdown_sd"), r.get("breakdown_sd_first")),
                ctx.num(r.get("ri_p")), _stars_word(ctx, r),
            ])  # fmt: skip
        header = ["outcome", "estimator", "att", "p", "pretrend", "breakdown_rm", "breakdown_sd",
                  "ri_p", "stars"]  # fmt: skip
        parts += [f"### {_design_label(ctx, design, n)}", rule, ctx.table(header, rows)]
    return _section(ctx, "did", *[p for p in parts if p])


# -- 7: the multiverse by outcome -----------------------------------------------------------------


def _multiverse(ctx: _Context, multiverse: pd.DataFrame | None) -> str:
    if multiverse is None or multiverse.empty:
        return _section(ctx, "multiverse")
    time_rule = bool(multiverse.get("require_time_effects", pd.Series([True])).iloc[0])
    rows = []
    for _, r in multiverse.iterrows():
        quart = f"{ctx.num(r.get('median_std'))} [{ctx.num(r.get('q25_std'))}, {ctx.num(r.get('q75_std'))}]"
        rows.append([
            ctx.var(r["y"]), str(int(r["n_specs"])), str(int(r["n_headline"])),
            ctx.pct(r["share_significant"]), ctx.pct(r.get("share_significant_positive")),
            ctx.pct(r.get("share_significant_negative")), ctx.pct(r.get("share_same_sign")),
            quart, ctx.pct(r.get("share_significant_no_time_effects")),
        ])  # fmt: skip
    header = ["outcome", "n_specs", "n_headline", "share_sig", "share_pos", "share_neg",
              "same_sign", "median_std", "share_left_out"]  # fmt: skip
    rule = ctx.t("mv.rule_time" if time_rule else "mv.rule_all")
    return _section(ctx, "multiverse", rule, ctx.table(header, rows))


# -- the rule's inputs ----------------------------------------------------------------------------


def report_inputs(config: Mapping, *, models: Sequence[str]) -> dict[str, str]:
    """{argument: path under data/derived} of the stored results the report reads."""
    paths = {
        "baseline": "models/baseline.parquet",
        "analysis": "measure/analysis.parquet",
    }
    for name in ("heterogeneity", "falsification"):
        if name in models:
            paths[name] = f"models/{name}.parquet"
    if config.get("multiverse"):
        paths["multiverse"] = "robustness/multiverse/summary_by_outcome.parquet"
    for design in config.get("designs") or {}:
        paths[f"design_{design}"] = f"designs/{design}/summary.parquet"
    return paths


def report_arguments(frames: Mapping[str, pd.DataFrame]) -> dict[str, object]:
    """Keyword arguments of :func:`credibility_report` from the frames read at the paths of
    :func:`report_inputs` (``design_<name>`` keys gathered into ``designs``)."""
    out: dict[str, object] = {k: v for k, v in frames.items() if not k.startswith("design_")}
    designs = {k[len("design_") :]: v for k, v in frames.items() if k.startswith("design_")}
    out["designs"] = designs or None
    return out
