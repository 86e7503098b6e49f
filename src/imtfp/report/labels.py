"""Chinese and English labels for everything a table or figure prints.

The catalog is one file, ``labels.yaml`` beside this module (package data).
:class:`Labels` resolves a name in the chosen language; an unknown name
falls back to the raw name with a :class:`LabelWarning`, never an error, so a
new variable in config never breaks a table.

Every text is in one language: a table is written once per language of the
run (``report.languages``), never as ``中文 (English)``.
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml

from imtfp.errors import ConfigError
from imtfp.options import check_option
from imtfp.report.options import Language

StatFormat = Literal["int", "decimal", "ci"]
TermKind = Literal["coef", "stat"]

# Names that are labels already (column numbers, years, periods): no warning.
_SELF_LABELLED = re.compile(r"^\(\d+\)$|^\d{4}(\s*[-–]\s*\d{4})?$|^[A-Za-z]?\d+$|^-?\d+\.\d+$")
_INTERACTION = re.compile(r"\s*(?::|×|#|\*)\s*")
_BASE_METHOD = re.compile(r"[A-Za-z_]+")
_TERM_SECTIONS = ("variables", "paths", "statistics", "indicators")
_COLUMN_SECTIONS = (
    "columns",
    "regions",
    "inference",
    "checks",
    "choices",
    "methods",
    "subsystems",
    "variables",
    "paths",
    "statistics",
)


def regime_range(text: str) -> str:
    """``"-inf<q<=0.45"`` → ``"q ≤ 0.45"``, ``"0.45<q<=inf"`` → ``"q > 0.45"``, else ``"a < q ≤ b"``."""
    m = re.fullmatch(r"\s*(\S+?)\s*<\s*(\w+)\s*<=\s*(\S+?)\s*", text)
    if not m:
        return text
    lo, q, hi = m.groups()
    if lo in ("-inf", "-Inf") and hi in ("inf", "Inf"):
        return q
    if lo in ("-inf", "-Inf"):
        return f"{q} ≤ {hi}"
    if hi in ("inf", "Inf"):
        return f"{q} > {lo}"
    return f"{lo} < {q} ≤ {hi}"


class LabelWarning(UserWarning):
    """A name has no entry in the label catalog; its raw form is printed."""


@cache
def load_catalog() -> dict:
    """The label catalog (``labels.yaml``), parsed once per process."""
    text = resources.files("imtfp.report").joinpath("labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Term:
    """How a tidy ``term`` is printed: its label, whether it is a statistic, and its format."""

    label: str
    kind: TermKind
    format: StatFormat = "decimal"


class Labels:
    """Label look-ups in one language.

    Parameters
    ----------
    language : {"zh", "en"}
    catalog : mapping, optional
        Defaults to the packaged ``labels.yaml``; tests may pass their own.
    strict : bool
        Raise :class:`~imtfp.errors.ConfigError` naming an unlabelled name (and the
        ``report.variable_labels`` entry that would label it) instead of printing it raw
        with a warning. The pipeline's tables are strict: no raw code reaches a table.
    """

    def __init__(
        self, language: Language = "zh", catalog: Mapping | None = None, *, strict: bool = False
    ):
        check_option(language, Language, "language")
        self.language = language
        self.strict = strict
        self.catalog = load_catalog() if catalog is None else catalog
        self._warned: set[str] = set()
        self._levels = list(self.catalog.get("coupling_levels", []))
        self._patterns = [(re.compile(p["re"]), p) for p in self.catalog.get("patterns", [])]

    # -- basic look-ups -------------------------------------------------
    def pick(self, entry: Mapping, prefix: str = "") -> str:
        """The text of a catalog entry in this language (``prefix`` selects e.g. ``se_zh``)."""
        return str(entry[prefix + self.language])

    def entry(self, section: str, key: str) -> Mapping | None:
        """The raw catalog entry ``section.key``, or None."""
        found = self.catalog.get(section, {}).get(str(key))
        return found if isinstance(found, Mapping) else None

    def get(self, section: str, key: str) -> str:
        """Label of ``section.key``; the raw key with a warning when absent."""
        found = self.entry(section, key)
        return self.pick(found) if found else self.unknown(key, section)

    def find(self, key: object, sections: Iterable[str]) -> str | None:
        """Label of ``key`` from the first section that has it, or None."""
        for section in sections:
            found = self.entry(section, str(key))
            if found:
                return self.pick(found)
        return None

    def unknown(self, name: object, where: str) -> str:
        """Warn once per name that it has no label, and return it raw."""
        name = str(name)
        if _SELF_LABELLED.match(name):
            return name
        hint = (
            f"add `report: {{variable_labels: {{{name}: {{zh: …, en: …}}}}}}` to the config"
            if where in ("variable", "column", "group", "design")
            else "add an entry to the label catalog"
        )
        if self.strict:
            raise ConfigError(
                f"no {where} label for {name!r} in a {self.language!r} report, which prints no raw "
                f"names: {hint}"
            )
        if name not in self._warned:
            self._warned.add(name)
            warnings.warn(
                f"no {where} label for {name!r}; printing the raw name ({hint})",
                LabelWarning,
                stacklevel=3,
            )
        return name

    # -- domain look-ups ------------------------------------------------
    def var(self, name: object) -> str:
        """Label of a variable, indicator, path or statistic name (or raw, with a warning)."""
        return self.term(str(name)).label

    def term(self, name: str) -> Term:
        """Label, kind and format of a tidy ``term``.

        Order: variables, mediation paths, statistics, indicators, patterns,
        interactions ``a:b`` (``a × b``), then the raw name with a warning.
        """
        for section in _TERM_SECTIONS:
            found = self.entry(section, name)
            if found:
                kind: TermKind = "stat" if section == "statistics" else "coef"
                return Term(self.pick(found), kind, found.get("format", "decimal"))
        for regex, spec in self._patterns:
            m = regex.fullmatch(name)
            if m:
                return Term(
                    self._fill(spec, m), spec.get("kind", "coef"), spec.get("format", "decimal")
                )
        parts = [p for p in _INTERACTION.split(name) if p]
        if len(parts) > 1:
            return Term(" × ".join(self.var(p) for p in parts), "coef")
        return Term(self.unknown(name, "variable"), "coef")

    def _fill(self, spec: Mapping, m: re.Match) -> str:
        def sub(g: re.Match) -> str:
            raw = m.group(int(g.group(2))) or ""
            if g.group(1) == "var:":
                return self.var(raw)
            return regime_range(raw) if g.group(1) == "range:" else raw

        return re.sub(r"\{(var:|range:)?(\d+)\}", sub, str(spec[self.language]))

    def column(self, name: object) -> str:
        """Label of a table column (a region, inference method, check, stage, variable …).

        Also ``key=value`` columns of split samples (``region=east`` → the
        label of ``east``), ``moderator=<var>`` and ``equality:<group>``.
        """
        found = self.find(name, _COLUMN_SECTIONS)
        if found is not None:
            return found
        text = str(name)
        base = _BASE_METHOD.match(text)
        if base and base.group(0) != text and self.entry("inference", base.group(0)):
            return self.column(base.group(0))  # "wild_bootstrap (webb, B=9999)" → its method
        key, sep, value = text.partition("=")
        if sep and key == "moderator":
            return self._template("moderator", value)
        if sep and value:
            return self.column(value)
        if text.startswith("equality:"):
            return self._template("equality")
        return self.unknown(name, "column")

    def template(self, key: str, var: str = "") -> str:
        """A ``templates`` entry with ``{name}`` filled by the label of variable ``var``."""
        return self._template(key, var)

    def _template(self, key: str, var: str = "") -> str:
        """A ``templates`` entry with ``{name}`` filled by the label of ``var``."""
        entry = self.catalog["templates"][key]
        return str(entry[self.language]).format(name=self.var(var) if var else "")

    def region(self, name: object) -> str:
        found = self.find(name, ("regions",))
        return found if found is not None else self.unknown(name, "region")

    def row(self, key: str) -> str:
        return self.get("rows", key)

    def title(self, key: str) -> str:
        return self.get("titles", key)

    def design(self, name: object) -> str:
        """Label of a causal design (``designs`` of the catalog, or ``report.variable_labels``)."""
        found = self.find(name, ("designs", "variables"))
        return found if found is not None else self.unknown(name, "design")

    def note(self, key: str, **fields: object) -> str:
        """A note sentence of the catalog's ``notes``, formatted."""
        return str(self.catalog["notes"][key][self.language]).format(**fields)

    def inference_se(self, cov: str) -> tuple[str, str] | None:
        """(zh, en) phrase for the standard errors of an inference method, or None if unknown.

        A described method (``"clustered; bootstrap CI, B=999"``) is looked up by its leading name.
        """
        base = _BASE_METHOD.match(str(cov))
        found = self.entry("inference", base.group(0)) if base else None
        return (str(found["se_zh"]), str(found["se_en"])) if found else None

    def coupling_level(self, value: object) -> str:
        """Label of a coupling-coordination level given as key, zh/en name or band 0–9."""
        for i, lvl in enumerate(self._levels):
            is_band = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if (is_band and float(value) == i) or value in (lvl["key"], lvl["zh"], lvl["en"]):
                return self.pick(lvl)
        return self.unknown(value, "coupling level")

    def level_of(self, d: float) -> str:
        """Label of the band of width 0.1 containing a coupling degree ``d`` in [0, 1]."""
        band = min(max(int(d * 10 + 1e-12), 0), len(self._levels) - 1)
        return self.pick(self._levels[band])
