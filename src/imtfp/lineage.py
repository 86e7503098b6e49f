"""Lineage: the warehouse series every variable is computed from, and the outcome–regressor overlap check.

An outcome built from the same statistics as the regressor moves with it by construction (a new
quality productive forces index holding high-tech new-product sales regressed on an IM index
holding high-tech revenue and new-product sales). This module follows each column of the
analysis frame back to the warehouse series it comes from — derived expressions
(``panel.derived``), composite indices (``index.subsystems``, ``index.nqpf``, the coupling
degree and the multiverse's re-weighted indices) and the TFP chains (``tfp``) — and compares
outcome and regressor using the indicator catalogue's declared relations
(``src/imtfp/data/indicators.csv``, column ``relations``):

* ``subset_of:x`` — the series is part of ``x`` (high-tech new-product sales ⊂ high-tech revenue);
* ``usage_of:x`` / ``derived_from:x`` — the series is the use of ``x`` or computed from it (mobile
  traffic of mobile subscriptions; a patent stock of patent grants).

Two series are *related* when they are the same, one is (transitively) a subset of the other,
they share a declared sub-series, or a usage/derived link joins them. Series the catalogue marks
``role: scale`` (GRP, population) are broad normalisers and are not compared.

:func:`check_overlap` runs when the config loads (:func:`imtfp.config.validate_all`): a regression
whose **outcome composite** (NQPF or any index) shares a source series, or a related one, with its
regressor composite is refused with :class:`~imtfp.errors.ConfigError` naming both, unless
``models.allow_overlap: true``, which turns it into a warning printed in the table note
(:func:`overlap_notes`). Outcomes that are not composites (a TFP measure, a mediator) are never
refused — a production function's output and labour are by necessity also denominators of
intensity indicators — but what they share is printed in the table note too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

import pandas as pd

from imtfp.errors import ConfigError

SUBSYSTEMS = ("technology", "factors", "industry")
NQPF_DIMENSIONS = ("labourers", "means_of_labour", "objects_of_labour")
#: Whole-economy chain columns and the warehouse series they come from (imtfp.tfp.stages.build_tfp).
ECONOMY_SOURCES = ("gdp", "gdp_index", "gfcf", "invest_price", "employment")
ECONOMY_COLUMNS = (
    "tfp_solow", "tfp_malmquist", "gtfp_ml", "gdp_real", "gdp_growth", "labour", "invest_pc_real",
)  # fmt: skip
#: Industrial chain columns (imtfp.tfp.industry.build_industry_tfp).
INDUSTRY_PREFIXES = ("tfp_industry_", "va_real_industry", "capital_industry", "labour_industry",
                     "alpha_industry", "tau_k", "tau_l", "misalloc_k", "misalloc_l")  # fmt: skip
INDUSTRY_INPUT_KEYS = (
    "output",
    "deflator",
    "investment",
    "invest_price",
    "initial_stock",
    "labour",
)


# -- the catalogue's relations -----------------------------------------------------------------


class Relations:
    """Declared relations between warehouse series (parsed from the catalogue), with the
    transitive closures precomputed: ``ancestors`` (the series a series is a subset of), their
    inverse ``descendants`` (itself included) and ``linked`` (usage/derivation, both directions)."""

    def __init__(
        self,
        parents: Mapping[str, Iterable[str]],
        links: Mapping[str, Iterable[str]],
        scale: Iterable[str],
    ):
        self.parents = {k: frozenset(v) for k, v in parents.items()}
        self.links = {k: frozenset(v) for k, v in links.items()}
        self.scale = frozenset(scale)
        self._anc = {s: self._closure(s, self.parents) for s in self.parents}
        self._desc: dict[str, set[str]] = {}
        for child, ancestors in self._anc.items():
            for a in ancestors:
                self._desc.setdefault(a, set()).add(child)
        self._linked = {s: self._closure(s, self.links) | {s} for s in self.links}
        self._how: dict[tuple[str, str], str | None] = {}

    @staticmethod
    def _closure(s: str, edges: Mapping[str, frozenset[str]]) -> set[str]:
        out, todo = set(), [s]
        while todo:
            for p in edges.get(todo.pop(), ()):
                if p not in out:
                    out.add(p)
                    todo.append(p)
        return out - {s}

    def ancestors(self, s: str) -> set[str]:
        return self._anc.get(s, set())

    def descendants(self, s: str) -> set[str]:
        return self._desc.get(s, set()) | {s}

    def linked(self, s: str) -> set[str]:
        return self._linked.get(s, {s})

    def how(self, a: str, b: str) -> str | None:
        """Why series ``a`` and ``b`` overlap (None if they do not)."""
        if (a, b) not in self._how:
            self._how[(a, b)] = self._explain(a, b)
        return self._how[(a, b)]

    def _explain(self, a: str, b: str) -> str | None:
        if a == b:
            return "same series"
        for x in self.linked(a):
            for y in self.linked(b):
                link = "" if (x, y) == (a, b) else f" (via {x} ~ {y})"
                if x == y:
                    return f"{a} and {b} are linked by usage or derivation"
                if y in self.ancestors(x):
                    return f"{x} ⊂ {y}{link}"
                if x in self.ancestors(y):
                    return f"{y} ⊂ {x}{link}"
                common = (self.descendants(x) & self.descendants(y)) - {x, y}
                if common:
                    return f"{x} and {y} both contain {sorted(common)[0]}{link}"
        return None


def parse_relations(catalogue: pd.DataFrame) -> Relations:
    """:class:`Relations` from a catalogue frame with ``code``, ``role`` and ``relations`` columns.

    ``relations``: ``kind:series`` items separated by ``;``, kind ``subset_of``, ``usage_of`` or
    ``derived_from``; an unknown kind or an unknown series is a ConfigError naming the row.
    """
    codes = set(catalogue["code"])
    parents: dict[str, set[str]] = {}
    links: dict[str, set[str]] = {}
    rel = catalogue.get("relations", pd.Series("", index=catalogue.index)).fillna("")
    for code, text in zip(catalogue["code"], rel):
        for item in filter(None, (t.strip() for t in str(text).split(";"))):
            kind, _, other = item.partition(":")
            if other not in codes:
                raise ConfigError(f"indicator catalogue: {code}: relation {item!r} names no series")
            if kind == "subset_of":
                parents.setdefault(code, set()).add(other)
            elif kind in ("usage_of", "derived_from"):
                links.setdefault(code, set()).add(other)
                links.setdefault(other, set()).add(code)
            else:
                raise ConfigError(
                    f"indicator catalogue: {code}: relation kind {kind!r} is not subset_of, "
                    "usage_of or derived_from"
                )
    role = catalogue.get("role", pd.Series("", index=catalogue.index)).fillna("")
    scale = frozenset(c for c, r in zip(catalogue["code"], role) if str(r).strip() == "scale")
    return Relations(parents, links, scale)


@cache
def catalogue_relations() -> Relations:
    """The packaged catalogue's relations (:func:`parse_relations` of ``indicators.csv``)."""
    from imtfp.ingest import catalog

    return parse_relations(catalog.indicators())


