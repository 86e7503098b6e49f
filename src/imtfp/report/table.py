"""One formatter for all model tables: tidy results → a journal-layout :class:`Table`.

A :class:`Table` is plain data (title, header rows, body rows of cells,
notes); the writers in :mod:`imtfp.report.writers` turn it into LaTeX, Word,
Markdown and CSV. Every specialised table (:mod:`imtfp.report.builders`)
goes through :func:`format_table` or, for the few cells that are not a
number (coordination levels), through :func:`assemble_table`.

Layout of a model table (columns = the tidy ``column`` values in order)::

    变量            (1)         (2)          <- column labels
                    TFP         TFP          <- dependent variable (if known)
    智能制造指数    0.123***    0.101**      <- estimate + stars, p < level
                    (0.045)     (0.040)      <- (se); optional [p], [lo, hi]
    Sobel z         2.310                    <- statistic term: no stars, no se
    观测值          372         372          <- nobs
    组内 R²         0.512       0.530        <- r2_within
    省份固定效应    是          是           <- entity_fe
    年份固定效应    是          是           <- time_fe
    控制变量        否          是           <- controls non-empty
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from imtfp.core.vcov import DK_MIN_PERIODS
from imtfp.errors import ConfigError, ReportError
from imtfp.options import check_option
from imtfp.report.labels import Labels, Term
from imtfp.report.options import ReportOptions
from imtfp.tidy import TIDY_COLUMNS

Show = Literal["se", "t", "p", "ci"]
ModelRow = Literal[
    "nobs", "r2_within", "entity_fe", "time_fe", "controls", "n_clusters", "inference"
]
RowKind = Literal["coef", "se", "p", "wild", "ci", "stat", "model", "indicator", "section", "text"]
MODEL_ROWS: tuple[ModelRow, ...] = (
    "nobs",
    "r2_within",
    "entity_fe",
    "time_fe",
    "controls",
    "n_clusters",
    "inference",
)
#: Below this many clusters the cluster-robust t test over-rejects (Cameron, Gelbach and
#: Miller 2008; MacKinnon and Webb 2017): the wild cluster bootstrap p is printed beside it.
FEW_CLUSTERS = 10
#: Driscoll–Kraay needs many periods (the same threshold as ``imtfp.models.panel``).
#: Optional per-row facts a tidy frame may carry beyond :data:`TIDY_COLUMNS`
#: (written by :func:`imtfp.models.clusters.annotate_inference`).
EXTRA_COLUMNS = ("n_clusters", "n_periods", "wild_p", "p_star")


@dataclass(frozen=True)
class Cell:
    """One printed cell. ``number`` is the bare numeric part (aligned on the
    decimal point by siunitx); ``None`` marks a text cell."""

    text: str = ""
    number: str | None = None
    stars: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    kind: RowKind = "coef"
    rule_above: bool = False


@dataclass(frozen=True)
class HeaderCell:
    text: str
    span: int = 1


#: Most data columns a printed table (or panel) has: a wider table is split into panels.
MAX_COLUMNS = 8


@dataclass(frozen=True)
class Table:
    """A journal-layout table, independent of the output format.

    ``header`` rows each span all data columns; ``stub`` heads the row-label
    column on the header row ``stub_row``, ``header_stubs`` (if given) label every
    header row (e.g. 被解释变量 beside the dependent variables); ``notes`` are
    printed beneath, the first one carrying the "注：" / "Notes:" prefix.
    ``panel_title`` names the panels of a table wider than :data:`MAX_COLUMNS`
    (``面板{letter}`` / ``Panel {letter}``): see :meth:`panels`.
    """

    name: str
    title: str
    stub: str
    stub_row: int
    header: tuple[tuple[HeaderCell, ...], ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...]
    header_stubs: tuple[str, ...] = ()
    panel_title: str = "Panel {letter}"

    @property
    def ncols(self) -> int:
        """Number of data columns (the row-label column not counted)."""
        return sum(h.span for h in self.header[-1]) if self.header else len(self.rows[0].cells)

    def header_stub(self, i: int) -> str:
        """Text of the row-label column on header row ``i``."""
        if self.header_stubs:
            return self.header_stubs[i]
        return self.stub if i == self.stub_row else ""

    def header_grid(self, *, repeat_spans: bool = False) -> list[list[str]]:
        """Header rows expanded to one string per column: a spanned text in its first column, or
        (``repeat_spans``: formats without spans, Markdown and CSV) in every column it spans, so
        each column names its group and dependent variable."""
        grid = []
        for i, hrow in enumerate(self.header):
            line = [self.header_stub(i)]
            for h in hrow:
                line += [h.text] * h.span if repeat_spans else [h.text] + [""] * (h.span - 1)
            grid.append(line)
        return grid

    def body_grid(self) -> list[list[str]]:
        return [[r.label] + [c.text for c in r.cells] for r in self.rows]

    def panels(self, max_columns: int = MAX_COLUMNS) -> list[tuple[str, Table]]:
        """The table as printed: ``[("", self)]``, or panels of at most ``max_columns`` columns.

        Column groups (a spanning first header row) stay whole where they fit; otherwise the
        columns are dealt into ⌈n / max_columns⌉ panels of near-equal width. Each panel keeps
        the header rows of its columns and the body rows with a cell in them (section rows
        with a member row); its title is ``panel_title`` with the letter A, B, ….
        """
        if self.ncols <= max_columns:
            return [("", self)]
        return [
            (self.panel_title.format(letter=chr(ord("A") + k)), self._columns(cols))
            for k, cols in enumerate(_panel_columns(self, max_columns))
        ]

    def _columns(self, cols: Sequence[int]) -> Table:
        """This table restricted to the data columns ``cols`` (0-based)."""
        header = []
        for hrow in self.header:
            owner: list[tuple[int, str]] = []  # (index of the spanning cell, text) per column
            for k, h in enumerate(hrow):
                owner += [(k, h.text)] * h.span
            cells: list[HeaderCell] = []
            last = None
            for j in cols:
                if cells and owner[j][0] == last:
                    cells[-1] = HeaderCell(cells[-1].text, cells[-1].span + 1)
                else:
                    cells.append(HeaderCell(owner[j][1]))
                last = owner[j][0]
            header.append(tuple(cells))
        rows = [
            Row(r.label, tuple(r.cells[j] for j in cols), r.kind, r.rule_above) for r in self.rows
        ]
        return replace(self, header=tuple(header), rows=_kept_rows(rows))


def _panel_columns(table: Table, max_columns: int) -> list[list[int]]:
    """Column indices of each panel: whole column groups packed in order where they fit, else
    columns dealt evenly (15 → 8 + 7, 12 → 6 + 6)."""
    n = table.ncols
    groups: list[list[int]] = []
    if len(table.header) > 1 and any(h.span > 1 for h in table.header[0]):
        start = 0
        for h in table.header[0]:
            groups.append(list(range(start, start + h.span)))
            start += h.span
    if groups and all(len(g) <= max_columns for g in groups):
        panels: list[list[int]] = []
        for g in groups:
            if panels and len(panels[-1]) + len(g) <= max_columns:
                panels[-1] += g
            else:
                panels.append(list(g))
        return panels
    k = math.ceil(n / max_columns)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    out, start = [], 0
    for size in sizes:
        out.append(list(range(start, start + size)))
        start += size
    return out


def _kept_rows(rows: Sequence[Row]) -> tuple[Row, ...]:
    """Rows with a printed cell, and each section row followed by one of them."""
    kept = [r for r in rows if r.kind == "section" or any(c.text for c in r.cells)]
    out = []
    for i, r in enumerate(kept):
        following = kept[i + 1] if i + 1 < len(kept) else None
        if r.kind == "section" and (following is None or following.kind == "section"):
            if not any(c.text for c in r.cells):
                continue
        out.append(r)
    return tuple(out)


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: the run's ``report/provenance.{md,docx}``, and the last
    note of every table when ``report.provenance: note``.

    ``source`` names the data sources (their catalogue names), ``vintage`` their releases;
    ``versions`` maps package → version (passed in by the rule; the report layer never
    inspects the environment itself).
    """

    source: str
    vintage: str
    config_hash: str
    versions: Mapping[str, str]


