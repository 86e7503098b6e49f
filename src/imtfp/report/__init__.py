"""Publication layer: tables (LaTeX, Word, Markdown, CSV) and figures from stored results.

- :mod:`.labels` — Chinese/English label catalog (``labels.yaml``);
- :mod:`.table` — :func:`format_table`, the one formatter: tidy results → :class:`Table`;
- :mod:`.builders` — descriptive, correlation, weights, coupling and model tables;
- :mod:`.writers` — ``to_latex``, ``to_docx``, ``to_markdown``, ``to_csv`` and :func:`write_table`;
- :mod:`.figures` — heat map, densities, regional TFP, coefficient plot, mediation
  path, specification curve, and :func:`save_figure` (import it explicitly: it
  registers the CJK fonts with matplotlib).

``write_table`` and ``save_figure`` are the only functions that write files.
"""

from imtfp.report.builders import (
    baseline_table,
    correlation_table,
    coupling_table,
    descriptive_table,
    falsification_table,
    heterogeneity_table,
    inference_table,
    iv_table,
    mediation_table,
    robustness_table,
    select_table,
    threshold_table,
    weights_table,
)
from imtfp.report.etable import etable, etable_table
from imtfp.report.labels import Labels, LabelWarning
from imtfp.report.options import ReportOptions, options_from_config
from imtfp.report.table import Provenance, Table, format_table
from imtfp.report.writers import to_csv, to_docx, to_latex, to_markdown, write_table

__all__ = [
    "LabelWarning",
    "Labels",
    "Provenance",
    "ReportOptions",
    "Table",
    "baseline_table",
    "correlation_table",
    "coupling_table",
    "descriptive_table",
    "falsification_table",
    "etable",
    "etable_table",
    "format_table",
    "heterogeneity_table",
    "inference_table",
    "iv_table",
    "mediation_table",
    "options_from_config",
    "robustness_table",
    "select_table",
    "threshold_table",
    "to_csv",
    "to_docx",
    "to_latex",
    "to_markdown",
    "weights_table",
    "write_table",
]
