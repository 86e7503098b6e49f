"""The numbers of docs/real_data.md, written from a run's stored outputs (never typed by hand).

:func:`numbers_block` reads ``<run>/data/derived`` (the outputs ``make real`` writes under
``runs/real``) and renders the Markdown block between the markers ``<!-- numbers:begin -->`` and
``<!-- numbers:end -->``: industrial TFP (coverage, estimated elasticities, plausibility checks,
comparison with whole-economy TFP), the IM index's weights with their source series, the baseline
with its minimum detectable effects and within shares, the X→M mechanisms, the named checks, the
multiverse and the causal designs. Stars and rounding come from the stored p-values and estimates.

``python -m imtfp.realdoc runs/real/data/derived docs/real_data.md`` rewrites the block
(``make real-doc``); ``--check`` exits 1 when the document differs from the outputs
(tests/realdata/test_real_doc.py runs the same comparison).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError

BEGIN = "<!-- numbers:begin"
END = "<!-- numbers:end -->"
HEADER = (
    "<!-- numbers:begin: written by `make real-doc` (imtfp.realdoc) from runs/real/data/derived;"
    " do not edit by hand -->"
)
STARS = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
MEDIATORS_LAYER = {
    "tech_innovation": "technology",
    "allocation_capital": "factor allocation",
    "allocation_labour": "factor allocation",
    "structure_advanced": "industrial structure (高级化)",
    "structure_rational": "industrial structure (合理化)",
}


def stars(p: float) -> str:
    return next((s for level, s in STARS if pd.notna(p) and p < level), "")


def _f(x: float, d: int = 3) -> str:
    return "—" if pd.isna(x) else f"{x:.{d}f}".replace("-", "−")


def _coef(row: pd.Series) -> str:
    return f"{_f(row['estimate'])}{stars(row['p'])} ({_f(row['se'])})"


def _read(derived: Path, rel: str) -> pd.DataFrame | None:
    path = derived / rel
    return pd.read_parquet(path) if path.is_file() else None


def _within_growth_corr(frame: pd.DataFrame, a: str, b: str) -> tuple[float, int]:
    """Correlation of the year-on-year changes of ``a`` and ``b`` with province and year means out."""
    from imtfp.core.fe import demean, group_codes

    d = frame.sort_values(["province", "year"])
    g = d.groupby("province")[[a, b]].diff()
    ok = g.notna().all(axis=1) & (d.groupby("province")["year"].diff() == 1)
    d, g = d[ok], g[ok]
    groups = [group_codes(d["province"].to_numpy()), group_codes(d["year"].to_numpy())]
    w = demean(g.to_numpy(float), groups)
    return float(np.corrcoef(w.T)[0, 1]), int(len(d))


def industry_section(derived: Path) -> list[str]:
    tfp = _read(derived, "measure/tfp.parquet")
    el = _read(derived, "measure/tfp_elasticities.parquet")
    if tfp is None or "tfp_industry_solow" not in tfp:
        raise ConfigError(f"{derived}: no industrial TFP (measure/tfp.parquet, tfp_industry_solow)")
    ok = tfp["tfp_industry_solow"].notna()
    n_prov, years = tfp.loc[ok, "province"].nunique(), sorted(tfp.loc[ok, "year"].unique())
    growth = tfp.sort_values(["province", "year"]).groupby("province")["tfp_industry_solow"].diff()
    by_prov = (100 * growth.groupby(tfp["province"]).mean()).sort_values()
    from imtfp.provinces import name

    e = el.iloc[0]
    lines = [
        "### Industrial TFP",
        "",
        f"* `tfp_industry_solow`: {n_prov} provinces × {len(years)} years ({years[0]}–{years[-1]}), "
        f"{int(ok.sum())} rows; mean growth {_f(100 * growth.mean(), 2)} %/yr (highest "
        + ", ".join(f"{name(p)} {_f(v, 1)}" for p, v in by_prov.iloc[::-1][:3].items())
        + "; lowest "
        + ", ".join(f"{name(p)} {_f(v, 1)}" for p, v in by_prov.iloc[:3].items())
        + ").",
        f"* Elasticities (`{e['method']}`, estimated): capital α = {_f(e['alpha'])} "
        f"({_f(e['se_alpha'])}), labour β = {_f(e['beta'])} ({_f(e['se_beta'])}), returns to scale "
        f"{_f(e['returns_to_scale'], 2)}; N = {int(e['nobs'])}, {int(e['n_clusters'])} province clusters.",
    ]
    checks = _read(derived, "quality/tfp_checks.parquet")
    if checks is not None:
        for r in checks.itertuples(index=False):
            acc = f" Accepted with a reason: {r.accepted}." if r.accepted else ""
            listed = f" Listed: {r.cells}." if r.n_cells else ""
            lines.append(
                f"* Check `{r.check}` ({r.kind}, {r.indicator}): **{r.status}**. "
                f"{r.detail}.{listed}{acc}"
            )
    for check in ("whole_economy_2011_2017",):
        both = _read(derived, f"robustness/{check}/measure/tfp.parquet")
        if both is not None and {"tfp_solow", "tfp_industry_solow"} <= set(both.columns):
            r, n = _within_growth_corr(both, "tfp_industry_solow", "tfp_solow")
            raw = (
                both.sort_values(["province", "year"])
                .groupby("province")[["tfp_industry_solow", "tfp_solow"]]
                .diff()
            )
            r_raw = float(raw.corr().iloc[0, 1])
            lines.append(
                f"* Industrial vs whole-economy Solow TFP growth (check `{check}`, {n} province-years): "
                f"correlation {_f(r_raw, 2)}; {_f(r, 2)} with province and year means removed."
            )
    return lines


def revenue_to_grp(sources: Sequence[str]) -> bool:
    """An indicator computed from a revenue or sales flow and GRP (a revenue-to-GRP ratio)."""
    grp = {"gdp", "gdp_v2020"} & set(sources)
    flow = any(("revenue" in s or s.endswith("_rev") or "sales" in s) for s in sources)
    return bool(grp) and flow


def weights_section(derived: Path) -> list[str]:
    w = _read(derived, "measure/weights.parquet")
    if w is None:
        return []
    im = w[w["level"] == "im"].set_index("indicator")
    sub = w[~w["level"].isin(["im", "nqpf"])]
    subsystem = dict(zip(sub["indicator"], sub["level"]))
    lines = [
        "### IM index v3 (measure/weights.parquet)",
        "",
        "| subsystem | indicator | source series | weight in `im_index` | filled share |",
        "|---|---|---|---|---|",
    ]
    for ind, r in im.iterrows():
        lines.append(
            f"| {subsystem.get(ind, '')} | {ind} | {r['sources'].replace(',', ', ')} | "
            f"{_f(r['weight'])} | {_f(100 * r['imputed_share'], 0)} % |"
        )
    gdp_ratio = [i for i, r in im.iterrows() if revenue_to_grp(r["sources"].split(","))]
    share = float(im.loc[gdp_ratio, "weight"].sum()) if gdp_ratio else 0.0
    nq = w[w["level"] == "nqpf"]
    im_src = {s for v in im["sources"] for s in v.split(",")}
    nq_src = {s for v in nq["sources"] for s in v.split(",")}
    from imtfp.lineage import catalogue_relations

    shared = sorted((im_src & nq_src) - catalogue_relations().scale)
    lines += ["", f"* Revenue- or sales-to-GRP ratios: {_f(100 * share, 1)} % of the weight."]
    if len(nq):
        lines.append(
            f"* NQPF indicators: {', '.join(nq['indicator'])}; source series shared with the IM "
            f"index (scale series GRP and population aside): {', '.join(shared) or 'none'}."
        )
    return lines


def baseline_section(derived: Path) -> list[str]:
    b = _read(derived, "models/baseline.parquet")
    if b is None:
        return []
    x = b.loc[b["term"] != "mde", "term"].iloc[0]
    core = b[b["term"] == x].set_index("column")
    mde = b[b["term"] == "mde"].set_index("column")["estimate"]
    cols = list(core.index)
    lines = [
        f"### Baseline: `{core['dep_var'].iloc[0]}` on `{x}` (models/baseline.parquet)",
        "",
        "| | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
        f"| {x} | " + " | ".join(_coef(core.loc[c]) for c in cols) + " |",
        "| MDE (80 % power, 5 % size) | " + " | ".join(_f(mde.get(c)) for c in cols) + " |",
        "| fixed effects | "
        + " | ".join("two-way" if core.at[c, "entity_fe"] else "none" for c in cols)
        + " |",
        "| controls | " + " | ".join(core.at[c, "controls"] or "—" for c in cols) + " |",
        "| N | " + " | ".join(str(int(core.at[c, "nobs"])) for c in cols) + " |",
        "| within R² | " + " | ".join(_f(core.at[c, "r2_within"]) for c in cols) + " |",
    ]
    inf = _read(derived, "models/inference.parquet")
    if inf is not None:
        parts = [
            f"{r['column']} p = {_f(r['p'])}"
            + (
                f" [{_f(r['ci_low'])}, {_f(r['ci_high'])}]"
                if r["column"] == "wild_bootstrap"
                else ""
            )
            for _, r in inf.iterrows()
        ]
        lines += ["", f"* Last column under other inference: {'; '.join(parts)}."]
    frame = _read(derived, "measure/analysis.parquet")
    if frame is not None:
        from imtfp.models.power import within_share

        y = core["dep_var"].iloc[0]
        lines.append(
            f"* Within share of variance (province and year effects removed): {y} "
            f"{_f(100 * within_share(frame, y), 1)} %, {x} {_f(100 * within_share(frame, x), 1)} %."
        )
    return lines


def mediation_section(derived: Path) -> list[str]:
    m = _read(derived, "models/mediation.parquet")
    if m is None:
        return []
    lines = [
        "### Mechanisms: X → M only (two-step; models/mediation.parquet)",
        "",
        "| layer | channel | mediator | a (clustered se) | wild-bootstrap p | 95 % CI (wild) |",
        "|---|---|---|---|---|---|",
    ]
    for ch, g in m.groupby("column", sort=False):
        t = g.set_index("term")
        a = t.loc["a"]
        p = t["estimate"].get("a_wild_p", np.nan)
        ci = t.loc["a_wild_ci"] if "a_wild_ci" in t.index else None
        ci_text = f"[{_f(ci['ci_low'])}, {_f(ci['ci_high'])}]" if ci is not None else "—"
        lines.append(
            f"| {MEDIATORS_LAYER.get(ch, '')} | {ch} | {a['dep_var']} | {_coef(a)} | {_f(p)} | {ci_text} |"
        )
    return lines


def robustness_section(derived: Path) -> list[str]:
    r = _read(derived, "robustness/checks.parquet")
    if r is None:
        return []
    lines = [
        "### Named checks (robustness/checks.parquet; the last baseline column of each)",
        "",
        "| check | outcome | regressor | estimate (se) | p | N |",
        "|---|---|---|---|---|---|",
    ]
    for _, row in r.iterrows():
        lines.append(
            f"| {row['column']} | {row['dep_var']} | {row['term']} | {_coef(row)} | {_f(row['p'])} "
            f"| {int(row['nobs'])} |"
        )
    s = _read(derived, "robustness/multiverse/summary.parquet")
    if s is not None:
        s = s.iloc[0]
        lines += [
            "",
            f"* Multiverse: {int(s['n_specs'])} specifications; share with the baseline's sign "
            f"{_f(100 * s['share_same_sign'], 0)} %, significant {_f(100 * s['share_significant'], 0)} %; "
            f"median {_f(s['median'])} (quartiles {_f(s['q25'])}, {_f(s['q75'])}); the choice that "
            f"moves estimates most: {s.get('most_influential_choice', '—')}.",
        ]
    return lines


def designs_section(derived: Path) -> list[str]:
    lines = []
    for path in sorted((derived / "designs").glob("*/summary.parquet")):
        s = pd.read_parquet(path)
        s = s[s["estimator"].isin(["cs", "sa", "bjs", "twfe_static"])]
        if not lines:
            lines = [
                "### Causal designs (designs/<design>/summary.parquet)",
                "",
                "| design | outcome | estimator | ATT (se) | RI p | pre-trend p | treated / units |",
                "|---|---|---|---|---|---|---|",
            ]
        for _, r in s.iterrows():
            lines.append(
                f"| {r['design']} | {r['outcome']} | {r['estimator']} | {_f(r['att'])}{stars(r['p'])} "
                f"({_f(r['se'])}) | {_f(r['ri_p'])} | {_f(r['pretrend_p'])} | "
                f"{int(r['n_treated'])} / {int(r['n_units'])} |"
            )
    return lines


def numbers_block(derived: str | Path) -> str:
    """The Markdown block of docs/real_data.md from the outputs under ``derived``."""
    derived = Path(derived)
    parts = [
        industry_section(derived),
        weights_section(derived),
        baseline_section(derived),
        mediation_section(derived),
        robustness_section(derived),
        designs_section(derived),
    ]
    body = "\n\n".join("\n".join(p) for p in parts if p)
    return f"{HEADER}\n\n{body}\n\n{END}"


def replace_block(text: str, block: str) -> str:
    """``text`` with the marked block replaced by ``block`` (ConfigError without the markers)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), flags=re.S)
    if not pattern.search(text):
        raise ConfigError(f"the document has no block between {BEGIN!r} and {END!r}")
    return pattern.sub(lambda _: block, text, count=1)


def current_block(text: str) -> str:
    found = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), text, flags=re.S)
    if not found:
        raise ConfigError(f"the document has no block between {BEGIN!r} and {END!r}")
    return found.group(0)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m imtfp.realdoc DERIVED DOC [--check]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("derived", type=Path, help="the run's data/derived folder")
    parser.add_argument("doc", type=Path, help="the Markdown document with the marked block")
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is stale")
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    block = numbers_block(args.derived)
    if args.check:
        same = current_block(text) == block
        print("docs up to date" if same else f"{args.doc}: numbers differ from {args.derived}")
        return 0 if same else 1
    args.doc.write_text(replace_block(text, block), encoding="utf-8")
    print(f"wrote the numbers of {args.doc} from {args.derived}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
