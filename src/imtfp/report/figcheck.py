"""Layout check of a figure's text: no two texts overlap, no text leaves the figure.

The figure is drawn once with the Agg renderer, and every text the renderer is asked to draw
is recorded (titles, axis labels, the tick labels actually drawn, legend texts, colour-bar
labels, footnotes, annotations). Recording at the renderer, rather than walking the artist
tree, keeps exactly what reaches the page: invisible or empty texts and tick labels outside
the view limits are never drawn, so they are never reported. Each text's box is its window
extent, joined with its background patch (the boxes of the mediation diagram) when it has one.

Two boxes *overlap* when they intersect or come closer than ``clearance_pt`` (1 pt) both
ways; a text is *clipped* when its box extends beyond the figure (or beyond the axes, for a text drawn
with ``clip_on``) by more than half a pixel. Boxes are
axis-aligned, so a rotated text is checked by its enclosing rectangle (conservative: crowded
rotated tick labels are reported even when the glyphs themselves would just miss).

matplotlib's own ``tight_layout``/``constrained_layout`` place axes around their decorations
but do not check that free texts (``fig.text``) or crowded tick labels stay apart; this module
is that check.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from imtfp.report.figures import figure_rc
from imtfp.report.options import ReportOptions

ProblemKind = Literal["overlap", "clipped"]


@dataclasses.dataclass(frozen=True)
class DrawnText:
    """A text as drawn: its role (``x tick``, ``legend``, ``footnote`` …), string, box (px)
    and the region it is clipped to (px; ``None`` when it is not clipped)."""

    role: str
    text: str
    bbox: Bbox
    clip: Bbox | None = None


@dataclasses.dataclass(frozen=True)
class LayoutProblem:
    """Two texts that overlap, or one text that extends beyond the figure."""

    kind: ProblemKind
    texts: tuple[DrawnText, ...]

    def __str__(self) -> str:
        names = " / ".join(f"{t.role} {t.text!r}" for t in self.texts)
        return f"{self.kind}: {names}"


def drawn_texts(
    fig: Figure, *, dpi: float | None = None, options: ReportOptions | None = None
) -> list[DrawnText]:
    """Every text the Agg renderer draws for ``fig``, in drawing order, with its role and box.

    Draws the figure (which runs its layout engine) at ``dpi`` (default ``fig.dpi``; the
    figure's own dpi is restored afterwards) inside :func:`imtfp.report.figures.figure_rc`,
    so tick labels created at draw time get the report's fonts.
    """
    saved_dpi = fig.dpi
    canvas = FigureCanvasAgg(fig)
    try:
        fig.dpi = dpi or saved_dpi
        renderer = canvas.get_renderer()
        with figure_rc(options or ReportOptions()), _recording_texts(renderer) as seen:
            renderer.clear()
            fig.draw(renderer)
        roles = dict(_roles(fig))  # after drawing: tick labels are created while drawing
        out = []
        for artist in seen.values():
            box = artist.get_window_extent(renderer)
            patch = artist.get_bbox_patch()
            if patch is not None:
                box = Bbox.union([box, patch.get_window_extent(renderer)])
            out.append(
                DrawnText(roles.get(id(artist), "text"), artist.get_text(), box, _clip(artist))
            )
        return out
    finally:
        fig.dpi = saved_dpi


@contextmanager
def _recording_texts(renderer) -> Iterator[dict[int, Text]]:
    """Collect the Text artists that put glyphs on ``renderer`` while the context is open.

    ``Text.draw`` is wrapped for the duration (a multi-line text calls ``draw_text`` once per
    line without naming itself, so the renderer alone cannot say whose glyphs they are): the
    wrapper marks the text being drawn, and the renderer's ``draw_text`` records it when it
    is actually asked to draw glyphs (an empty, invisible or off-axis text draws none).
    """
    seen: dict[int, Text] = {}
    current: list[Text] = []
    text_draw, draw_text = Text.draw, renderer.draw_text

    def draw(self, r, *args, **kwargs):
        current.append(self)
        try:
            return text_draw(self, r, *args, **kwargs)
        finally:
            current.pop()

    def record(*args, **kwargs):
        if current:
            seen.setdefault(id(current[-1]), current[-1])
        return draw_text(*args, **kwargs)

    Text.draw, renderer.draw_text = draw, record
    try:
        yield seen
    finally:
        Text.draw = text_draw
        del renderer.draw_text


def text_layout_problems(
    fig: Figure,
    *,
    clearance_pt: float = 1.0,
    dpi: float | None = None,
    options: ReportOptions | None = None,
) -> list[LayoutProblem]:
    """Pairs of drawn texts that overlap or nearly touch, and texts extending beyond the figure.

    With ``c = clearance_pt · dpi / 72`` pixels, a pair (a, b) is reported when
    ``min(a.x1, b.x1) − max(a.x0, b.x0) > −c`` and ``min(a.y1, b.y1) − max(a.y0, b.y0) > −c``
    (the boxes overlap, or come closer than the clearance both ways: a footnote run into an
    axis label reads as one line); a text is clipped when its box leaves the figure
    ``[0, W] × [0, H]``, or the region it is clipped to (an axes, for a text drawn with
    ``clip_on=True``), by more than half a pixel.
    """
    texts = drawn_texts(fig, dpi=dpi, options=options)
    scale = (dpi or fig.dpi) / 72.0
    page = Bbox.from_bounds(0, 0, *(fig.get_size_inches() * (dpi or fig.dpi)))
    problems = []
    for t in texts:
        area = page if t.clip is None else Bbox.intersection(page, t.clip)
        b = t.bbox
        if area is None or (
            b.x0 < area.x0 - 0.5
            or b.y0 < area.y0 - 0.5
            or b.x1 > area.x1 + 0.5
            or b.y1 > area.y1 + 0.5
        ):
            problems.append(LayoutProblem("clipped", (t,)))
    boxes = np.array([t.bbox.extents for t in texts]).reshape(-1, 4)
    for i, j in _overlapping_pairs(boxes, -clearance_pt * scale):
        problems.append(LayoutProblem("overlap", (texts[i], texts[j])))
    return problems


def _overlapping_pairs(boxes: np.ndarray, tol: float) -> Iterator[tuple[int, int]]:
    """Index pairs i < j whose boxes (x0, y0, x1, y1) intersect by more than ``tol`` each way."""
    if len(boxes) < 2:
        return
    x0, y0, x1, y1 = boxes.T
    dx = np.minimum.outer(x1, x1) - np.maximum.outer(x0, x0)
    dy = np.minimum.outer(y1, y1) - np.maximum.outer(y0, y0)
    hit = np.triu((dx > tol) & (dy > tol), k=1)
    yield from zip(*(idx.tolist() for idx in np.nonzero(hit)), strict=True)


def _clip(artist: Text) -> Bbox | None:
    """The display region a text is clipped to: its clip box ∩ its clip path's extent."""
    if not artist.get_clip_on():
        return None
    boxes = [b for b in (artist.get_clip_box(),) if b is not None]
    path = artist.get_clip_path()
    if path is not None:
        boxes.append(path.get_fully_transformed_path().get_extents())
    if not boxes:
        return None
    return Bbox.intersection(*boxes) if len(boxes) == 2 else Bbox(boxes[0].get_points())


def _roles(fig: Figure) -> Iterator[tuple[int, str]]:
    """id(text) → a readable role, for messages; texts not named here are ``text``."""
    for name, role in (
        ("_suptitle", "suptitle"),
        ("_supxlabel", "footnote"),
        ("_supylabel", "y label"),
    ):
        text = getattr(fig, name, None)
        if text is not None:
            yield id(text), role
    for legend in fig.legends:
        yield from _legend_roles(legend)
    for ax in fig.axes:
        for title in (ax.title, ax._left_title, ax._right_title):
            yield id(title), "title"
        for axis, letter in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            yield id(axis.label), f"{letter} label"
            yield id(axis.offsetText), f"{letter} offset"
            for tick in itertools.chain(axis.majorTicks, axis.minorTicks):
                yield id(tick.label1), f"{letter} tick"
                yield id(tick.label2), f"{letter} tick"
        legend = ax.get_legend()
        if legend is not None:
            yield from _legend_roles(legend)


def _legend_roles(legend) -> Iterator[tuple[int, str]]:
    yield id(legend.get_title()), "legend title"
    for text in legend.get_texts():
        yield id(text), "legend"
