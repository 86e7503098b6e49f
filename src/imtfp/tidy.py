"""The tidy result format every estimator writes and every table reads.

One row per (table, column, term). ``column`` identifies a model within a
table (a stepwise column, a channel, a region, an inference method).
Model-level facts (N, within R², fixed effects, inference) are columns
repeated on each row, so a table can be built from one frame. A model
statistic (a first-stage F, a threshold, a Sobel z) is a row typed as such:
``stat`` True (a coefficient: False; unknown, as in a user's frame: NA, and
the label catalog decides), with the statistic in ``estimate`` and its p-value
in ``p``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

TIDY_COLUMNS: dict[str, str] = {
    "table": "str",  # e.g. "baseline", "inference", "mediation", "heterogeneity", "iv", "threshold"
    "column": "str",  # model id within the table, e.g. "(1)", "innovation", "east"
    "term": "str",  # regressor name, or a statistic name for non-coefficient rows
    "estimate": "float64",
    "se": "float64",
    "t": "float64",
    "p": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "nobs": "Int64",
    "r2_within": "float64",
    "entity_fe": "boolean",
    "time_fe": "boolean",
    "controls": "str",  # comma-separated control names of the model
    "cov": "str",  # inference: clustered, driscoll_kraay, twoway_clustered, wild_bootstrap, ...
    "dep_var": "str",
    "stat": "boolean",  # the row is a model statistic, not a coefficient (NA: as the catalog says)
}


def tidy_frame(rows: Iterable[Mapping]) -> pd.DataFrame:
    """Build a frame with exactly :data:`TIDY_COLUMNS` (missing fields become NA)."""
    df = pd.DataFrame(list(rows))
    for col in TIDY_COLUMNS:
        if col not in df:
            df[col] = pd.Series(None, index=df.index, dtype=object)
    extra = [c for c in df.columns if c not in TIDY_COLUMNS]
    df = df[list(TIDY_COLUMNS) + extra]
    return df.astype(TIDY_COLUMNS)
