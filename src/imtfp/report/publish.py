"""Writing a run's tables: every table once per language of ``report.languages``, and the run's
provenance file.

A table is in one language. A run with ``report.languages: [zh, en]`` writes
``<folder>/zh/<name>.<fmt>`` and ``<folder>/en/<name>.<fmt>`` from one call (one Snakemake job per
table, not one per language: the rules list both files as outputs). Where the numbers come from
— the data sources with the catalogue names of the series each provides, their vintages, the
config hash and the package versions — is written once per run to ``report/provenance.{md,docx}``
(:func:`publish_provenance`), and under each table only with ``report.provenance: note``.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Mapping

import pandas as pd

from imtfp.report.options import ReportOptions
from imtfp.report.table import Cell, Provenance, Row, Table, assemble_table, standard_notes
from imtfp.report.writers import write_table


def _each_language(
    build: Callable[[str], Table], folder: pathlib.Path, name: str, options: ReportOptions
) -> list[pathlib.Path]:
    formats = tuple(dict.fromkeys(["csv", *options.formats]))  # the CSV is the report() output
    written: list[pathlib.Path] = []
    for lang in options.languages:
        written += write_table(
            build(lang), folder / lang / name, formats, options=options.in_language(lang)
        )
    return written


def publish_table(
    name: str,
    inputs: Mapping[str, pd.DataFrame],
    config: Mapping,
    folder: str | pathlib.Path,
    *,
    prov: Provenance,
    simulated: bool,
) -> list[pathlib.Path]:
    """Table ``name`` (:func:`imtfp.report.stage.make_table`) in every language of
    ``report.languages`` and every format of ``report.formats`` (and CSV):
    ``<folder>/<language>/<name>.<fmt>``. Returns the paths written."""
    from imtfp.report.stage import make_table, report_options

    options, _ = report_options(config)
    return _each_language(
        lambda lang: make_table(
            name, inputs, config, prov=prov, simulated=simulated, language=lang
        ),
        pathlib.Path(folder),
        name,
        options,
    )


def publish_did_table(
    kind: str,
    inputs: Mapping[str, pd.DataFrame],
    config: Mapping,
    folder: str | pathlib.Path,
    *,
    design: str,
    prov: Provenance,
    simulated: bool,
) -> list[pathlib.Path]:
    """DiD table ``kind`` of ``design`` (:func:`imtfp.report.did.did_table`) in every language:
    ``<folder>/<language>/did_<kind>_<design>.<fmt>``."""
    from imtfp.report.did import did_table
    from imtfp.report.stage import report_options

    options, _ = report_options(config)
    return _each_language(
        lambda lang: did_table(
            kind, inputs, config, design=design, prov=prov, simulated=simulated, language=lang
        ),
        pathlib.Path(folder),
        f"did_{kind}_{design}",
        options,
    )


def provenance_table(
    files: list[Mapping],
    prov: Provenance,
    *,
    dataset: str,
    description: str,
    simulated: bool,
    config: Mapping,
) -> Table:
    """The run's data sources: one row per source (as the manifest names it) and vintage, with
    the series it provides by their catalogue names and the number of files; notes with the
    dataset, the config hash and the package versions.

    ``files``: the manifest's entries (``source``, ``vintage``, ``indicator``/``indicators``/
    ``columns``).
    """
    from imtfp.ingest.catalog import indicators
    from imtfp.report.stage import report_options

    options, labels = report_options(config)
    names = dict(zip(indicators()["code"], indicators()[f"name_{options.language}"], strict=True))
    sep = "、" if options.language == "zh" else "; "
    groups: dict[tuple[str, str], dict] = {}
    for entry in files:
        key = (str(entry.get("source") or "—"), str(entry.get("vintage") or "—"))
        group = groups.setdefault(key, {"codes": [], "files": 0})
        group["files"] += 1
        codes = [entry.get("indicator")]
        codes += list((entry.get("indicators") or {}).values())
        codes += list((entry.get("columns") or {}).values())
        group["codes"] += [c for c in codes if c]
    rows = [
        Row(
            source,
            (
                Cell(vintage),
                Cell(sep.join(dict.fromkeys(names.get(c, c) for c in g["codes"]))),
                Cell(str(g["files"])),
            ),
            "text",
        )
        for (source, vintage), g in groups.items()
    ]
    versions = ("，" if options.language == "zh" else ", ").join(
        f"{k} {v}" for k, v in sorted(prov.versions.items())
    )
    body = [
        labels.note("provenance_dataset", dataset=dataset, description=description),
        labels.note("provenance_run", config_hash=prov.config_hash, versions=versions),
    ]
    return assemble_table(
        name="provenance",
        labels=labels,
        columns=["vintage", "series", "files"],
        rows=rows,
        column_labels={
            "vintage": labels.row("vintage"),
            "series": labels.row("series"),
            "files": labels.row("files"),
        },
        stub=labels.row("source_file"),
        notes=standard_notes(labels, body=body, simulated=simulated),
    )


def publish_provenance(
    files: list[Mapping],
    prov: Provenance,
    folder: str | pathlib.Path,
    *,
    dataset: str,
    description: str,
    simulated: bool,
    config: Mapping,
) -> list[pathlib.Path]:
    """``<folder>/provenance.md`` and ``.docx`` (:func:`provenance_table`, in the first language
    of ``report.languages``)."""
    from imtfp.report.stage import report_options

    options, _ = report_options(config)
    table = provenance_table(
        files, prov, dataset=dataset, description=description, simulated=simulated, config=config
    )
    return write_table(table, pathlib.Path(folder) / "provenance", ("md", "docx"), options=options)
