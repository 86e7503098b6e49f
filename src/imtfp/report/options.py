"""Typed options of the report layer, built from the ``report:`` config section.

Options are checked at construction (a bad value raises
:class:`~imtfp.errors.ConfigError` naming it), so a table or figure function never sees an
invalid setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Literal

from imtfp.errors import ConfigError
from imtfp.models.registry import REPORT_TABLES
from imtfp.options import check_option

Language = Literal["zh", "en"]
ProvenanceMode = Literal["file", "note"]
TableFormat = Literal["tex", "docx", "md", "csv"]
FigureFormat = Literal["png", "pdf"]
FontKey = Literal["noto_serif_sc", "noto_sans_sc"]
ControlTerms = Literal["hide", "show"]

#: Every table of ``report.tables`` (data tables, the registry's model tables, robustness checks).
TABLE_KEYS = REPORT_TABLES
FIGURE_KEYS = (
    "coupling_heatmap",
    "index_density",
    "tfp_by_region",
    "heterogeneity_coef",
    "mediation_path",
    "specification_curve",
)


@dataclass(frozen=True)
class ReportOptions:
    """Everything the tables and figures may vary, with journal defaults.

    Parameters
    ----------
    language : {"zh", "en"}
        The language of the table or figure being built. Every table is in one language only
        (no English in a Chinese table, no Chinese in an English one, beyond the symbols and
        abbreviations of :data:`imtfp.report.purity.ALLOWED_LATIN`).
    languages : tuple of {"zh", "en"}
        The languages a run writes (config ``report.languages``): every table once per language,
        under ``report/tables/<language>/``; figures in the first. :func:`options_from_config`
        sets ``language`` to the first.
    provenance : {"file", "note"}
        Where data sources, vintages, config hash and package versions go: ``file`` — only the
        run's ``report/provenance.{md,docx}``; ``note`` — also a last note under every table.
    stars : tuple of float
        Significance levels; a coefficient gets one star for each level with
        ``p < level`` (default 0.1, 0.05, 0.01 → ``*``, ``**``, ``***``).
    decimals : int
        Decimals of estimates, standard errors, R² and statistics.
    separate_stats : bool
        Add a rule between coefficients and model statistics. Off by default:
        the strict three-line table (三线表) has only top, header and bottom rules.
    control_terms : {"hide", "show"}
        Hide the coefficients of control variables (an indicator row says
        whether controls are included) or show them.
    headline_wild : bool
        Print the wild cluster bootstrap p (in braces) under every headline
        coefficient that has one, not only in columns with fewer than 10 clusters.
    """

    language: Language = "zh"
    languages: tuple[Language, ...] = ("zh",)
    provenance: ProvenanceMode = "file"
    stars: tuple[float, ...] = (0.1, 0.05, 0.01)
    decimals: int = 3
    separate_stats: bool = False
    control_terms: ControlTerms = "hide"
    headline_wild: bool = False
    formats: tuple[TableFormat, ...] = ("tex", "docx", "md", "csv")
    figure_formats: tuple[FigureFormat, ...] = ("png", "pdf")
    font: FontKey = "noto_serif_sc"
    dpi: int = 300
    docx_east_asia_font: str = "SimSun"
    docx_latin_font: str = "Times New Roman"
    tables: tuple[str, ...] = TABLE_KEYS
    figures: tuple[str, ...] = FIGURE_KEYS

    def __post_init__(self) -> None:
        if not self.languages or len(set(self.languages)) != len(self.languages):
            raise ConfigError(f"report.languages={list(self.languages)!r}: distinct, at least one")
        for lang in self.languages:
            check_option(lang, Language, "report.languages")
        check_option(self.language, Language, "language")
        check_option(self.provenance, ProvenanceMode, "report.provenance")
        check_option(self.control_terms, ControlTerms, "report.control_terms")
        check_option(self.font, FontKey, "report.font")
        for f in self.formats:
            check_option(f, TableFormat, "report.formats")
        for f in self.figure_formats:
            check_option(f, FigureFormat, "report.figure_formats")
        levels = tuple(self.stars)
        if not levels or any(not 0 < s < 1 for s in levels) or len(set(levels)) != len(levels):
            raise ConfigError(f"report.stars={list(levels)!r} must be distinct levels in (0, 1)")
        object.__setattr__(self, "stars", tuple(sorted(levels, reverse=True)))
        if not (isinstance(self.decimals, int) and 0 <= self.decimals <= 8):
            raise ConfigError(f"report.decimals={self.decimals!r} must be an integer in [0, 8]")
        if not (isinstance(self.dpi, int) and 50 <= self.dpi <= 1200):
            raise ConfigError(f"report.dpi={self.dpi!r} must be an integer in [50, 1200]")
        for t in self.tables:
            if t not in TABLE_KEYS:
                raise ConfigError(f"report.tables: {t!r} is not one of {list(TABLE_KEYS)}")
        for g in self.figures:
            if g not in FIGURE_KEYS:
                raise ConfigError(f"report.figures: {g!r} is not one of {list(FIGURE_KEYS)}")

    def in_language(self, language: Language) -> ReportOptions:
        """The same options for a table in ``language``."""
        return replace(self, language=language)


def options_from_config(section: Mapping[str, object] | None) -> ReportOptions:
    """Build :class:`ReportOptions` from the ``report:`` section of the config.

    Unknown keys raise ConfigError (the schema forbids them too); lists become tuples. The
    options are those of the first of ``languages`` (:meth:`ReportOptions.in_language` for another).
    """
    section = dict(section or {})
    if "language" in section:
        raise ConfigError(
            "report.language is now report.languages, a list: [zh], [en] or [zh, en] (each table "
            "written once per language; the bilingual 'both' is gone)"
        )
    known = {f.name for f in fields(ReportOptions)} - {"language"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"report: unknown option(s) {unknown}; known: {sorted(known)}")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}
    languages = kwargs.get("languages") or ("zh",)
    return ReportOptions(**kwargs, language=languages[0])
