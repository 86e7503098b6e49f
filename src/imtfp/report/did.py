"""Tables and figures of the causal designs (stored DiD results → :class:`Table` / Figure).

Tables go through :func:`imtfp.report.table.assemble_table` and the common writers; figures are
built like those of :mod:`imtfp.report.figures` (CJK fonts, no pyplot state). Words come from the
``did`` section of ``labels.yaml``.

* ``results`` — per outcome and estimator: overall ATT (se), pre-trend Wald p, randomisation-
  inference p (draws), Rambachan–Roth breakdown values, units and treated units;
* ``att_gt`` — Callaway–Sant'Anna ATT(g,t), s.e. and uniform band;
* ``honest`` — Rambachan–Roth identified sets and robust intervals by restriction and M;
* ``checks`` — the overall ATT of each estimator under the baseline and every check;
* ``multiverse`` — the spread of the overall ATT over the design multiverse, by choice;
* figures ``event_study`` (every estimator, uniform bands) and ``bacon`` (2×2 estimates vs weights).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from imtfp.report.labels import Labels
from imtfp.report.stage import check_label, province_names, report_options
from imtfp.report.table import (
    Cell,
    Provenance,
    Row,
    Table,
    assemble_table,
    ci_text,
    fmt_number,
    int_cell,
    num_cell,
    standard_notes,
    stars_for,
)

if TYPE_CHECKING:  # matplotlib is imported by the figures only: a table job never loads it
    from matplotlib.figure import Figure

ESTIMATOR_ORDER = ("cs", "sa", "bjs", "twfe", "twfe_static")
MARKERS = {"cs": "o", "sa": "s", "bjs": "D", "twfe": "^"}


def did_label(labels: Labels, key: object) -> str:
    """A word of the ``did`` section, else a variable/column label (raw with a warning)."""
    found = labels.entry("did", str(key))
    if found:
        return labels.pick(found)
    return labels.var(key)


def did_title(labels: Labels, key: str, design: str) -> str:
    """ "多期双重差分估计结果：宽带中国" — the design by its label (catalog ``designs`` or
    ``report.variable_labels``), never by its config key."""
    kind = labels.pick(labels.catalog["did"][f"title_{key}"])
    return f"{kind}{'：' if labels.language == 'zh' else ': '}{labels.design(design)}"


def _note(labels: Labels, key: str, **fields) -> str:
    return str(labels.catalog["did"][f"note_{key}"][labels.language]).format(**fields)


def _finish(table: Table, labels: Labels, key: str, design: str) -> Table:
    return dataclasses.replace(table, title=did_title(labels, key, design))


def did_table(kind: str, inputs: Mapping[str, pd.DataFrame], config: Mapping, *, design: str,
              prov: Provenance, simulated: bool, language: str | None = None) -> Table:  # fmt: skip
    """Build DiD table ``kind`` (results, att_gt, honest, checks, multiverse) of ``design`` in
    ``language`` (default the first of ``report.languages``)."""
    options, labels = report_options(config, language)
    # the checks' rows are described by what each check ran, not by its name
    checks = partial(_checks, row_label=lambda chk: _check_words(labels, chk, config, design))
    builder = {"results": _results, "att_gt": _att_gt, "honest": _honest, "checks": checks,
               "multiverse": _multiverse}[kind]  # fmt: skip
    table, body = builder(inputs, options, labels)
    notes = standard_notes(
        labels,
        body=body,
        simulated=simulated,
        provenance=prov if options.provenance == "note" else None,
    )
    return _finish(dataclasses.replace(table, notes=notes), labels, kind, design)


def _stars(p: float, options) -> str:
    return stars_for(p, options.stars)


def _credible(r) -> bool:
    """False when the estimate's own diagnostics flag it (``stars_allowed`` of the summary)."""
    flag = getattr(r, "stars_allowed", True)
    return True if flag is None or pd.isna(flag) else bool(flag)