# -- number formatting ---------------------------------------------------------


def fmt_number(x: float, decimals: int) -> str:
    """Fixed-point text of ``x`` with ``decimals`` places; "-0.000" prints as "0.000"."""
    s = f"{x:.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def stars_for(p: float, levels: Sequence[float]) -> str:
    """One ``*`` for each significance level with ``p < level`` (NaN p: no stars)."""
    if p is None or (isinstance(p, float) and math.isnan(p)) or pd.isna(p):
        return ""
    return "*" * sum(p < lvl for lvl in levels)


def _isna(x: object) -> bool:
    return x is None or bool(pd.isna(x))


def num_cell(x: object, decimals: int, stars: str = "") -> Cell:
    if _isna(x):
        return Cell()
    n = fmt_number(float(x), decimals)  # type: ignore[arg-type]
    return Cell(n + stars, n, stars)


def int_cell(x: object) -> Cell:
    """A count, printed centred as text (not decimal-aligned with the estimates)."""
    if _isna(x):
        return Cell()
    return Cell(str(round(float(x))))  # type: ignore[arg-type]


def ci_text(lo: object, hi: object, decimals: int) -> str:
    if _isna(lo) or _isna(hi):
        return ""
    return f"[{fmt_number(float(lo), decimals)}, {fmt_number(float(hi), decimals)}]"  # type: ignore[arg-type]


# -- notes --------------------------------------------------------------------


