"""Publication figures (matplotlib), Chinese-capable and byte-reproducible.

At import the Simplified-Chinese Noto fonts shipped by the PyPI package
``pylopdf-fonts-zh-cn`` (Noto Sans SC / Noto Serif SC, SIL OFL 1.1) are
registered with matplotlib's font manager, so figures never depend on fonts
installed on the machine. Figures are built on :class:`matplotlib.figure.Figure`
(no pyplot state) inside :func:`figure_rc`; :func:`save_figure` is the only
function here that writes files: PNG without the ``Software`` stamp and PDF
without ``CreationDate``, so equal inputs give equal bytes.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from imtfp.errors import ConfigError, ReportError
from imtfp.options import check_option
from imtfp.report.labels import Labels
from imtfp.report.options import FigureFormat, FontKey, ReportOptions
from imtfp.report.table import fmt_number, stars_for

FONT_FAMILIES: Mapping[str, str] = {
    "noto_serif_sc": "Noto Serif SC",
    "noto_sans_sc": "Noto Sans SC",
}
FONT_PACKAGE = "pylopdf-fonts-zh-cn"


def _font_files() -> dict[str, pathlib.Path]:
    try:
        import pylopdf_fonts_zh_cn as fonts
    except ImportError:  # the dependency is declared; say what is missing, do not crash at import
        return {}
    return {"noto_serif_sc": fonts.serif_path(), "noto_sans_sc": fonts.sans_path()}


def register_fonts() -> dict[str, pathlib.Path]:
    """Add the packaged CJK fonts to matplotlib's font manager; returns key → file."""
    files = _font_files()
    for path in files.values():
        font_manager.fontManager.addfont(str(path))
    return files


FONT_FILES = register_fonts()


def font_path(font: FontKey) -> pathlib.Path:
    """The font file of a configured font key; RuntimeError if the font package is missing."""
    check_option(font, FontKey, "font")
    if font not in FONT_FILES:
        raise RuntimeError(
            f"CJK font {font!r} unavailable: install the PyPI package {FONT_PACKAGE}"
        )
    return FONT_FILES[font]


def rc_params(options: ReportOptions) -> dict[str, object]:
    """matplotlib settings of every figure: the CJK font first, DejaVu Sans as glyph fallback."""
    font_path(options.font)
    return {
        "font.family": [FONT_FAMILIES[options.font], "DejaVu Sans"],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "axes.unicode_minus": True,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "figure.dpi": 100,
        "savefig.dpi": options.dpi,
        "pdf.compression": 6,
        "svg.hashsalt": "imtfp",
    }


@contextmanager
def figure_rc(options: ReportOptions) -> Iterator[None]:
    """Context in which figures are built and saved.

    Font names are explicit, so drawing later needs no look-up of generic families.
    """
    with matplotlib.rc_context(rc_params(options)):
        yield


def _setup(options: ReportOptions | None, labels: Labels | None) -> tuple[ReportOptions, Labels]:
    options = options or ReportOptions()
    return options, labels or Labels(options.language)


def footnote(fig: Figure, labels: Labels, key: str = "simulated") -> None:
    """A grey note at the bottom right, in the space the layout engine reserves for it.

    The note is the figure's ``supxlabel`` without a ``y``: constrained layout then sets aside
    a bottom margin of its height and places it there, below every axis label and legend
    (a plain ``fig.text`` is outside the layout and lands on the x-axis title).
    """
    fig.supxlabel(
        labels.note(key), x=0.99, ha="right", fontsize=6, color="0.4", multialignment="right"
    )


def _finish(fig: Figure, labels: Labels, key: str, simulated: bool, title: bool) -> Figure:
    if title:
        fig.suptitle(labels.title(key))
    if simulated:
        footnote(fig, labels)
    return fig


def _region_rank(labels: Labels) -> Callable[[object], int]:
    """Position of a region in the catalog order; regions not in the catalog come last."""
    known = list(labels.catalog.get("regions", {}))
    return lambda r: known.index(r) if r in known else len(known)


# -- figures -------------------------------------------------------------------


