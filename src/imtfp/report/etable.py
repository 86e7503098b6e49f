"""``etable``: several fitted models in, the pipeline's three-line journal table out (like esttab/etable).

>>> from imtfp.models.formula import feols                                  # doctest: +SKIP
>>> m1 = feols("tfp ~ im_index | province + year", panel)                   # doctest: +SKIP
>>> m2 = feols("tfp ~ im_index + gov + open | province + year", panel,
...            controls=["gov", "open"])                                   # doctest: +SKIP
>>> etable([m1, m2], language="en", path="out/my_table.docx")              # doctest: +SKIP

Accepted models: imtfp results (every :class:`~imtfp.results.Estimates`, e.g.
:class:`~imtfp.models.panel.PanelFit`, :class:`~imtfp.models.mediation_analysis.MediationResult`, a
:class:`~imtfp.results.ResultSet`), a tidy frame
(:mod:`imtfp.tidy`), statsmodels results and linearmodels results (read through ``params``, ``bse`` /
``std_errors``, ``pvalues``, ``nobs``, ``rsquared_within``). Every model becomes tidy rows in one
column, and :func:`~imtfp.report.table.format_table` and :func:`~imtfp.report.writers.write_table`
do the rest — the same formatter and writers as the pipeline's tables, so a user's table and the
pipeline's look alike (stars, standard errors in parentheses, the dependent variable, fixed-effect
and control rows, N, within R², clusters; zh or en; LaTeX, Word, Markdown, CSV).

One model is one column: an IV fit prints its 2SLS column (with its first-stage F and
weak-identification rows), not its first stages and OLS comparison, so
``etable([ols, iv])`` puts OLS and IV side by side; a DiD aggregate prints its overall ATT beside
them. A variable is printed either as a coefficient row or in the "控制变量" rows, never both.

Why not maketables or great-tables: both render from their own table model (great-tables to
HTML/LaTeX/Word through its own styles, maketables through great-tables or its own docx writer), so
matching the pipeline's booktabs/siunitx LaTeX and the Word three-line borders would mean a second
set of writers to keep in step; the formatter here is already tested against those outputs.
"""

from __future__ import annotations

import math
import pathlib
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from imtfp.errors import InputTypeError, ReportError
from imtfp.options import check_option
from imtfp.report.labels import Labels, LabelWarning
from imtfp.report.options import Language, ReportOptions, TableFormat
from imtfp.report.table import Table, format_table
from imtfp.tidy import TIDY_COLUMNS, tidy_frame

TITLES = {"zh": "回归结果", "en": "Regression results"}


def _first(obj: object, *names: str) -> object:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value() if callable(value) and name in ("conf_int",) else value
    return None


def _from_estimates(model: object, column: str) -> pd.DataFrame:
    """Tidy rows of a statsmodels / linearmodels / protocol result (params, bse, pvalues)."""
    params = pd.Series(model.params)  # type: ignore[attr-defined]
    bse = pd.Series(_first(model, "bse", "std_errors"))
    pvalues = pd.Series(_first(model, "pvalues"))
    tvals = _first(model, "tvalues", "tstats")
    ci = model.conf_int() if hasattr(model, "conf_int") else None  # type: ignore[attr-defined]
    ci = pd.DataFrame(ci) if ci is not None else None
    inner = getattr(model, "model", None)
    dep = getattr(model, "dep_var", None) or getattr(inner, "endog_names", None)
    if dep is None and inner is not None and hasattr(inner, "dependent"):
        dep = getattr(inner.dependent, "vars", [None])[0]
    entity_fe = getattr(inner, "entity_effects", None)
    time_fe = getattr(inner, "time_effects", None)
    r2w = getattr(model, "r2_within", None) or getattr(model, "rsquared_within", None)
    rows = []
    for term in params.index:
        rows.append(
            {
                "table": "etable",
                "column": column,
                "term": str(term),
                "estimate": float(params[term]),
                "se": float(bse[term]),
                "t": float(pd.Series(tvals)[term]) if tvals is not None else np.nan,
                "p": float(pvalues[term]),
                "ci_low": float(ci.loc[term].iloc[0]) if ci is not None else np.nan,
                "ci_high": float(ci.loc[term].iloc[1]) if ci is not None else np.nan,
                "nobs": int(model.nobs) if getattr(model, "nobs", None) is not None else None,  # type: ignore[attr-defined]
                "r2_within": float(r2w) if r2w is not None and not callable(r2w) else np.nan,
                "entity_fe": bool(entity_fe) if entity_fe is not None else None,
                "time_fe": bool(time_fe) if time_fe is not None else None,
                "cov": str(getattr(model, "cov_type", "") or ""),
                "dep_var": str(dep) if dep else None,
            }
        )
    return tidy_frame(rows)