def _att_cell(r, dec: int, options) -> Cell:
    """ATT with stars, or without them when its own diagnostics contradict it (the note says why)."""
    return num_cell(r.att, dec, _stars(r.p, options) if _credible(r) else "")


def _credibility_note(labels: Labels, s: pd.DataFrame, options) -> list[str]:
    """The note that says why estimates that would carry stars lost them, with the rule in force."""
    if "stars_allowed" not in s:
        return []
    starred = s["p"].map(lambda p: bool(_stars(p, options)) if pd.notna(p) else False)
    bad = s[~s["stars_allowed"].fillna(True).astype(bool) & starred]
    if bad.empty:
        return []
    sep = "; " if labels.language == "en" else "；"
    reasons = []
    for key in ("pretrend", "breakdown"):
        hit = bad[bad[f"flag_{key}"].fillna(False).astype(bool)]
        if len(hit):
            cols = ("、" if labels.language == "zh" else ", ").join(
                f"{labels.var(r.outcome)}/{did_label(labels, r.estimator)}"
                for r in hit.itertuples()
            )
            reasons.append(f"{did_label(labels, f'reason_{key}')} ({cols})")
    row = bad.iloc[0]
    return [_note(labels, "not_credible", reasons=sep.join(reasons), alpha=f"{row['pretest_alpha']:g}",
                  min_breakdown=f"{row['min_breakdown']:g}")]  # fmt: skip


def _results(inputs, options, labels):
    s = inputs["summary"]
    dec = options.decimals
    outcomes = list(dict.fromkeys(s["outcome"]))
    ests = [e for e in ESTIMATOR_ORDER if e in set(s["estimator"])]
    cols = [f"{o}:{e}" for o in outcomes for e in ests]
    get = {(r.outcome, r.estimator): r for r in s.itertuples()}

    def line(label, fn, kind="stat"):
        cells = []
        for o in outcomes:
            for e in ests:
                r = get.get((o, e))
                cells.append(fn(r) if r is not None else Cell())
        return Row(label, tuple(cells), kind)

    def p_cell(v):
        return (
            Cell(fmt_number(float(v), dec), fmt_number(float(v), dec)) if pd.notna(v) else Cell("—")
        )

    rows = [
        line(did_label(labels, "att"), lambda r: _att_cell(r, dec, options), "coef"),
        line("", lambda r: Cell(f"({fmt_number(r.se, dec)})") if pd.notna(r.se) else Cell(), "se"),
        line(did_label(labels, "pretrend_p"), lambda r: p_cell(r.pretrend_p)),
        line(did_label(labels, "ri_p"), lambda r: p_cell(r.ri_p)),
        line(
            did_label(labels, "ri_draws"),
            lambda r: int_cell(r.ri_draws) if r.ri_draws else Cell("—"),
        ),
        line(did_label(labels, "breakdown_rm"), lambda r: p_cell(r.breakdown_rm)),
        line(did_label(labels, "breakdown_sd"), lambda r: p_cell(r.breakdown_sd)),
        line(did_label(labels, "n_units"), lambda r: int_cell(r.n_units)),
        line(did_label(labels, "n_treated"), lambda r: int_cell(r.n_treated)),
    ]
    table = assemble_table(
        name="did_results", labels=labels, columns=cols, rows=rows,
        column_labels={c: did_label(labels, c.split(":")[1]) for c in cols},
        column_groups={c: c.split(":")[0] for c in cols}, title="",
    )  # fmt: skip
    cohorts = "; ".join(dict.fromkeys(s["cohorts"].astype(str)))
    body = [_note(labels, "results", cohorts=cohorts), *_credibility_note(labels, s, options)]
    return table, body