def stars_note(labels: Labels, levels: Sequence[float]) -> str:
    """'*、**、*** 分别表示在 10%、5%、1% 的水平上显著。' for the configured levels."""
    ordered = sorted(levels, reverse=True)
    symbols = ["*" * (i + 1) for i in range(len(ordered))]
    pct = [f"{lvl * 100:g}%" for lvl in ordered]

    def en_join(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    if labels.language == "zh":
        return labels.note("stars", stars="、".join(symbols), levels="、".join(pct))
    en = labels.note("stars", stars=en_join(symbols), levels=en_join(pct))
    return en.replace(" denote ", " denotes ") if len(symbols) == 1 else en


def inference_note(
    labels: Labels, covs: Sequence[str], stat: Literal["se", "t"], *, by_row: bool = True
) -> str:
    """The note saying what is in parentheses, from the inference method(s) used.

    Several methods: the "Inference" row names them (``by_row``), or the
    column headers do (an inference-comparison table).
    """
    if len(covs) > 1:
        return labels.note("se_mixed" if by_row else "se_by_column")
    phrase = labels.inference_se(covs[0]) if covs else None
    zh, en = phrase if phrase else ("标准误", "standard errors")
    text = labels.note(stat, se=zh if labels.language == "zh" else en)
    return text[:1].upper() + text[1:]


def provenance_note(labels: Labels, prov: Provenance) -> str:
    """ "数据来源：…（版本：…）；配置哈希：…；软件版本：…。" (``report.provenance: note``)."""
    sep = "，" if labels.language == "zh" else ", "
    versions = sep.join(f"{k} {v}" for k, v in sorted(prov.versions.items()))
    return labels.note(
        "provenance",
        source=prov.source,
        vintage=prov.vintage,
        config_hash=prov.config_hash,
        versions=versions,
    )


def standard_notes(
    labels: Labels,
    *,
    body: Sequence[str] = (),
    simulated: bool = False,
    provenance: Provenance | None = None,
) -> tuple[str, ...]:
    """Body notes, then the simulated-data notice and (if given) provenance; "注：" on the first."""
    notes = list(body)
    if simulated:
        notes.append(labels.note("simulated"))
    if provenance is not None:
        notes.append(provenance_note(labels, provenance))
    if notes:
        prefix = "Notes: " if labels.language == "en" else "注："
        notes[0] = prefix + notes[0]
    return tuple(notes)


# -- assembling ----------------------------------------------------------------


def assemble_table(
    *,
    name: str,
    labels: Labels,
    columns: Sequence[str],
    rows: Sequence[Row],
    column_labels: Mapping[str, str] | None = None,
    column_groups: Mapping[str, str] | None = None,
    dep_vars: Mapping[str, str] | None = None,
    stub: str | None = None,
    notes: Sequence[str] = (),
    title: str | None = None,
) -> Table:
    """Put header, body and notes together (shared by every table builder).

    Header rows: column groups (spanning consecutive equal groups) if given,
    the column labels, then the dependent variables (spanning; the row
    labelled 被解释变量 / Dependent variable) if given.
    """
    if not rows:
        raise ReportError(f"table {name!r}: no rows to print")
    column_labels = dict(column_labels or {})
    stub = labels.row("variable") if stub is None else stub
    header: list[tuple[HeaderCell, ...]] = []
    stubs: list[str] = []
    if column_groups:
        header.append(
            _spans(
                [labels.column(column_groups[c]) if column_groups.get(c) else "" for c in columns]
            )
        )
        stubs.append("")
    stub_row = len(header)
    header.append(tuple(HeaderCell(column_labels.get(c, c)) for c in columns))
    stubs.append(stub)
    if dep_vars and any(dep_vars.get(c) for c in columns):
        header.append(_spans([labels.var(dep_vars[c]) if dep_vars.get(c) else "" for c in columns]))
        stubs.append(labels.row("dep_var"))
    return Table(
        name=name,
        title=labels.title(name) if title is None else title,
        stub=stub,
        stub_row=stub_row,
        header=tuple(header),
        rows=tuple(rows),
        notes=tuple(notes),
        header_stubs=tuple(stubs),
        panel_title=labels.row("panel"),
    )


def _spans(texts: Sequence[str]) -> tuple[HeaderCell, ...]:
    """Merge runs of equal consecutive texts into spanning header cells."""
    out: list[HeaderCell] = []
    for t in texts:
        if out and out[-1].text == t and t:
            out[-1] = HeaderCell(t, out[-1].span + 1)
        else:
            out.append(HeaderCell(t))
    return tuple(out)


# -- the formatter ---------------------------------------------------------------


def normalise_tidy(tidy: pd.DataFrame, *, name: str) -> pd.DataFrame:
    """Tidy frame with every :data:`TIDY_COLUMNS` present (missing ones NA), one row per cell.

    Raises ReportError on an empty frame, a missing ``column``/``term``/``estimate``,
    or a duplicated (column, term) pair.
    """
    for required in ("column", "term", "estimate"):
        if required not in tidy:
            raise ReportError(f"table {name!r}: tidy frame has no {required!r} column")
    if len(tidy) == 0:
        raise ReportError(f"table {name!r}: tidy frame is empty")
    df = tidy.copy()
    for col in (*TIDY_COLUMNS, *EXTRA_COLUMNS):
        if col not in df:
            df[col] = pd.NA
    df["column"] = df["column"].astype(str)
    df["term"] = df["term"].astype(str)
    dup = df.duplicated(["column", "term"])
    if dup.any():
        first = df.loc[dup, ["column", "term"]].iloc[0].tolist()
        raise ReportError(f"table {name!r}: (column, term) {first} appears more than once")
    return df.reset_index(drop=True)


@dataclass(frozen=True)
class _Grid:
    """The cells of one tidy frame by (column, term), with the facts that shape every row.

    ``few``: columns with fewer than :data:`FEW_CLUSTERS` clusters; ``wild``: columns whose
    headline coefficient carries a wild-bootstrap p that the table prints (few clusters, or
    ``report.headline_wild``); ``unstarred``: columns whose inference the table's notes call
    unreliable (Driscoll–Kraay on too few periods), which print no stars.
    """

    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], object]
    dec: int
    dec_col: Mapping[str, int]
    stars: tuple[float, ...]
    few: frozenset[str]
    wild: bool
    unstarred: frozenset[str] = frozenset()
    dk_min_periods: int = DK_MIN_PERIODS

    def get(self, column: str, term: str) -> object | None:
        return self.cells.get((column, term))

    def decimals(self, column: str) -> int:
        return self.dec_col.get(column, self.dec)

    def shows_wild(self, column: str, r: object | None) -> bool:
        """Print the wild p of this cell: it has one, and its column has few clusters (or all do)."""
        return r is not None and not _isna(r.wild_p) and (self.wild or column in self.few)

    def star_p(self, column: str, r: object) -> object:
        """The p the stars follow: ``p_star`` if given (e.g. a bound implied by a bootstrap
        interval), the wild p in a few-cluster column, else the reported p. None (no stars)
        where the notes call the inference unreliable: a column of :attr:`unstarred`, or a
        few-cluster column without a wild p."""
        if not _isna(r.p_star):
            return r.p_star
        if column in self.unstarred:
            return None
        if column in self.few:
            return None if _isna(r.wild_p) else r.wild_p
        return r.p