def model_tidy(model: object, column: str) -> pd.DataFrame:
    """Tidy rows of one model in ``column``.

    An imtfp result gives ``tidy(table=, column=, level=)`` (the protocol of
    :class:`~imtfp.results.Estimates`); a result or tidy frame spanning several columns keeps them
    (a :class:`~imtfp.results.ResultSet` as ``<column>:<member>``).
    """
    if isinstance(model, pd.DataFrame):
        frame = model.copy()
    elif callable(getattr(model, "tidy", None)):  # the result protocol: one tidy signature
        frame = model.tidy(table="etable", column=column).copy()  # type: ignore[attr-defined]
    elif hasattr(model, "params"):
        return _from_estimates(model, column)
    else:
        raise InputTypeError(
            f"etable: cannot read a {type(model).__name__}; give an imtfp result (.tidy()), a tidy "
            "frame, or a statsmodels/linearmodels result"
        )
    if "column" not in frame or frame["column"].fillna("").astype(str).nunique() <= 1:
        frame["column"] = column
    elif not isinstance(model, pd.DataFrame) and (frame["column"].astype(str) == column).any():
        # a model whose tidy() adds side columns (an IV fit's first stages and OLS comparison):
        # its own column is the model
        frame = frame[frame["column"].astype(str) == column]
    if _is_did_aggregate(model):
        frame = frame[frame["term"].astype(str) == "ATT"]  # the event-study terms: its own figure
    return frame


def _is_did_aggregate(model: object) -> bool:
    return type(model).__name__ in ("DidAggregate", "StaticTwfeResult")


def _clusters(model: object) -> int | None:
    n = getattr(model, "n_clusters", None)
    if n is None:
        info = getattr(model, "cov_config", None) or {}
        n = (
            info.get("clusters")
            if isinstance(info, Mapping) and np.isscalar(info.get("clusters"))
            else None
        )
    if n is None and hasattr(model, "cov_kwds"):
        groups = (getattr(model, "cov_kwds", None) or {}).get("groups")
        n = len(np.unique(np.asarray(groups))) if groups is not None else None
    return int(n) if n is not None and not (isinstance(n, float) and math.isnan(n)) else None


def _shown_terms(tidy: pd.DataFrame) -> list[str]:
    """Terms in order of appearance, less those that are a control in every column they appear in.

    (The pipeline's formatter hides a name that is a control anywhere; across a user's models a
    variable can be a control in one column and the regressor of interest, or a main effect of an
    interaction, in another, and must then be printed.)
    """
    shown = []
    for term, rows in tidy.groupby("term", sort=False):
        controls = (
            rows["controls"].fillna("").astype(str).map(lambda v: {c.strip() for c in v.split(",")})
        )
        if not all(term in c for c in controls) and term not in shown:
            shown.append(str(term))
    return shown