def _att_gt(inputs, options, labels):
    a = inputs["att_gt"]
    dec = options.decimals
    outcomes = list(dict.fromkeys(a["outcome"]))
    cells_of = {o: a[a["outcome"] == o].set_index(["group", "time"]) for o in outcomes}
    keys = list(dict.fromkeys(zip(a["group"], a["time"], strict=True)))
    cols = [f"{o}:{k}" for o in outcomes for k in ("att", "se", "band")]
    rows = []
    for g, t in keys:
        cells = []
        for o in outcomes:
            r = cells_of[o].loc[(g, t)] if (g, t) in cells_of[o].index else None
            if r is None:
                cells += [Cell(), Cell(), Cell()]
                continue
            cells += [
                num_cell(r["att"], dec),
                num_cell(r["se"], dec),
                Cell(ci_text(r["ci_low"], r["ci_high"], dec)),
            ]
        rows.append(Row(f"{int(g)} / {int(t)}", tuple(cells), "coef"))
    table = assemble_table(
        name="did_att_gt", labels=labels, columns=cols, rows=rows, stub=did_label(labels, "group_time"),
        column_labels={c: did_label(labels, c.split(":")[1]) for c in cols},
        column_groups={c: c.split(":")[0] for c in cols}, title="",
    )  # fmt: skip
    return table, [_note(labels, "att_gt")]


def _honest(inputs, options, labels):
    h = inputs["honest"]
    if "estimator" in h and "target" in h:  # the CS event study's average effect, as the note says
        h = h[(h["estimator"] == "cs") & (h["target"] == "average")]
    s = inputs["summary"]
    dec = options.decimals
    outcomes = list(dict.fromkeys(h["outcome"]))
    keys = list(dict.fromkeys(zip(h["restriction"], h["M"], strict=True)))
    cols = [f"{o}:{k}" for o in outcomes for k in ("identified_set", "robust_ci")]
    by = {o: h[h["outcome"] == o].set_index(["restriction", "M"]) for o in outcomes}
    rows = []
    for res, M in keys:
        cells = []
        for o in outcomes:
            if (res, M) in by[o].index:
                r = by[o].loc[(res, M)]
                ident = (r["id_lb"], r["id_ub"]) if "id_lb" in r else (r["lb"], r["ub"])
                robust = (r["lb"], r["ub"]) if "id_lb" in r else (r["ci_low"], r["ci_high"])
                cells += [
                    Cell(ci_text(*ident, dec) if np.isfinite(ident).all() else "—"),
                    Cell(ci_text(*robust, dec) if np.isfinite(robust).all() else "—"),
                ]
            else:
                cells += [Cell(), Cell()]
        comma = "，" if labels.language == "zh" else ", "
        rows.append(Row(f"{did_label(labels, res)}{comma}M = {M:g}", tuple(cells), "ci"))
    table = assemble_table(
        name="did_honest", labels=labels, columns=cols, rows=rows, stub=did_label(labels, "restriction"),
        column_labels={c: did_label(labels, c.split(":")[1]) for c in cols},
        column_groups={c: c.split(":")[0] for c in cols}, title="",
    )  # fmt: skip
    cs = s[s["estimator"] == "cs"]
    bd = "; ".join(f"{labels.var(r.outcome)}: {fmt_number(r.breakdown_rm, 2) if pd.notna(r.breakdown_rm) else '—'} / "
                   f"{fmt_number(r.breakdown_sd, 3) if pd.notna(r.breakdown_sd) else '—'}" for r in cs.itertuples())  # fmt: skip
    return table, [_note(labels, "honest", breakdown=bd)]


def _word(labels: Labels, value: object) -> str:
    """A DiD word of the catalog (control group, base period …), else the value as written."""
    found = labels.entry("did", str(value))
    return labels.pick(found) if found else str(value)


def _colon(labels: Labels) -> str:
    return "：" if labels.language == "zh" else ": "


def _design_overlay_words(labels: Labels, overlay: Mapping) -> str:
    """``对照组：尚未处理；预期期数：1`` — a design-level check described by its own settings
    (provinces by their names in the table's language)."""
    sep, enum = ("；", "、") if labels.language == "zh" else ("; ", ", ")
    parts = []
    for key, value in overlay.items():
        if isinstance(value, Mapping):
            names = province_names(list(value), labels.language)
            text = enum.join(f"{n} {v}" for n, v in zip(names, value.values(), strict=True))
        elif isinstance(value, (list, tuple)):
            text = (
                "–".join(str(v) for v in value)
                if key == "years"
                else enum.join(province_names([_word(labels, v) for v in value], labels.language))
            )
        else:
            text = _word(labels, value)
        parts.append(f"{did_label(labels, key)}{_colon(labels)}{text}")
    return sep.join(parts)