@dataclass
class _Seen:
    """What the body printed, to decide which notes the table needs."""

    p: bool = False
    se: bool = False
    ci: bool = False
    wild: bool = False


def format_table(
    tidy: pd.DataFrame,
    *,
    name: str,
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    terms: Sequence[str] | None = None,
    show: Sequence[Show] = ("se",),
    model_rows: Sequence[ModelRow] | None = None,
    row_groups: Mapping[str, str] | None = None,
    group_totals: bool = False,
    group_sep: str | None = None,
    column_labels: Mapping[str, str] | None = None,
    term_labels: Mapping[str, str] | None = None,
    decimals_by_column: Mapping[str, int] | None = None,
    show_dep_var: bool = True,
    drop_model_rows: Sequence[ModelRow] = (),
    classify_terms: bool = True,
    stub: str | None = None,
    notes: Sequence[str] = (),
    provenance: Provenance | None = None,
    simulated: bool = False,
    title: str | None = None,
    dk_min_periods: int = DK_MIN_PERIODS,
) -> Table:
    """Build the journal table of a tidy result frame (:mod:`imtfp.tidy`).

    Parameters
    ----------
    tidy : DataFrame
        Rows (column, term, estimate, se, t, p, ci_low, ci_high, nobs,
        r2_within, entity_fe, time_fe, controls, cov, dep_var), optionally
        ``n_clusters``, ``n_periods`` and ``wild_p`` (:data:`EXTRA_COLUMNS`);
        missing columns are treated as NA. Columns print in order of appearance.
    name : str
        Table key: title from the label catalog, LaTeX label ``tab:<name>``.
    terms : sequence of str, optional
        Terms to print, in order (default: all, coefficients first).
    show : subset of {"se", "t", "p", "ci"}
        Lines beneath each estimate: ``(se)`` or ``(t)``, ``[p]``, ``[lo, hi]``.
    model_rows : subset of MODEL_ROWS, optional
        Default: each model fact that is known for some column (the number of
        clusters and the inference method included).
    row_groups, group_totals : mapping term → group, bool
        Section rows before each group (with the sum of the group's estimates).
    group_sep : str, optional
        Split ``column`` values "group<sep>sub" into a spanning group header.
    column_labels, term_labels : mapping, optional
        Printed names that override the catalog (an overridden term prints as a value row).
    decimals_by_column : mapping column → int, optional
        Decimals of the estimates of a column (e.g. 0 for counts).
    show_dep_var : bool
        Header row with the dependent variable of each column (when known).
    drop_model_rows : subset of MODEL_ROWS
        Model rows never to print (e.g. ``inference`` when columns are methods).
    classify_terms : bool
        False prints every term as a value row (data tables: an indicator
        named ``x_p`` is not a p-value).
    stub : str, optional
        Head of the row-label column (default 变量 / Variable).
    notes : sequence of str
        Extra notes (already in the table's language), after the inference
        and stars notes and before the simulated-data and provenance notes.
    provenance : Provenance, optional
        Printed as the last note (``report.provenance: note``); default none.
    dk_min_periods : int
        Fewest periods for Driscoll–Kraay (config ``models.dk_min_periods``): a
        Driscoll–Kraay column on fewer periods is marked † with a note that its
        inference is unreliable, and prints no stars.

    Stars: one ``*`` per level in ``options.stars`` with p < level, where p is
    the wild cluster bootstrap p in a column with fewer than
    :data:`FEW_CLUSTERS` clusters (printed in braces beneath, the clustered
    p in brackets beside it; without a wild p such a column prints no stars,
    and a note says why). A term is a statistic (no stars, no se) when its
    rows are typed so (tidy ``stat`` True, set by the estimator); a term whose
    rows are untyped (``stat`` NA: a user's frame) is one when the label catalog
    says so (``statistics`` or a ``kind: stat`` pattern, e.g. ``sobel_z``,
    ``first_stage_F``, ``threshold_1``). Its words and format come from the
    catalog; the ``ci`` format prints ``[ci_low, ci_high]``.
    """
    options = options or ReportOptions()
    labels = labels or Labels(options.language)
    _check_show(show, model_rows)
    df = normalise_tidy(tidy, name=name)
    info = _term_info(df, labels, term_labels, classify_terms)
    facts = _model_facts(df, list(dict.fromkeys(df["column"])))
    grid = _grid(df, facts, options, decimals_by_column, dk_min_periods)
    ordered = _ordered_terms(df, info, terms, options, row_groups)
    facts, stripped = _controls_not_printed(facts, [t for t in ordered if info[t].kind == "coef"])
    rows, seen = _body_rows(ordered, info, grid, labels, show, row_groups, group_totals)
    wanted = _wanted_model_rows(facts, model_rows, drop_model_rows)
    if stripped and not any(_split_controls(v) for v in facts["controls"].values()):
        wanted = [m for m in wanted if m != "controls"]  # every control is a printed row
    rows = _append_model_rows(rows, wanted, facts, grid, labels, options)
    col_labels = _column_labels(grid.columns, labels, column_labels, group_sep)
    body_notes = _body_notes(rows, seen, facts, grid, labels, options, show, wanted, col_labels)
    if "inference" not in wanted:  # no inference row to carry the dagger: the header does
        col_labels = {c: t + ("†" if c in grid.unstarred else "") for c, t in col_labels.items()}
    groups = _column_groups(list(grid.columns), group_sep)
    return assemble_table(
        name=name,
        labels=labels,
        columns=grid.columns,
        rows=rows,
        column_labels=col_labels,
        column_groups={c: g for c, (g, _) in groups.items()} if groups else None,
        dep_vars=facts["dep_var"] if show_dep_var else None,
        stub=stub,
        notes=standard_notes(
            labels, body=[*body_notes, *notes], simulated=simulated, provenance=provenance
        ),
        title=title,
    )


