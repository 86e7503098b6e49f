"""Robustness: the multiverse run chunk by chunk, its collection, and the named-checks summary."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.models.multiverse import (
    chunk_specs,
    estimate_specifications,
    find_spec,
    specification_curve_summary,
    specification_grid,
)
from imtfp.models.multiverse_summary import outcome_summaries, standardise, time_effects, within_sd

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
    chunks: Sequence[pd.DataFrame],
    spec: Mapping,
    *,
    truth: float | None = None,
    data: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Concatenate chunk results in grid order; summarise the specification curve by outcome.

    Returns ``(results, summary, by_outcome)``:

    * ``results`` — every specification; with ``data`` (the analysis frame merged with the
      multiverse measures) also ``estimate_std``, ``ci_low_std``, ``ci_high_std`` per within-SD of
      x and y (:func:`~imtfp.models.multiverse_summary.standardise`), ``time_effects`` and ``headline``
      (the specification counts in its outcome's headline share): the data of the per-outcome
      specification curves;
    * ``summary`` — the one-row headline (:func:`~imtfp.models.multiverse.specification_curve_summary`)
      over the baseline outcome's specifications with time effects, with ``outcome``,
      ``n_specs_all`` and ``n_excluded`` saying what was left out;
    * ``by_outcome`` — :func:`~imtfp.models.multiverse_summary.outcome_summaries`, one row per outcome.

    ``multiverse.summary.require_time_effects`` (default true) keeps specifications without time
    effects out of the headline shares; false puts them back, and the rows say which rule ran.
    Raises :class:`EstimationError` unless the chunks cover the grid exactly once.
    """
    results = (
        pd.concat(chunks, ignore_index=True)
        .sort_values("spec_id", kind="stable")
        .reset_index(drop=True)
    )
    grid = specification_grid(spec["choices"])
    if results["spec_id"].tolist() != grid["spec_id"].tolist():
        raise EstimationError(f"chunks hold {len(results)} specifications, the grid {len(grid)}")
    require_te = bool((spec.get("summary") or {}).get("require_time_effects", True))
    if data is not None:
        names = [*results.get("y", pd.Series(dtype=str)), *results.get("x", pd.Series(dtype=str))]
        results = standardise(results, within_sd(data, [str(n) for n in names], entity=KEY[0]))
    else:
        results = results.assign(time_effects=time_effects(results))
    results["headline"] = results["time_effects"] | (not require_te)
    baseline = find_spec(grid, spec["baseline"])
    base_y = spec["baseline"].get("y")
    scope = results["headline"].to_numpy().copy()
    if base_y is not None and "y" in results:
        scope &= (results["y"].astype(str) == str(base_y)).to_numpy()
    if not scope[results["spec_id"].to_numpy() == baseline].any():
        raise ConfigError(
            "the multiverse baseline has no time effects, so it is outside the headline; "
            "set multiverse.summary.require_time_effects: false or give the baseline fe: twoway"
        )
    summary = specification_curve_summary(
        results[scope].reset_index(drop=True), baseline_spec_id=baseline, truth=truth
    ).assign(
        outcome=str(base_y) if base_y is not None else "",
        n_specs_all=len(results),
        n_excluded=int((~results["headline"]).sum()),
        require_time_effects=require_te,
    )
    by_outcome = outcome_summaries(
        results, baseline=spec["baseline"], require_time_effects=require_te
    )
    return results, summary, by_outcome


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
