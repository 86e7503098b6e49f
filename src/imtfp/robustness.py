"""Robustness: the multiverse run chunk by chunk, its collection, and the named-checks summary."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from imtfp.errors import EstimationError
from imtfp.models.multiverse import (
    chunk_specs,
    estimate_specifications,
    find_spec,
    specification_curve_summary,
    specification_grid,
)

log = logging.getLogger("imtfp.robustness")
KEY = ["province", "year"]


def _progress(done: int, total: int) -> None:
    log.info(
        "multiverse chunk: %d / %d specifications (%.0f%%)", done, total, 100 * done / max(total, 1)
    )


def _chunk_progress(chunk: int):
    """Log every 5 % of the chunk's specifications; a console heartbeat each quarter (in a rule job)."""
    from imtfp.logs import progress_callback

    heartbeat = progress_callback(f"multiverse chunk {chunk}: specifications")

    def report(done: int, total: int) -> None:
        _progress(done, total)
        heartbeat(done, total)

    return report


def multiverse_chunk(
    analysis: pd.DataFrame, measures: pd.DataFrame, spec: Mapping, *, chunk: int, seed: int
) -> pd.DataFrame:
    """Estimate chunk ``chunk`` of the full product of ``spec["choices"]`` (the multiverse section)."""
    data = analysis.merge(measures, on=KEY, how="left", validate="one_to_one")
    specs = chunk_specs(specification_grid(spec["choices"]), int(spec["chunks"]), chunk)
    return estimate_specifications(
        data,
        specs,
        samples=spec["samples"],
        control_sets=spec["control_sets"],
        bootstrap=int(spec.get("bootstrap", 0)),
        seed=seed,
        dof=spec.get("dof", "stata"),
        progress=_chunk_progress(chunk),
    )


def collect_multiverse(
    chunks: Sequence[pd.DataFrame], spec: Mapping, *, truth: float | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate chunk results in grid order; summarise the specification curve.

    Raises ``EstimationError`` unless the chunks cover the grid exactly once.
    """
    results = (
        pd.concat(chunks, ignore_index=True)
        .sort_values("spec_id", kind="stable")
        .reset_index(drop=True)
    )
    grid = specification_grid(spec["choices"])
    if results["spec_id"].tolist() != grid["spec_id"].tolist():
        raise EstimationError(f"chunks hold {len(results)} specifications, the grid {len(grid)}")
    baseline = find_spec(grid, spec["baseline"])
    summary = specification_curve_summary(results, baseline_spec_id=baseline, truth=truth)
    return results, summary


def robustness_table(results: Mapping[str, pd.DataFrame], terms: Mapping[str, str]) -> pd.DataFrame:
    """The core coefficient of each named check, from each variant's baseline table (last column).

    ``results`` maps check name ("baseline" first) to that variant's tidy baseline results and
    ``terms`` maps it to the variant's core regressor.
    """
    rows = []
    for name, tidy in results.items():
        term = terms[name]
        last = tidy["column"].iloc[-1]
        row = tidy[(tidy["column"] == last) & (tidy["term"] == term)]
        if row.empty:
            raise EstimationError(
                f"robustness check {name!r}: no row for {term!r} in its baseline table"
            )
        rows.append(row.assign(column=name, table="robustness"))
    return pd.concat(rows, ignore_index=True)