def _check_show(show: Sequence[Show], model_rows: Sequence[ModelRow] | None) -> None:
    for s in show:
        check_option(s, Show, "show")
    if "se" in show and "t" in show:
        raise ConfigError("show: 'se' and 't' both go in parentheses; choose one")
    for m in model_rows or ():
        check_option(m, ModelRow, "model_rows")


def _term_info(
    df: pd.DataFrame,
    labels: Labels,
    term_labels: Mapping[str, str] | None,
    classify_terms: bool,
) -> dict[str, Term]:
    """Label and kind of each term; an overridden label is never looked up and prints as a value."""
    term_labels = dict(term_labels or {})
    info = {
        t: Term(term_labels[t], "coef") if t in term_labels else labels.term(t)
        for t in dict.fromkeys(df["term"])
    }
    if not classify_terms:
        return {t: Term(i.label, "coef") for t, i in info.items()}
    if "stat" in df:  # rows typed by their estimator; untyped (NA) ones as the catalog says
        typed = df.dropna(subset=["stat"]).groupby("term", sort=False)["stat"].any()
        for t, is_stat in typed.items():
            info[t] = Term(info[t].label, "stat" if is_stat else "coef", info[t].format)
    return info


def _grid(
    df: pd.DataFrame,
    facts: Mapping[str, Mapping[str, object]],
    options: ReportOptions,
    decimals_by_column: Mapping[str, int] | None,
    dk_min_periods: int = DK_MIN_PERIODS,
) -> _Grid:
    columns = tuple(dict.fromkeys(df["column"]))
    few = frozenset(
        c for c, g in facts["n_clusters"].items() if g is not None and float(g) < FEW_CLUSTERS
    )
    return _Grid(
        columns=columns,
        cells={(r.column, r.term): r for r in df.itertuples(index=False)},
        dec=options.decimals,
        dec_col=dict(decimals_by_column or {}),
        stars=options.stars,
        few=few,
        wild=options.headline_wild,
        unstarred=frozenset(c for c in columns if _dk_flagged(facts, c, dk_min_periods)),
        dk_min_periods=dk_min_periods,
    )


def _controls_not_printed(
    facts: Mapping[str, Mapping[str, object]], printed: Sequence[str]
) -> tuple[dict[str, dict[str, object]], bool]:
    """The model facts with every term printed as a coefficient row taken out of the control
    sets (a variable is shown either as a coefficient or in the 是/否 control rows, never both),
    and whether any was."""
    out = {k: dict(v) for k, v in facts.items()}
    shown, stripped = set(printed), False
    for c, value in facts["controls"].items():
        names = _split_controls(value)
        if names and shown & set(names):
            out["controls"][c] = ",".join(n for n in names if n not in shown)
            stripped = True
    return out, stripped


def _body_rows(
    ordered: Sequence[str],
    info: Mapping[str, Term],
    grid: _Grid,
    labels: Labels,
    show: Sequence[Show],
    row_groups: Mapping[str, str] | None,
    group_totals: bool,
) -> tuple[list[Row], _Seen]:
    """Section rows, coefficient blocks and statistic rows, in the order of ``ordered``."""
    rows: list[Row] = []
    seen = _Seen()
    group: object = object()
    for term in ordered:
        if row_groups is not None and row_groups.get(term) != group:
            group = row_groups.get(term)
            if group is not None:
                rows.append(_section_row(labels, group, ordered, row_groups, grid, group_totals))
        if info[term].kind == "stat":
            stat_rows = _stat_rows(term, info[term], grid.columns, grid.cells, grid.dec)
            seen.ci |= info[term].format == "ci" or any(r.kind == "ci" for r in stat_rows)
            rows += stat_rows
        else:
            rows += _coefficient_block(term, info[term], grid, labels, show, seen)
    return rows, seen