# -- sources of a column -----------------------------------------------------------------------


def expression_names(expr: object) -> set[str]:
    """Column names an expression of :mod:`imtfp.expressions` refers to (not its functions)."""
    return set(_expression_names(" ".join(str(expr).split())))


@lru_cache(maxsize=4096)
def _expression_names(text: str) -> frozenset[str]:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return frozenset()
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in funcs)


def _indicators(groups: Mapping | None) -> dict[str, list[str]]:
    """{group: [indicator, ...]} of a subsystems / nqpf mapping, indicators set to null left out."""
    return {
        g: [k for k, d in (v or {}).items() if d is not None] for g, v in (groups or {}).items()
    }


def composite_members(config: Mapping) -> dict[str, list[str]]:
    """Composite columns of the analysis frame and the indicators each is built from."""
    from imtfp.config import merge

    index = config.get("index") or {}
    subs = _indicators(index.get("subsystems"))
    im = [i for g in SUBSYSTEMS for i in subs.get(g, [])]
    out = {"im_index": im, **{g: subs.get(g, []) for g in SUBSYSTEMS}}
    out.update({c: im for c in ("ccd", "ccd_C", "ccd_T")})
    for lead in SUBSYSTEMS:
        for base in SUBSYSTEMS:
            out[f"rd_{lead}_{base}"] = out[f"lag_{lead}_{base}"] = im
    if index.get("nqpf"):
        dims = _indicators(index["nqpf"])
        out["nqpf"] = [i for d in NQPF_DIMENSIONS for i in dims.get(d, [])]
        out.update({f"nqpf_{d}": dims.get(d, []) for d in NQPF_DIMENSIONS})
    for name, overlay in ((config.get("multiverse") or {}).get("measures") or {}).items():
        # a re-weighted index of the multiverse: the indicators of its (merged) index section
        groups = _indicators(merge(index, (overlay or {}).get("index") or {}).get("subsystems"))
        out[name] = [i for g in SUBSYSTEMS for i in groups.get(g, [])]
    return out