def _check_words(labels: Labels, check: str, config: Mapping, design: str) -> str:
    """Row label of a check of the DiD checks table, derived from what the check ran."""
    if check == "baseline":
        return labels.column("baseline")
    own = ((config.get("designs") or {}).get(design) or {}).get("checks") or {}
    if check in own:
        return _design_overlay_words(labels, own[check])
    overlay = (config.get("robustness") or {}).get(check)
    if overlay is not None:
        return check_label(check, config, overlay, labels)[0]
    return labels.column(check)


def _checks(inputs, options, labels, *, row_label=None):
    row_label = row_label or labels.column
    c = inputs["checks"]
    dec = options.decimals
    outcomes = list(dict.fromkeys(c["outcome"]))
    ests = [e for e in ESTIMATOR_ORDER if e in set(c["estimator"])]
    cols = [f"{o}:{e}" for o in outcomes for e in ests]
    get = {(r.check, r.outcome, r.estimator): r for r in c.itertuples()}
    rows = []
    for chk in dict.fromkeys(c["check"]):
        coef, se = [], []
        for o in outcomes:
            for e in ests:
                r = get.get((chk, o, e))
                coef.append(_att_cell(r, dec, options) if r is not None else Cell())
                se.append(
                    Cell(f"({fmt_number(r.se, dec)})")
                    if r is not None and pd.notna(r.se)
                    else Cell()
                )
        rows += [Row(row_label(chk), tuple(coef), "coef"), Row("", tuple(se), "se")]
    table = assemble_table(
        name="did_checks", labels=labels, columns=cols, rows=rows, stub=did_label(labels, "check"),
        column_labels={c_: did_label(labels, c_.split(":")[1]) for c_ in cols},
        column_groups={c_: c_.split(":")[0] for c_ in cols}, title="",
    )  # fmt: skip
    return table, [_note(labels, "checks")]


def _multiverse(inputs, options, labels):
    m = inputs["multiverse"]
    dec = options.decimals
    choices = ["estimator", "outcome", "control_group", "base_period", "anticipation", "sample"]
    cols = ["n", "median", "min", "max", "share_sig"]

    def stats_row(label, sub):
        est = sub["estimate"].dropna()
        sig = float((sub["p"] < 0.05).mean()) if len(sub) else np.nan
        cells = (int_cell(len(sub)), num_cell(est.median() if len(est) else np.nan, dec),
                 num_cell(est.min() if len(est) else np.nan, dec), num_cell(est.max() if len(est) else np.nan, dec),
                 num_cell(sig, dec))  # fmt: skip
        return Row(label, cells, "stat")

    rows = [stats_row(did_label(labels, "all_specs"), m)]
    for ch in choices:
        if ch not in m or m[ch].nunique() < 2:
            continue
        for level in dict.fromkeys(m[ch].astype(str)):
            name = (
                labels.pick(labels.entry("did", level))
                if labels.entry("did", level)
                else labels.column(level)
            )
            rows.append(
                stats_row(
                    f"{did_label(labels, ch)}{_colon(labels)}{name}", m[m[ch].astype(str) == level]
                )
            )
    table = assemble_table(
        name="did_multiverse", labels=labels, columns=cols, rows=rows, stub=did_label(labels, "choice"),
        column_labels={c: did_label(labels, c) for c in cols}, title="",
    )  # fmt: skip
    return table, [_note(labels, "multiverse", n=len(m))]


# -- figures ----------------------------------------------------------------------------------------