def _coefficient_block(
    term: str, info: Term, grid: _Grid, labels: Labels, show: Sequence[Show], seen: _Seen
) -> list[Row]:
    """The estimate with stars, then the lines of ``show`` and the few-cluster p-values."""
    line = []
    for c in grid.columns:
        r = grid.get(c, term)
        if r is None:
            line.append(Cell())
            continue
        seen.p |= not _isna(r.p) or not _isna(r.p_star)
        line.append(
            num_cell(r.estimate, grid.decimals(c), stars_for(grid.star_p(c, r), grid.stars))
        )
    below = _below_rows(term, show, grid.columns, grid.cells, grid.dec)
    below += _wild_rows(term, grid, labels, show)
    seen.se |= any(r.kind == "se" for r in below)
    seen.ci |= any(r.kind == "ci" for r in below)
    seen.wild |= any(r.kind == "wild" for r in below)
    return [Row(info.label, tuple(line), "coef"), *below]


def _wild_rows(term: str, grid: _Grid, labels: Labels, show: Sequence[Show]) -> list[Row]:
    """Clustered p in brackets and wild cluster bootstrap p in braces, side by side.

    Printed in the columns that have few clusters (or every column with a wild p when
    ``report.headline_wild`` is on); the clustered p line is left out if ``show`` prints p.
    """
    picked = [
        grid.get(c, term) if grid.shows_wild(c, grid.get(c, term)) else None for c in grid.columns
    ]
    if not any(r is not None for r in picked):
        return []
    out = []
    if "p" not in show:
        clustered = tuple(
            Cell(f"[{fmt_number(float(r.p), grid.dec)}]")
            if r is not None and not _isna(r.p)
            else Cell()
            for r in picked
        )
        out.append(Row(labels.row("p_value"), clustered, "p"))
    wild = tuple(
        Cell("{" + fmt_number(float(r.wild_p), grid.dec) + "}") if r is not None else Cell()
        for r in picked
    )
    out.append(Row(labels.row("wild_p"), wild, "wild"))
    return out


def _wanted_model_rows(
    facts: Mapping[str, Mapping[str, object]],
    model_rows: Sequence[ModelRow] | None,
    drop: Sequence[ModelRow],
) -> list[ModelRow]:
    """Each model fact known for some column (or the rows asked for), minus ``drop``."""
    if model_rows is None:
        keys = {"r2_within": "r2_within", "inference": "cov"}
        wanted = [
            m for m in MODEL_ROWS if any(v is not None for v in facts[keys.get(m, m)].values())
        ]
    else:
        wanted = list(model_rows)
    return [m for m in wanted if m not in drop]


def _append_model_rows(
    rows: list[Row],
    wanted: Sequence[ModelRow],
    facts: Mapping[str, Mapping[str, object]],
    grid: _Grid,
    labels: Labels,
    options: ReportOptions,
) -> list[Row]:
    stats_start = len(rows)
    rows = rows + _model_rows(wanted, facts, grid, labels)
    if options.separate_stats and 0 < stats_start < len(rows):
        first = rows[stats_start]
        rows[stats_start] = Row(first.label, first.cells, first.kind, True)
    return rows


def _column_labels(
    columns: Sequence[str],
    labels: Labels,
    column_labels: Mapping[str, str] | None,
    group_sep: str | None,
) -> dict[str, str]:
    groups = _column_groups(list(columns), group_sep)
    shown = {c: (groups[c][1] if groups else c) for c in columns}
    given = dict(column_labels or {})
    return {c: given[c] if c in given else labels.column(shown[c]) for c in columns}


def _body_notes(
    rows: Sequence[Row],
    seen: _Seen,
    facts: Mapping[str, Mapping[str, object]],
    grid: _Grid,
    labels: Labels,
    options: ReportOptions,
    show: Sequence[Show],
    wanted: Sequence[ModelRow],
    col_labels: Mapping[str, str],
) -> list[str]:
    """Notes on what the cells hold: parentheses, brackets, braces, stars, flagged inference."""
    notes: list[str] = []
    covs = [v for v in dict.fromkeys(facts["cov"].values()) if v]
    kinds = {r.kind for r in rows}
    if seen.se:
        stat = "t" if "t" in show else "se"
        notes.append(inference_note(labels, covs, stat, by_row="inference" in wanted))
    if "p" in kinds:
        notes.append(labels.note("p"))
    if seen.ci or "ci" in kinds:
        notes.append(labels.note("ci"))
    if seen.p:
        notes.append(stars_note(labels, options.stars))
    notes += _few_cluster_notes(seen, facts, grid, labels, col_labels)
    notes += _driscoll_kraay_notes(facts, grid, labels, col_labels)
    if "controls" in wanted:
        notes += _controls_note(facts, grid.columns, labels)
    return notes


def _few_cluster_notes(
    seen: _Seen,
    facts: Mapping[str, Mapping[str, object]],
    grid: _Grid,
    labels: Labels,
    col_labels: Mapping[str, str],
) -> list[str]:
    out = []
    if grid.few:
        few = [c for c in grid.columns if c in grid.few]
        smallest = min(int(float(facts["n_clusters"][c])) for c in few)  # type: ignore[arg-type]
        key = "few_clusters" if seen.wild else "few_clusters_no_wild"
        out.append(
            labels.note(
                key,
                columns=_join(labels, [col_labels[c] for c in few]),
                threshold=FEW_CLUSTERS,
                smallest=smallest,
            )
        )
    elif seen.wild:
        out.append(labels.note("headline_wild"))
    return out