def coupling_heatmap(
    coupling: pd.DataFrame,
    *,
    value: str = "D",
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    annotate: bool = False,
    simulated: bool = False,
    title: bool = True,
) -> Figure:
    """Heat map of the coupling coordination degree, provinces (rows) × years.

    Provinces are ordered by region (catalog order) and, within a region, by
    mean D descending; colours span [0, 1], the range of D.
    """
    options, labels = _setup(options, labels)
    with figure_rc(options):
        grid = coupling.pivot_table(index="province", columns="year", values=value, aggfunc="mean")
        order = grid.mean(axis=1)
        if "region" in coupling:
            region_rank = _region_rank(labels)
            region = coupling.drop_duplicates("province").set_index("province")["region"]
            rank = {p: region_rank(region[p]) for p in grid.index}
        else:
            rank = {p: 0 for p in grid.index}
        provinces = sorted(grid.index, key=lambda p: (rank[p], -order[p], str(p)))
        grid = grid.loc[provinces]
        fig = Figure(figsize=(6.5, 0.2 * len(provinces) + 1.6), layout="constrained")
        ax = fig.add_subplot()
        im = ax.imshow(grid.to_numpy(float), aspect="auto", cmap="YlGnBu", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(grid.shape[1]), [str(y) for y in grid.columns], rotation=45, ha="right")
        ax.set_yticks(range(grid.shape[0]), [str(p) for p in grid.index])
        ax.set_xlabel(labels.row("year"))
        ax.set_ylabel(labels.row("province"))
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        if annotate:
            for (i, j), d in np.ndenumerate(grid.to_numpy(float)):
                if np.isfinite(d):
                    ax.text(
                        j,
                        i,
                        fmt_number(d, 2),
                        ha="center",
                        va="center",
                        fontsize=5,
                        color="white" if d > 0.6 else "black",
                    )
        fig.colorbar(im, ax=ax, label=labels.var(value), shrink=0.8)
        return _finish(fig, labels, "coupling_heatmap", simulated, title)