def did_figure(kind: str, inputs: Mapping[str, pd.DataFrame], config: Mapping, *, design: str,
               simulated: bool) -> Figure:  # fmt: skip
    """``event_study`` (every estimator, uniform bands, one panel per outcome) or ``bacon``."""
    from imtfp.report.figures import figure_rc, footnote

    options, labels = report_options(config)
    with figure_rc(options):
        fig = (
            event_study_figure(inputs["results"], labels)
            if kind == "event_study"
            else bacon_figure(inputs["bacon"], labels)
        )
        fig.suptitle(did_title(labels, kind, design))
        if simulated:
            footnote(fig, labels)
        return fig


def event_study_figure(results: pd.DataFrame, labels: Labels) -> Figure:
    """Pre- and post-period coefficients of every estimator with uniform bands, reference −1 at 0."""
    from matplotlib.figure import Figure

    es = results[results["term"].astype(str) != "ATT"].copy()
    outcomes = list(dict.fromkeys(es["outcome"]))
    ests = [e for e in ESTIMATOR_ORDER if e in set(es["estimator"])]
    fig = Figure(figsize=(6.5, 3.2 * len(outcomes)), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False)[:, 0]
    width = 0.8 / max(len(ests), 1)
    for ax, o in zip(axes, outcomes, strict=True):
        for k, e in enumerate(ests):
            d = es[(es["outcome"] == o) & (es["estimator"] == e)].sort_values("event_time")
            x = d["event_time"].to_numpy(float) + (k - (len(ests) - 1) / 2) * width
            y = d["estimate"].to_numpy(float)
            lo, hi = d["band_low"].to_numpy(float), d["band_high"].to_numpy(float)
            ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt=MARKERS.get(e, "o"), ms=3.5, lw=0.9, capsize=1.5,
                        color=f"C{k}", label=did_label(labels, e))  # fmt: skip
        ax.axhline(0, color="0.5", lw=0.8, ls="--")
        ax.axvline(-0.5, color="0.6", lw=0.8, ls=":")
        ax.set_title(labels.var(o), fontsize=9)
        ax.set_xlabel(did_label(labels, "event_time"))
        ax.set_ylabel(did_label(labels, "att"))
        ax.xaxis.get_major_locator().set_params(integer=True)
    _legend_beside(axes, labels)
    return fig


def bacon_figure(bacon: pd.DataFrame, labels: Labels) -> Figure:
    """Goodman-Bacon scatter: each 2×2 estimate against its weight, by comparison type; the line
    is the TWFE estimate (the weighted sum)."""
    from matplotlib.figure import Figure

    outcomes = list(dict.fromkeys(bacon["outcome"]))
    fig = Figure(figsize=(6.0, 3.2 * len(outcomes)), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False)[:, 0]
    types = ["treated_vs_never", "earlier_vs_later", "later_vs_earlier", "treated_vs_always"]
    for ax, o in zip(axes, outcomes, strict=True):
        d = bacon[bacon["outcome"] == o]
        for k, t in enumerate(types):
            sub = d[d["type"] == t]
            if len(sub):
                ax.scatter(
                    sub["weight"],
                    sub["estimate"],
                    s=18,
                    marker="osD^"[k],
                    color=f"C{k}",
                    label=did_label(labels, t),
                )
        ax.axhline(
            float(d["twfe"].iloc[0]), color="C3", lw=0.9, label=did_label(labels, "twfe_static")
        )
        ax.axhline(0, color="0.5", lw=0.8, ls="--")
        ax.set_title(labels.var(o), fontsize=9)
        ax.set_xlabel(did_label(labels, "bacon_weight"))
        ax.set_ylabel(did_label(labels, "bacon_estimate"))
    _legend_beside(axes, labels)
    return fig


def _legend_beside(axes, labels: Labels) -> None:
    """One legend for every panel, right of the first: inside a panel it covers estimates.

    An axes legend is part of the axes' layout box, so constrained layout makes room for it
    (a figure legend ``outside`` is placed without regard to the suptitle and footnote).
    """
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    if entries:
        axes[0].legend(entries.values(), list(entries),
                       loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7)  # fmt: skip