def _dk_flagged(
    facts: Mapping[str, Mapping[str, object]], column: str, dk_min_periods: int = DK_MIN_PERIODS
) -> bool:
    """Driscoll–Kraay on fewer than ``dk_min_periods`` periods."""
    cov, periods = facts["cov"].get(column), facts["n_periods"].get(column)
    return (
        cov is not None
        and str(cov).startswith("driscoll_kraay")
        and periods is not None
        and not _isna(periods)
        and float(periods) < dk_min_periods  # type: ignore[arg-type]
    )


def _driscoll_kraay_notes(
    facts: Mapping[str, Mapping[str, object]],
    grid: _Grid,
    labels: Labels,
    col_labels: Mapping[str, str],
) -> list[str]:
    flagged = [c for c in grid.columns if c in grid.unstarred]
    if not flagged:
        return []
    periods = min(int(float(facts["n_periods"][c])) for c in flagged)  # type: ignore[arg-type]
    return [
        labels.note(
            "dk_few_periods",
            columns=_join(labels, [col_labels[c] for c in flagged]),
            periods=periods,
            threshold=grid.dk_min_periods,
        )
    ]


def _controls_note(
    facts: Mapping[str, Mapping[str, object]], columns: Sequence[str], labels: Labels
) -> list[str]:
    """One sentence naming the controls when every column uses the same set (else rows list them)."""
    sets = _control_sets(facts, columns)
    distinct = {tuple(s) for s in sets.values()}
    if len(distinct) != 1:
        return []
    (names,) = distinct
    if not names:
        return []
    return [labels.note("controls_list", names=_join(labels, [labels.var(n) for n in names]))]


def _control_sets(
    facts: Mapping[str, Mapping[str, object]], columns: Sequence[str]
) -> dict[str, list[str]]:
    """Controls of each column whose model is known (statistic-only columns left out)."""
    out = {}
    for c in columns:
        names = _split_controls(facts["controls"][c])
        if names or facts["entity_fe"][c] is not None or facts["nobs"][c] is not None:
            out[c] = names
    return out


def _join(labels: Labels, items: Sequence[str]) -> str:
    return ("、" if labels.language != "en" else ", ").join(items)


def _split_controls(value: object) -> list[str]:
    if value is None or _isna(value):
        return []
    return [s.strip() for s in str(value).split(",") if s.strip()]


def _ordered_terms(
    df: pd.DataFrame,
    info: Mapping[str, Term],
    terms: Sequence[str] | None,
    options: ReportOptions,
    row_groups: Mapping[str, str] | None,
) -> list[str]:
    present = list(info)
    if terms is not None:
        ordered = [t for t in terms if t in info]
    else:
        controls = _control_names(df) if options.control_terms == "hide" else set()
        ordered = [t for t in present if info[t].kind == "coef" and t not in controls]
        ordered += [t for t in present if info[t].kind == "stat"]
    if row_groups is not None:
        # keep each group contiguous, groups in order of first appearance
        order = list(dict.fromkeys(row_groups.get(t) for t in ordered))
        ordered = sorted(ordered, key=lambda t: order.index(row_groups.get(t)))
    return ordered


def _control_names(df: pd.DataFrame) -> set[str]:
    names: set[str] = set()
    for v in df["controls"].dropna():
        names.update(_split_controls(v))
    return names


def _below_rows(
    term: str, show: Sequence[Show], columns: Sequence[str], cells: Mapping, dec: int
) -> list[Row]:
    out: list[Row] = []
    for what in show:
        line = [_below_cell(cells.get((c, term)), what, dec) for c in columns]
        if any(c.text for c in line):
            out.append(Row("", tuple(line), "se" if what in ("se", "t") else what))
    return out


def _below_cell(r: object | None, what: Show, dec: int) -> Cell:
    if r is None:
        return Cell()
    if what in ("se", "t"):
        v = getattr(r, what)
        return Cell(f"({fmt_number(float(v), dec)})") if not _isna(v) else Cell()
    if what == "p":
        return Cell(f"[{fmt_number(float(r.p), dec)}]") if not _isna(r.p) else Cell()
    return Cell(ci_text(r.ci_low, r.ci_high, dec))


def _stat_rows(
    term: str, info: Term, columns: Sequence[str], cells: Mapping, dec: int
) -> list[Row]:
    """A statistic: its value (int, decimal or CI), then its CI and p beneath if given."""
    main, ci_line, p_line = [], [], []
    for c in columns:
        r = cells.get((c, term))
        if r is None:
            main.append(Cell())
            ci_line.append(Cell())
            p_line.append(Cell())
            continue
        ci = ci_text(r.ci_low, r.ci_high, dec)
        if info.format == "ci" or (_isna(r.estimate) and ci):
            main.append(Cell(ci))
            ci_line.append(Cell())
        elif _isna(r.estimate) and not ci:
            main.append(Cell("—"))  # a statistic that was not computable or is withheld
            ci_line.append(Cell())
        else:
            main.append(int_cell(r.estimate) if info.format == "int" else num_cell(r.estimate, dec))
            ci_line.append(Cell(ci))
        p_line.append(Cell(f"[{fmt_number(float(r.p), dec)}]") if not _isna(r.p) else Cell())
    rows = [Row(info.label, tuple(main), "stat")]
    if any(c.text for c in ci_line):
        rows.append(Row("", tuple(ci_line), "ci"))
    if any(c.text for c in p_line):
        rows.append(Row("", tuple(p_line), "p"))
    return rows