def _tfp_sources(config: Mapping, column: str, resolve) -> set[str] | None:
    tfp = config.get("tfp") or {}
    if column in ECONOMY_COLUMNS:
        return set(ECONOMY_SOURCES) | ({"population"} if column == "invest_pc_real" else set())
    if column.startswith(INDUSTRY_PREFIXES):
        ind = dict(tfp.get("industry") or {})
        keys = list(INDUSTRY_INPUT_KEYS) + (
            ["labour_share"] if ind.get("elasticities") == "income_share" else []
        )
        from imtfp.tfp.industry import INDUSTRY_DEFAULTS

        exprs = [ind.get(k, INDUSTRY_DEFAULTS.get(k)) for k in keys]
        return set().union(*(resolve(n) for e in exprs if e for n in expression_names(e)))
    return None


def column_sources(
    config: Mapping, column: str, *, composites: Mapping[str, list[str]] | None = None
) -> frozenset[str]:
    """The warehouse series a column of the analysis frame is computed from.

    A derived variable: the sources of the names in its expression; a composite index: those of
    its indicators; a TFP column: its chain's inputs; anything else is a warehouse series itself.
    ``composites``: :func:`composite_members` of ``config``, when the caller has it already.
    """
    derived = (config.get("panel") or {}).get("derived") or {}
    composites = composite_members(config) if composites is None else composites
    seen: set[str] = set()

    def resolve(name: str) -> set[str]:
        if name in seen or name == "year":
            return set()
        seen.add(name)
        if name in composites:
            return set().union(*(resolve(i) for i in composites[name]))
        if derived.get(name) is not None:
            return set().union(*(resolve(n) for n in expression_names(derived[name])))
        tfp = _tfp_sources(config, name, resolve)
        return tfp if tfp is not None else {name}

    return frozenset(resolve(column))


def index_sources(config: Mapping) -> dict[str, list[str]]:
    """{indicator: sorted warehouse series} for every IM and NQPF indicator (measure/weights)."""
    members = composite_members(config)
    names = dict.fromkeys(members.get("im_index", []) + members.get("nqpf", []))
    return {n: sorted(column_sources(config, n, composites=members)) for n in names}


# -- the overlap check -------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """An outcome and a regressor that share source series (``shared``: (outcome's, regressor's, why))."""

    key: str  # the config key of the outcome, e.g. models.y or models.mediation.channels.technology
    outcome: str
    regressor: str
    composite: bool  # the outcome is a composite index (refused unless allow_overlap)
    shared: tuple[tuple[str, str, str], ...]

    def series(self) -> list[str]:
        return sorted({a for a, _, _ in self.shared} | {b for _, b, _ in self.shared})

    def describe(self) -> str:
        parts = "; ".join(a if a == b else why for a, b, why in self.shared[:6])
        more = f"; … and {len(self.shared) - 6} more" if len(self.shared) > 6 else ""
        return f"{parts}{more}"


def shared_sources(
    config: Mapping,
    outcome: str,
    regressor: str,
    relations: Relations | None = None,
    *,
    composites: Mapping[str, list[str]] | None = None,
) -> tuple[tuple[str, str, str], ...]:
    """Pairs (outcome series, regressor series, why) that overlap, scale series left out."""
    rel = relations or catalogue_relations()
    members = composite_members(config) if composites is None else composites
    ys = sorted(column_sources(config, outcome, composites=members) - rel.scale)
    xs = sorted(column_sources(config, regressor, composites=members) - rel.scale)
    return tuple((a, b, why) for a in ys for b in xs if (why := rel.how(a, b)) is not None)


def _as_list(x: object) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else [str(v) for v in x]  # type: ignore[union-attr]


