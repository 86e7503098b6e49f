"""Alternative measurements of the regressor, for the multiverse's upstream forking paths."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from imtfp.config import merge
from imtfp.index.build import build_index

KEY = ["province", "year"]


def measure_variants(
    panel: pd.DataFrame, spec: Mapping, variants: Mapping[str, Mapping]
) -> pd.DataFrame:
    """One column per variant: the index (or coupling degree) rebuilt with overridden choices.

    Parameters
    ----------
    panel : the analysis panel.
    spec : the baseline ``index`` section with ``coupling`` merged in (as :func:`build_index` takes it).
    variants : ``{name: {"index": {...overrides...}, "coupling": {...}, "column": "im_index" | "D" | subsystem}}``;
        ``index`` overrides the index options (method, scheme, rescale), ``coupling`` the coupling options,
        ``column`` names the output taken (default ``im_index``; ``D``, ``C``, ``T`` come from coupling).

    Returns
    -------
    DataFrame with province, year and one column per variant.
    """
    out = panel[KEY].copy()
    for name, variant in variants.items():
        v_spec = merge(spec, variant.get("index", {}))
        v_spec["coupling"] = merge(spec.get("coupling", {}), variant.get("coupling", {}))
        built = build_index(panel, v_spec)
        column = variant.get("column", "im_index")
        source = built["coupling"] if column in ("C", "T", "D") else built["index"]
        out = out.merge(
            source[KEY + [column]].rename(columns={column: name}),
            on=KEY,
            how="left",
            validate="one_to_one",
        )
    return out