def _section_row(
    labels: Labels,
    group: object,
    ordered: Sequence[str],
    row_groups: Mapping[str, str],
    grid: _Grid,
    totals: bool,
) -> Row:
    found = labels.find(group, ("subsystems", "regions", "variables", "columns"))
    label = found if found is not None else labels.unknown(group, "group")
    line = []
    for c in grid.columns:
        members = [grid.get(c, t) for t in ordered if row_groups.get(t) == group]
        vals = [r.estimate for r in members if r is not None and not _isna(r.estimate)]
        line.append(num_cell(math.fsum(vals), grid.decimals(c)) if totals and vals else Cell())
    return Row(label, tuple(line), "section")


_FACTS = (
    "nobs",
    "r2_within",
    "entity_fe",
    "time_fe",
    "controls",
    "cov",
    "dep_var",
    "n_clusters",
    "n_periods",
)


def _model_facts(df: pd.DataFrame, columns: Sequence[str]) -> dict[str, dict[str, object]]:
    """Model-level facts per column: the first non-NA value of each fact column."""
    facts: dict[str, dict[str, object]] = {}
    for fact in _FACTS:
        per_col = {}
        for c in columns:
            vals = df.loc[df["column"] == c, fact].dropna()
            per_col[c] = vals.iloc[0] if len(vals) else None
        facts[fact] = per_col
    return facts


def _model_rows(
    wanted: Sequence[ModelRow],
    facts: Mapping[str, Mapping[str, object]],
    grid: _Grid,
    labels: Labels,
) -> list[Row]:
    columns, dec = grid.columns, grid.dec
    builders = {
        "nobs": lambda: [Row(labels.var("nobs"), _ints(facts["nobs"], columns), "model")],
        "r2_within": lambda: _r2_rows(facts, columns, labels, dec),
        "entity_fe": lambda: [_fe_row("entity_fe", facts, columns, labels)],
        "time_fe": lambda: [_fe_row("time_fe", facts, columns, labels)],
        "controls": lambda: _controls_rows(facts, columns, labels),
        "n_clusters": lambda: [
            Row(labels.var("n_clusters"), _ints(facts["n_clusters"], columns), "model")
        ],
        "inference": lambda: [_inference_row(facts, grid, labels)],
    }
    return [row for m in wanted for row in builders[m]()]


def _ints(values: Mapping[str, object], columns: Sequence[str]) -> tuple[Cell, ...]:
    return tuple(int_cell(values[c]) for c in columns)


def _pooled(facts: Mapping[str, Mapping[str, object]], column: str) -> bool:
    """A column known to have neither entity nor time effects (pooled OLS)."""
    ent, tim = facts["entity_fe"][column], facts["time_fe"][column]
    return ent is not None and tim is not None and not bool(ent) and not bool(tim)


def _r2_rows(
    facts: Mapping[str, Mapping[str, object]], columns: Sequence[str], labels: Labels, dec: int
) -> list[Row]:
    """Within R² for fixed-effects columns and R² for pooled ones, each on its own row."""
    r2 = facts["r2_within"]
    pooled = {c for c in columns if _pooled(facts, c)}
    out = []
    for key, keep in (("r2_within", lambda c: c not in pooled), ("r2", lambda c: c in pooled)):
        cells = tuple(num_cell(r2[c], dec) if keep(c) else Cell() for c in columns)
        if any(c.text for c in cells):
            out.append(Row(labels.var(key), cells, "model"))
    return out


def _fe_row(
    key: str, facts: Mapping[str, Mapping[str, object]], columns: Sequence[str], labels: Labels
) -> Row:
    yes, no = labels.row("yes"), labels.row("no")
    vals = [facts[key][c] for c in columns]
    return Row(
        labels.row(key),
        tuple(Cell("" if v is None else (yes if bool(v) else no)) for v in vals),
        "indicator",
    )


def _controls_rows(
    facts: Mapping[str, Mapping[str, object]], columns: Sequence[str], labels: Labels
) -> list[Row]:
    """One 是/否 row when every column has the same controls (named in a note), else one per control.

    NA controls mean "none" for a column whose model facts are known, else "unknown" (blank).
    """
    yes, no = labels.row("yes"), labels.row("no")
    sets = _control_sets(facts, columns)
    if len({tuple(s) for s in sets.values()}) <= 1:
        cells = tuple(Cell(yes if sets.get(c) else (no if c in sets else "")) for c in columns)
        return [Row(labels.row("controls"), cells, "indicator")]
    names = list(dict.fromkeys(n for c in columns for n in sets.get(c, [])))
    return [
        Row(
            labels.template("control_row", n),
            tuple(Cell(yes if n in sets[c] else no) if c in sets else Cell() for c in columns),
            "indicator",
        )
        for n in names
    ]


def _inference_row(facts: Mapping[str, Mapping[str, object]], grid: _Grid, labels: Labels) -> Row:
    """The inference method of each column; Driscoll–Kraay on too few periods gets a dagger."""
    cells = []
    for c in grid.columns:
        cov = facts["cov"][c]
        text = labels.column(cov) if cov else ""
        cells.append(Cell(text + ("†" if c in grid.unstarred else "")))
    return Row(labels.row("inference"), tuple(cells), "indicator")


def _column_groups(columns: Sequence[str], sep: str | None) -> dict[str, tuple[str, str]] | None:
    if not sep or not any(sep in c for c in columns):
        return None
    return {c: tuple(c.split(sep, 1)) if sep in c else ("", c) for c in columns}  # type: ignore[misc]
