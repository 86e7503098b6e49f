"""The analysis frame: the panel joined with the measures the models use."""

from __future__ import annotations

from collections.abc import Sequence

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
    2020); the measures themselves were built on every year. Raises ``ValueError`` if a measure
    does not cover exactly the panel's rows (a silent inner join would drop province-years).
    """
    parts = {
        "index": index,
        "coupling": coupling[KEY + ["C", "T", "D"]].rename(columns={"C": "ccd_C", "T": "ccd_T", "D": "ccd"}),
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
            raise EstimationError(f"{name} lacks {len(missing)} province-years of the panel, e.g. {missing.iloc[0].tolist()}")
        out = merged.drop(columns="_merge")
    out = out[~out["year"].isin(list(drop_years))]
    return out.sort_values(KEY).reset_index(drop=True)
