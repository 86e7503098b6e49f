"""The analysis frame: the panel joined with the measures the models use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from imtfp.errors import EstimationError

KEY = ["province", "year"]


def analysis_frame(
    panel: pd.DataFrame,
    index: pd.DataFrame,
    coupling: pd.DataFrame,
    tfp: pd.DataFrame,
    *,
    drop_years: Sequence[int] = (),
) -> pd.DataFrame:
    """One row per province-year: panel columns, IM and subsystem indices, coupling (C, T, D as ``ccd``), TFP.

    ``drop_years`` leaves years out of the models' sample (a robustness check such as dropping
    2020); the measures themselves were built on every year. Raises ``EstimationError`` if a measure
    does not cover exactly the panel's rows (a silent inner join would drop province-years).
    """
    parts = {
        "index": index,
        "coupling": coupling[KEY + ["C", "T", "D"]].rename(
            columns={"C": "ccd_C", "T": "ccd_T", "D": "ccd"}
        ),
        "tfp": tfp,
    }
    out = panel
    for name, frame in parts.items():
        clash = (set(frame.columns) & set(out.columns)) - set(KEY)
        if clash:
            raise EstimationError(f"{name} repeats panel columns {sorted(clash)}")
        merged = out.merge(frame, on=KEY, how="left", validate="one_to_one", indicator=True)
        missing = merged.loc[merged["_merge"] != "both", KEY]
        if len(missing):
            raise EstimationError(
                f"{name} lacks {len(missing)} province-years of the panel, e.g. {missing.iloc[0].tolist()}"
            )
        out = merged.drop(columns="_merge")
    out = out[~out["year"].isin(list(drop_years))]
    return out.sort_values(KEY).reset_index(drop=True)


# Key columns a model stage reads whether or not the spec names them (its defaults).
DEFAULT_MODEL_COLUMNS = ("province", "year", "region")


def spec_columns(spec: object, available: Sequence[str]) -> list[str]:
    """Columns of ``available`` that a model spec can refer to, in the order of ``available``.

    Every string anywhere in the (nested) spec that names an available column
    counts, plus :data:`DEFAULT_MODEL_COLUMNS`; so a new spec key that names a
    column is never missed, and an unused column is never read.
    """
    names: set[str] = set(DEFAULT_MODEL_COLUMNS)

    def walk(v: object) -> None:
        if isinstance(v, str):
            names.add(v)
        elif isinstance(v, Mapping):
            for k, w in v.items():
                walk(k)
                walk(w)
        elif isinstance(v, Sequence):
            for w in v:
                walk(w)

    walk(spec)
    return [c for c in available if c in names]


def read_model_frame(path: str | Path, spec: Mapping) -> pd.DataFrame:
    """Read only the columns a model spec needs from an analysis Parquet file (projection pushdown).

    Parquet is columnar: the unread columns are never decoded, so the memory
    of a model stage grows with the columns it uses, not with the width of the
    analysis frame.
    """
    import pyarrow.parquet as pq

    available = pq.read_schema(path).names
    return pd.read_parquet(path, columns=spec_columns(spec, available))