def index_density(
    index: pd.DataFrame,
    *,
    value: str = "im_index",
    years: Sequence[int] | None = None,
    support: tuple[float, float] | None = (0.0, 1.0),
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    grid_points: int = 256,
    simulated: bool = False,
    title: bool = True,
) -> Figure:
    """Kernel densities of an index across provinces, one curve per year, inside its support.

    A composite index lies in its rescale interval ``[lo, hi] ⊂ [0, 1]``, so a plain Gaussian
    kernel density would put mass below ``lo`` (and above ``hi``). ``support=(a, b)`` draws the
    reflection estimator of :func:`reflected_kde` on ``[a, b]`` only; ``support=None`` draws the
    plain estimator on the data's range ± 10 %. Default years: up to four, evenly spaced from
    first to last. Values outside ``support`` raise :class:`~imtfp.errors.ConfigError`.
    """
    options, labels = _setup(options, labels)
    all_years = sorted(index["year"].dropna().unique().tolist())
    if years is None:
        pick = np.unique(
            np.linspace(0, len(all_years) - 1, min(4, len(all_years))).round().astype(int)
        )
        years = [all_years[k] for k in pick]
    x = index[value].dropna().to_numpy(float)
    grid = _density_grid(x, support, grid_points, value)
    with figure_rc(options):
        fig = Figure(figsize=(5.5, 3.6), layout="constrained")
        ax = fig.add_subplot()
        styles = ["-", "--", "-.", ":"]
        for k, year in enumerate(years):
            xs = index.loc[index["year"] == year, value].dropna().to_numpy(float)
            if xs.size < 2 or np.ptp(xs) == 0:
                continue  # a density needs spread
            ax.plot(
                grid,
                reflected_kde(xs, grid, support),
                styles[k % 4],
                color=f"C{k}",
                label=str(year),
            )
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(bottom=0.0)
        ax.set_xlabel(labels.var(value))
        ax.set_ylabel(labels.row("density"))
        ax.legend(title=labels.row("year"), loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return _finish(fig, labels, "index_density", simulated, title)


def _density_grid(
    x: np.ndarray, support: tuple[float, float] | None, points: int, value: str
) -> np.ndarray:
    """Evaluation points: the support's part around the data, else the data's range ± 10 %."""
    pad = 0.1 * (x.max() - x.min() or 1.0)
    if support is None:
        return np.linspace(x.min() - pad, x.max() + pad, points)
    lo, hi = (float(v) for v in support)
    if not lo < hi:
        raise ConfigError(f"index_density: support={support!r} must satisfy lo < hi")
    if x.min() < lo or x.max() > hi:
        raise ConfigError(
            f"index_density: {value} spans [{x.min():g}, {x.max():g}], outside the support "
            f"[{lo:g}, {hi:g}]"
        )
    return np.linspace(max(lo, x.min() - pad), min(hi, x.max() + pad), points)


def reflected_kde(
    xs: np.ndarray, grid: np.ndarray, support: tuple[float, float] | None
) -> np.ndarray:
    r"""Gaussian kernel density with reflection at the support's bounds (Silverman 1986, §2.10).

    .. math::
        \hat f(x) = \frac{1}{nh}\sum_i \left[\varphi\Big(\frac{x - x_i}{h}\Big)
        + \varphi\Big(\frac{x - (2a - x_i)}{h}\Big)
        + \varphi\Big(\frac{x - (2b - x_i)}{h}\Big)\right], \quad a \le x \le b,

    with Scott's bandwidth h (:class:`scipy.stats.gaussian_kde`); the mass a plain estimator
    puts beyond a bound is folded back inside, so the density integrates to 1 on [a, b] (up
    to the mass reflected beyond the opposite bound, ~0 when h ≪ b − a) and is 0 outside.
    ``support=None`` gives the plain estimator.
    """
    from scipy.stats import gaussian_kde  # lazy: only the density figure needs scipy.stats

    kde = gaussian_kde(xs)
    if support is None:
        return kde(grid)
    lo, hi = support
    inside = (grid >= lo) & (grid <= hi)
    return np.where(inside, kde(grid) + kde(2 * lo - grid) + kde(2 * hi - grid), 0.0)


def tfp_by_region(
    frame: pd.DataFrame,
    *,
    value: str = "tfp",
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    simulated: bool = False,
    title: bool = True,
) -> Figure:
    """Mean of ``value`` by region and year (lines), with the national mean dashed."""
    options, labels = _setup(options, labels)
    means = frame.groupby(["region", "year"])[value].mean().unstack("region")
    national = frame.groupby("year")[value].mean()
    region_rank = _region_rank(labels)
    regions = sorted(means.columns, key=lambda r: (region_rank(r), str(r)))
    with figure_rc(options):
        fig = Figure(figsize=(5.5, 3.6), layout="constrained")
        ax = fig.add_subplot()
        markers = "osD^v<>"
        for k, r in enumerate(regions):
            ax.plot(
                means.index,
                means[r],
                marker=markers[k % 7],
                ms=3,
                color=f"C{k}",
                label=labels.region(r),
            )
        ax.plot(national.index, national, "--", color="0.3", label=labels.region("national"))
        ax.set_xlabel(labels.row("year"))
        ax.set_ylabel(labels.var(value))
        ax.xaxis.get_major_locator().set_params(integer=True)
        # outside the axes, to the right: in no language does it cover a line or leave the figure
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
        return _finish(fig, labels, "tfp_by_region", simulated, title)


def _ci(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """CI bounds: ci_low/ci_high where given, else estimate ± 1.96·se."""
    est = rows["estimate"].to_numpy(float)

    def numeric(col: str) -> np.ndarray:
        values = rows.get(col, pd.Series(np.nan, index=rows.index))
        return pd.to_numeric(values, errors="coerce").to_numpy(float)

    se, lo, hi = numeric("se"), numeric("ci_low"), numeric("ci_high")
    lo = np.where(np.isfinite(lo), lo, est - 1.96 * se)
    hi = np.where(np.isfinite(hi), hi, est + 1.96 * se)
    return lo, hi


def heterogeneity_coef_plot(
    tidy: pd.DataFrame,
    *,
    term: str = "im_index",
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    simulated: bool = False,
    title: bool = True,
) -> Figure:
    """Coefficient of ``term`` in each group (tidy ``column``) with its 95% CI."""
    options, labels = _setup(options, labels)
    rows = tidy[tidy["term"].astype(str) == term]
    if rows.empty:
        raise ReportError(f"no rows with term {term!r} to plot")
    lo, hi = _ci(rows)
    est = rows["estimate"].to_numpy(float)
    with figure_rc(options):
        width = 5.0
        fig = Figure(figsize=(width, 0.45 * len(rows) + 1.4), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(rows))[::-1]
        ax.hlines(y, lo, hi, color="0.2", lw=1.2)
        ax.plot(est, y, "o", color="C0", ms=5)
        ax.axvline(0.0, color="0.5", lw=0.8, ls="--")
        ax.set_yticks(y, [labels.column(c) for c in rows["column"].astype(str)])
        var, ci = labels.var(term), labels.row("ci95")
        ax.set_xlabel(f"{var}（{ci}）" if labels.language == "zh" else f"{var} ({ci})")
        return _finish(fig, labels, "heterogeneity_coef", simulated, title)


def mediation_path(
    tidy: pd.DataFrame,
    *,
    channel: str,
    x: str = "im_index",
    y: str = "tfp",
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    simulated: bool = False,
    title: bool = True,
) -> Figure:
    """Path diagram X → M → Y with a, b, c′ (stars from p), total c and indirect a·b.

    Reads the mediation rows of one channel (tidy ``column == channel``, or
    ``channel:…``) with terms ``c_total`` (or ``total``), ``a``, ``b``,
    ``c_prime``, ``indirect`` and optionally ``boot_ci``. The indirect effect
    follows the table's rules (:func:`imtfp.report.builders.mediation_for_table`):
    its stars come from the bootstrap percentile interval, printed beside it.
    The summary lines are stacked, so nothing overlaps in either language. A
    ``two_step`` channel (no b, c′) says so instead of printing dashes.
    """
    from imtfp.report.builders import mediation_for_table

    options, labels = _setup(options, labels)
    col = tidy["column"].astype(str)
    rows, _ = mediation_for_table(tidy[(col == channel) | col.str.startswith(channel + ":")])
    by_term = {str(r.term): r for r in rows.itertuples(index=False)}
    for alias, term in (("total", "c_total"), ("c_total", "total")):
        by_term.setdefault(alias, by_term.get(term))
    dec = options.decimals

    def coef(term: str) -> str:
        r = by_term.get(term)
        if r is None or pd.isna(r.estimate):
            return "—"
        p = r.p_star if pd.notna(getattr(r, "p_star", np.nan)) else getattr(r, "p", np.nan)
        return fmt_number(float(r.estimate), dec) + stars_for(p, options.stars)

    with figure_rc(options):
        fig = Figure(figsize=(6.4, 4.2), layout="constrained")
        ax = fig.add_subplot()
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 7)
        ax.axis("off")
        boxes = _path_boxes(
            ax, {"x": (1.7, 3.0, x), "m": (5.0, 5.9, channel), "y": (8.3, 3.0, y)}, labels
        )
        for a, b in (("x", "m"), ("m", "y"), ("x", "y")):
            _path_arrow(ax, boxes[a], boxes[b])
        ax.text(2.7, 4.75, f"a = {coef('a')}", ha="right", va="center", fontsize=8)
        ax.text(7.3, 4.75, f"b = {coef('b')}", ha="left", va="center", fontsize=8)
        ax.text(5.0, 2.65, f"c′ = {coef('c_prime')}", ha="center", va="top", fontsize=8)
        lines = _path_summary(by_term, labels, coef, dec)
        ax.text(
            5.0, 0.45, "\n".join(lines), ha="center", va="bottom", fontsize=7.5, linespacing=1.5
        )
        return _finish(fig, labels, "mediation_path", simulated, title)


def _path_boxes(ax, places: Mapping[str, tuple[float, float, str]], labels: Labels) -> dict:
    """The three boxes."""
    out = {}
    for key, (bx, by, name) in places.items():
        text = labels.var(name)
        out[key] = ax.text(
            bx,
            by,
            text,
            ha="center",
            va="center",
            fontsize=8.5,
            wrap=True,
            multialignment="center",
            bbox={"boxstyle": "round,pad=0.45", "fc": "white", "ec": "0.2"},
        )
    return out


def _path_arrow(ax, start, end) -> None:
    """An arrow between two boxes' outlines (patchA/patchB clip it)."""
    arrow = {
        "arrowstyle": "-|>",
        "color": "0.2",
        "lw": 1.0,
        "shrinkA": 2,
        "shrinkB": 2,
        "patchA": start.get_bbox_patch(),
        "patchB": end.get_bbox_patch(),
    }
    ax.annotate("", xy=end.get_position(), xytext=start.get_position(), arrowprops=arrow)


def _path_summary(
    by_term: Mapping, labels: Labels, coef: Callable[[str], str], dec: int
) -> list[str]:
    """Lines beneath the diagram: total effect, indirect effect with its bootstrap interval."""
    if by_term.get("b") is None and by_term.get("indirect") is None:
        total = (
            [f"{labels.var('c_total')} = {coef('c_total')}"]
            if by_term.get("c_total") is not None
            else []
        )
        return [*total, labels.note("mediation_two_step")]
    lines = [
        f"{labels.var('c_total')} = {coef('c_total')}",
        f"{labels.var('indirect')} = {coef('indirect')}",
    ]
    ci = by_term.get("boot_ci") or by_term.get("indirect")
    if ci is not None and pd.notna(getattr(ci, "ci_low", np.nan)):
        lines.append(
            f"{labels.var('indirect_ci')}: [{fmt_number(float(ci.ci_low), dec)}, "
            f"{fmt_number(float(ci.ci_high), dec)}]"
        )
    return lines


def specification_curve(
    specs: pd.DataFrame,
    *,
    choices: Sequence[str],
    baseline: float | None = None,
    options: ReportOptions | None = None,
    labels: Labels | None = None,
    simulated: bool = False,
    title: bool = True,
    max_bars: int = 120,
) -> Figure:
    """Specification curve (Simonsohn, Simmons & Nelson 2020), legible at any number of specs.

    Top: the estimates sorted ascending against their rank, coloured by significance at 5 %
    (``p < 0.05`` from the ``p`` column where given, else the 95 % CI excluding 0), with
    their CIs: one bar per specification up to ``max_bars`` specifications, beyond that a
    shaded band through the sorted CI bounds (thousands of bars merge into a solid block).
    Below: one row per choice and option, marking (in the estimate's colour) the
    specifications that use it, as bars over runs of consecutive ranks (exact at any
    density). Grey rules separate the choices.
    """
    options, labels = _setup(options, labels)
    missing = [c for c in ("estimate", "ci_low", "ci_high", *choices) if c not in specs]
    if missing:
        raise ReportError(f"specification frame lacks columns {missing}")
    s = specs.sort_values("estimate", kind="mergesort").reset_index(drop=True)
    sig = _significant(s)
    pairs = [(c, o) for c in choices for o in dict.fromkeys(s[c].astype(str))]
    with figure_rc(options):
        fig = Figure(figsize=(7.0, 3.0 + 0.18 * len(pairs)), layout="constrained")
        top, bottom = fig.subplots(
            2, 1, sharex=True, height_ratios=[3.0, max(1.0, 0.18 * len(pairs))]
        )
        _spec_estimates(top, s, sig, baseline, labels, max_bars=max_bars)
        _spec_indicators(bottom, s, sig, pairs, choices, labels)
        top.set_xlim(-0.5, len(s) - 0.5)
        bottom.set_xlabel(labels.row("specification"))
        return _finish(fig, labels, "specification_curve", simulated, title)


SPEC_COLOURS = {"sig": "C0", "insig": "C1", "band": "0.82"}  # blue/orange: colour-blind safe


def _significant(s: pd.DataFrame) -> np.ndarray:
    """p < 0.05 where the frame has p, else the 95 % CI excludes 0."""
    lo, hi = s["ci_low"].to_numpy(float), s["ci_high"].to_numpy(float)
    by_ci = (lo > 0) | (hi < 0)
    if "p" not in s:
        return by_ci
    p = pd.to_numeric(s["p"], errors="coerce").to_numpy(float)
    return np.where(np.isfinite(p), p < 0.05, by_ci)


def _spec_estimates(ax, s, sig, baseline, labels: Labels, *, max_bars: int) -> None:
    """Sorted estimates (coloured by significance) with CI bars, or a CI band when many."""
    xs = np.arange(len(s))
    est = s["estimate"].to_numpy(float)
    lo, hi = s["ci_low"].to_numpy(float), s["ci_high"].to_numpy(float)
    colours = np.where(sig, SPEC_COLOURS["sig"], SPEC_COLOURS["insig"])
    ci = labels.row("ci95")
    if len(s) <= max_bars:
        ax.vlines(xs, lo, hi, colors=colours, lw=0.7, label=ci)
        size = 8.0
    else:
        ax.fill_between(xs, lo, hi, step="mid", color=SPEC_COLOURS["band"], lw=0, label=ci)
        size = 2.0
    for flag, name in ((True, "p < 0.05"), (False, "p ≥ 0.05")):
        if (sig == flag).any():
            ax.scatter(xs[sig == flag], est[sig == flag], color=colours[sig == flag][0], s=size,
                       lw=0, zorder=3, label=name)  # fmt: skip
    ax.axhline(0.0, color="0.4", lw=0.8, ls="--")
    if baseline is not None:
        ax.axhline(baseline, color="C3", lw=0.8, label=labels.column("baseline"))
    ax.set_ylabel(labels.row("estimate"))
    ax.legend(loc="upper left", fontsize=7, markerscale=2.0 if size < 4 else 1.0)


def _spec_indicators(ax, s, sig, pairs, choices, labels: Labels) -> None:
    """Rows choice × option; where the specification uses the option, a bar of its colour.

    Consecutive specifications with the same mark are drawn as one rectangle (runs), so
    the panel holds a few hundred rectangles rather than one tick per specification.
    """
    for k, (c, o) in enumerate(pairs):
        used = s[c].astype(str).to_numpy() == o
        for flag, colour in ((True, SPEC_COLOURS["sig"]), (False, SPEC_COLOURS["insig"])):
            runs = _runs(used & (sig == flag))
            if runs:
                ax.broken_barh(runs, (k - 0.38, 0.76), facecolors=colour, lw=0)
    ax.set_yticks(range(len(pairs)), [f"{labels.column(c)}: {labels.column(o)}" for c, o in pairs])
    ax.set_ylim(len(pairs) - 0.5, -0.5)
    bounds = np.cumsum([sum(1 for c, _ in pairs if c == ch) for ch in choices])[:-1]
    for b in bounds:
        ax.axhline(b - 0.5, color="0.75", lw=0.6)
    ax.tick_params(axis="y", labelsize=7, length=0)
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)


def _runs(mask: np.ndarray) -> list[tuple[float, float]]:
    """(start − 0.5, length) of each run of True in ``mask``: a bar spanning those ranks."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(a - 0.5, float(b - a)) for a, b in zip(starts.tolist(), stops.tolist(), strict=True)]


# -- saving -------------------------------------------------------------------------


def save_figure(
    fig: Figure,
    stem: pathlib.Path,
    formats: Sequence[FigureFormat] = ("png", "pdf"),
    *,
    options: ReportOptions | None = None,
) -> list[pathlib.Path]:
    """Write ``stem.png`` / ``stem.pdf`` reproducibly (no time or software stamps)."""
    options = options or ReportOptions()
    for fmt in formats:
        check_option(fmt, FigureFormat, "figure formats")
    stem = pathlib.Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with figure_rc(options):
        for fmt in formats:
            path = stem.with_name(stem.name + "." + fmt)
            meta = {"Software": None} if fmt == "png" else {"CreationDate": None, "ModDate": None}
            fig.savefig(path, format=fmt, dpi=options.dpi, metadata=meta)
            written.append(path)
    return written