def etable_table(
    models: Sequence[object] | Mapping[str, object],
    *,
    labels: Mapping[str, str] | Labels | None = None,
    language: Language = "zh",
    stars: Sequence[float] = (0.1, 0.05, 0.01),
    decimals: int = 3,
    keep: Sequence[str] | None = None,
    show: Sequence[str] = ("se",),
    control_terms: str = "hide",
    title: str | None = None,
    notes: Sequence[str] = (),
    name: str = "etable",
) -> Table:
    """The :class:`~imtfp.report.table.Table` of ``models`` (see :func:`etable`)."""
    check_option(language, Language, "language")
    items = (
        list(models.items())
        if isinstance(models, Mapping)
        else [(f"({i})", m) for i, m in enumerate(models, start=1)]
    )
    if not items:
        raise ReportError("etable: no models given")
    options = ReportOptions(
        language=language, stars=tuple(stars), decimals=decimals, control_terms=control_terms
    )
    tidy = pd.concat([model_tidy(m, col) for col, m in items], ignore_index=True)
    clusters = {col: _clusters(m) for col, m in items}
    given = tidy["n_clusters"] if "n_clusters" in tidy else pd.Series(np.nan, index=tidy.index)
    tidy["n_clusters"] = given.astype("Float64").fillna(
        tidy["column"].map(clusters).astype("Float64")
    )
    tidy = tidy[[c for c in TIDY_COLUMNS if c in tidy] + [c for c in tidy if c not in TIDY_COLUMNS]]
    if keep is None and control_terms == "hide":
        keep = _shown_terms(tidy)
    cat = labels if isinstance(labels, Labels) else Labels(language)
    term_labels = dict(labels) if isinstance(labels, Mapping) else None
    with warnings.catch_warnings():
        # a user's own variable names are printed as they are; no warning for a missing label
        warnings.simplefilter("ignore", LabelWarning)
        return format_table(
            tidy,
            name=name,
            options=options,
            labels=cat,
            terms=keep,
            show=tuple(show),  # type: ignore[arg-type]
            term_labels=term_labels,
            column_labels={col: col for col, _ in items},
            notes=notes,
            title=title or TITLES[language],
        )


def etable(
    models: Sequence[object] | Mapping[str, object],
    *,
    labels: Mapping[str, str] | Labels | None = None,
    language: Language = "zh",
    stars: Sequence[float] = (0.1, 0.05, 0.01),
    format: TableFormat | Sequence[TableFormat] | None = None,  # noqa: A002 - the user's word
    path: str | pathlib.Path | None = None,
    **kw: object,
) -> str | bytes | list[pathlib.Path]:
    """Several fitted models side by side as a journal three-line table (esttab / fixest::etable).

    Parameters
    ----------
    models : sequence (columns (1), (2), …) or mapping column label → model
    labels : term → printed label (overrides the catalog), or a :class:`Labels` catalog
    language : ``zh`` or ``en``
    stars : significance levels; one ``*`` per level with p < level
    format : ``md``, ``tex``, ``docx``, ``csv`` or several; default the suffix of ``path``, else ``md``
    path : file to write (``path`` with each format's suffix when several formats are given)
    kw : ``decimals``, ``keep`` (terms in order), ``show`` (``se``/``t``/``p``/``ci``),
        ``control_terms`` (``hide``: one "controls: yes" row; ``show``), ``title``, ``notes``

    Returns
    -------
    The table's text (``md``, ``tex``, ``csv``) or bytes (``docx``) when no ``path`` is given;
    otherwise the paths written.
    """
    from imtfp.report.writers import to_csv, to_docx, to_latex, to_markdown, write_table

    table = etable_table(models, labels=labels, language=language, stars=stars, **kw)  # type: ignore[arg-type]
    if format is None:
        suffix = pathlib.Path(path).suffix.lstrip(".") if path is not None else ""
        formats: tuple[str, ...] = (suffix or "md",)
    else:
        formats = (format,) if isinstance(format, str) else tuple(format)
    for fmt in formats:
        check_option(fmt, TableFormat, "format")
    options = ReportOptions(language=language)
    if path is None:
        if len(formats) != 1:
            raise ReportError("etable: several formats need a path to write to")
        render = {"md": to_markdown, "tex": to_latex, "csv": to_csv}
        return to_docx(table, options) if formats[0] == "docx" else render[formats[0]](table)
    path = pathlib.Path(path)
    stem = path.with_suffix("") if path.suffix.lstrip(".") in ("md", "tex", "docx", "csv") else path
    return write_table(table, stem, formats, options=options)  # type: ignore[arg-type]