def regressions(config: Mapping) -> list[tuple[str, str, str]]:
    """(config key, outcome, regressor) of every regression the config runs on its composites."""
    models = config.get("models") or {}
    xs = _as_list(models.get("x"))
    out = [("models.y", str(models["y"]), x) for x in xs] if models.get("y") else []
    for name, m in ((models.get("mediation") or {}).get("channels") or {}).items():
        out += [(f"models.mediation.channels.{name}", str(m), x) for x in xs[:1]]
    for v in _as_list((models.get("falsification") or {}).get("placebo_outcomes")):
        out += [("models.falsification.placebo_outcomes", v, x) for x in xs[:1]]
    choices = (config.get("multiverse") or {}).get("choices") or {}
    for y in _as_list(choices.get("y")):
        out += [("multiverse.choices", y, x) for x in _as_list(choices.get("x"))]
    return list(dict.fromkeys(out))


def find_overlaps(config: Mapping, relations: Relations | None = None) -> list[Overlap]:
    """Every regression of the config whose outcome shares source series with its regressor."""
    composites = composite_members(config)
    found = []
    for key, y, x in regressions(config):
        shared = shared_sources(config, y, x, relations, composites=composites)
        if shared:
            found.append(Overlap(key, y, x, y in composites, shared))
    return found


def check_overlap(config: Mapping, relations: Relations | None = None) -> None:
    """Refuse (ConfigError naming outcome, regressor and the series) a composite outcome that
    shares sources with its regressor, in the baseline and every named check, unless
    ``models.allow_overlap`` is true (then the table notes say it, :func:`overlap_notes`)."""
    from imtfp.config import merge

    variants = [("", config)] + [
        (f"robustness.{name}: ", merge(config, overlay))
        for name, overlay in (config.get("robustness") or {}).items()
        if isinstance(overlay, Mapping)
    ]
    for prefix, cfg in variants:
        if (cfg.get("models") or {}).get("allow_overlap"):
            continue
        for o in find_overlaps(cfg, relations):
            if o.composite:
                raise ConfigError(
                    f"config key '{o.key}': {prefix}the outcome {o.outcome!r} and the regressor "
                    f"{o.regressor!r} share source series ({o.describe()}): the outcome would move "
                    "with the regressor by construction. Build the outcome from other series, or set "
                    "models.allow_overlap: true to run it with a warning in the table notes"
                )


def series_name(code: str, language: str) -> str:
    """A warehouse series by its catalogue name in ``language`` (the code if it has none)."""
    from imtfp.ingest import catalog

    names = catalog.indicators().set_index("code")
    column = "name_zh" if language == "zh" else "name_en"
    return str(names.at[code, column]) if code in names.index else code


def overlap_notes(config: Mapping, table: str, labels) -> list[str]:
    """Table notes for the overlaps of the regressions behind ``table`` (labels: imtfp.report.labels.Labels).

    ``baseline``, ``inference``, ``iv``, ``heterogeneity``, ``threshold`` and ``falsification`` report
    on ``models.y``; ``mediation`` on each channel; ``robustness`` on the multiverse's choices.
    """
    keys = {"mediation": "models.mediation.channels", "robustness": "multiverse.choices"}
    want = keys.get(table, "models.y")
    notes = []
    for o in find_overlaps(config):
        # the multiverse crosses every outcome with every regressor: only what it refuses counts
        if not o.key.startswith(want) or (want == "multiverse.choices" and not o.composite):
            continue
        kind = "lineage_overlap" if o.composite else "lineage_shared"
        notes.append(
            labels.note(
                kind,
                outcome=labels.var(o.outcome),
                regressor=labels.var(o.regressor),
                series=("、" if labels.language == "zh" else ", ").join(
                    series_name(s, labels.language) for s in o.series()
                ),
            )  # fmt: skip
        )
    return list(dict.fromkeys(notes))


def imputed_shares(
    sources: Mapping[str, Iterable[str]], imputed: pd.DataFrame, panel: pd.DataFrame
) -> dict[str, float]:
    """Largest share, over an indicator's source series, of the panel's cells that were filled
    (interpolated or carried: ``panel/imputed``; spliced cells are observations rescaled, not
    counted). A census-only series such as years of schooling shows here."""
    n = max(len(panel), 1)
    filled = imputed[imputed["method"].isin(["interpolate", "carry"])] if len(imputed) else imputed
    counts = filled.groupby("indicator").size() if len(filled) else pd.Series(dtype=float)
    return {
        ind: max((float(counts.get(s, 0)) / n for s in series), default=0.0)
        for ind, series in sources.items()
    }
