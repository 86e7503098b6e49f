"""Spatial weight matrices of the 31 provinces: measures built from shared reference data.

Three builders, each returning a square ``DataFrame`` labelled by province code (GB/T 2260, the
``province`` key of the analysis panel) on both axes, zero diagonal, row-normalised unless told:

* :func:`contiguity_weights` — first-order land contiguity from ``imtfp/data/province_neighbours.csv``
  (written from public geography; Hainan, which has no land border, is linked to Guangdong by the
  usual convention so that no row is empty);
* :func:`inverse_distance_weights` — :math:`w_{ij} = d_{ij}^{-p}`, great-circle distance between
  the provincial capitals of ``imtfp/data/province_capitals.csv`` (public coordinates);
* :func:`economic_distance_weights` — :math:`w_{ij} = 1/|\\bar y_i - \\bar y_j|` from the sample
  means of a panel column (e.g. GDP per capita).

:func:`row_normalize` divides each row by its sum (:math:`\\sum_j w_{ij} = 1`) and
:func:`align_weights` orders a labelled matrix like the sorted entities of a panel, refusing
labels that do not match. Only numpy and pandas: a matrix of 31 rows needs no library (PySAL's
``libpysal`` would bring geopandas for the same three formulas).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from imtfp import provinces
from imtfp.errors import ConfigError, EstimationError, MissingColumnError

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def row_normalize(W) -> np.ndarray | pd.DataFrame:
    """Divide each row by its sum: :math:`w^*_{ij} = w_{ij} / \\sum_k w_{ik}`.

    Keeps labels of a ``DataFrame``. A row of zeros (an island) raises
    :class:`~imtfp.errors.EstimationError` naming it: a row-normalised W has no empty row.
    """
    arr = np.asarray(W, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise EstimationError(f"W must be a square matrix, got shape {arr.shape}")
    if (arr < 0).any():
        raise EstimationError("W has negative weights")
    sums = arr.sum(axis=1)
    empty = np.flatnonzero(sums <= 0)
    if empty.size:
        labels = list(W.index[empty]) if isinstance(W, pd.DataFrame) else empty.tolist()
        raise EstimationError(f"W has rows without neighbours (cannot row-normalise): {labels}")
    out = arr / sums[:, None]
    if isinstance(W, pd.DataFrame):
        return pd.DataFrame(out, index=W.index, columns=W.columns)
    return out


def is_row_normalized(W, *, tol: float = 1e-10) -> bool:
    """True when every row of W sums to one (within ``tol``)."""
    return bool(np.allclose(np.asarray(W, dtype=float).sum(axis=1), 1.0, rtol=0.0, atol=tol))


def align_weights(W, entities: Sequence) -> np.ndarray:
    """W as an array ordered like ``entities`` (the sorted entities of a panel).

    An array is taken as already in that order (its size must match). A ``DataFrame`` is
    reordered by its labels (index and columns, compared as strings); labels missing on either
    side raise :class:`~imtfp.errors.ConfigError` naming them.
    """
    keys = [str(e) for e in entities]
    if isinstance(W, pd.DataFrame):
        rows, cols = [str(i) for i in W.index], [str(c) for c in W.columns]
        if len(set(rows)) != len(rows) or set(rows) != set(cols):
            raise ConfigError("W: row and column labels differ or repeat")
        missing = [k for k in keys if k not in set(rows)]
        extra = [r for r in rows if r not in set(keys)]
        if missing or extra:
            raise ConfigError(
                f"W labels do not match the panel's entities: missing from W {missing}, "
                f"not in the panel {extra}"
            )
        frame = W.copy()
        frame.index, frame.columns = rows, cols
        return frame.loc[keys, keys].to_numpy(dtype=float)
    arr = np.asarray(W, dtype=float)
    if arr.shape != (len(keys), len(keys)):
        raise ConfigError(f"W has shape {arr.shape} but the panel has {len(keys)} entities")
    return arr


@cache
def _neighbours() -> dict[str, list[str]]:
    with (
        resources.files("imtfp.data")
        .joinpath("province_neighbours.csv")
        .open(encoding="utf-8") as fh
    ):
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return {r.code: r.neighbours.split() for r in table.itertuples(index=False)}


@cache
def capitals() -> pd.DataFrame:
    """Provincial capitals: code, capital_zh, capital_en, lat, lon (decimal degrees)."""
    with (
        resources.files("imtfp.data").joinpath("province_capitals.csv").open(encoding="utf-8") as fh
    ):
        return pd.read_csv(fh, dtype={"code": str})


def _codes(codes: Sequence[str] | None) -> list[str]:
    if codes is None:
        return provinces.codes()
    out = [str(c) for c in codes]
    unknown = [c for c in out if c not in set(provinces.codes())]
    if unknown:
        raise ConfigError(f"unknown province codes {unknown}")
    return out


def _frame(arr: np.ndarray, codes: list[str], normalize: bool) -> pd.DataFrame:
    frame = pd.DataFrame(arr, index=codes, columns=codes)
    return row_normalize(frame) if normalize else frame


def contiguity_weights(
    codes: Sequence[str] | None = None, *, normalize: bool = True
) -> pd.DataFrame:
    """First-order contiguity of the provinces (1 when two share a land border).

    .. math:: w_{ij} = 1\\{j \\in \\mathcal N(i)\\},\\quad w_{ii} = 0,

    Hainan (46) and Guangdong (44) are linked by convention. ``codes`` restricts the matrix to
    some provinces (in that order; a province left without neighbours then fails row
    normalisation); default all 31 in GB/T 2260 order.
    """
    keys = _codes(codes)
    pos = {c: i for i, c in enumerate(keys)}
    arr = np.zeros((len(keys), len(keys)))
    for c in keys:
        for nb in _neighbours()[c]:
            if nb in pos:
                arr[pos[c], pos[nb]] = 1.0
    return _frame(arr, keys, normalize)


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Haversine distances (km) between all pairs of points given in decimal degrees.

    .. math:: d_{ij} = 2R\\arcsin\\sqrt{\\sin^2\\frac{\\Delta\\phi}{2}
              + \\cos\\phi_i\\cos\\phi_j\\sin^2\\frac{\\Delta\\lambda}{2}}
    """
    phi, lam = np.radians(lat), np.radians(lon)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def inverse_distance_weights(
    codes: Sequence[str] | None = None, *, power: float = 1.0, normalize: bool = True
) -> pd.DataFrame:
    """Inverse great-circle distance between provincial capitals: :math:`w_{ij} = d_{ij}^{-p}`."""
    keys = _codes(codes)
    cap = capitals().set_index("code").loc[keys]
    d = great_circle_km(cap["lat"].to_numpy(float), cap["lon"].to_numpy(float))
    with np.errstate(divide="ignore"):
        arr = np.where(np.eye(len(keys), dtype=bool), 0.0, d ** (-float(power)))
    return _frame(arr, keys, normalize)


def economic_distance_weights(
    panel: pd.DataFrame,
    column: str,
    *,
    entity: str = "province",
    time: str = "year",
    years: tuple[int, int] | None = None,
    normalize: bool = True,
) -> pd.DataFrame:
    """Economic distance: :math:`w_{ij} = 1/|\\bar y_i - \\bar y_j|`, :math:`\\bar y_i` the mean
    of ``column`` over the sample years (``years`` = (first, last) to restrict them).

    Labels are the panel's entities, sorted. Two entities with equal means (an infinite weight)
    raise :class:`~imtfp.errors.EstimationError` naming them.
    """
    missing = [c for c in (entity, time, column) if c not in panel.columns]
    if missing:
        raise MissingColumnError("economic distance weights", missing, available=panel.columns)
    data = panel
    if years is not None:
        data = panel[(panel[time] >= years[0]) & (panel[time] <= years[1])]
    means = data.groupby(entity, sort=True)[column].mean()
    if means.isna().any():
        raise EstimationError(
            f"economic distance: {column!r} has no values for {list(means.index[means.isna()])}"
        )
    v = means.to_numpy(float)
    gap = np.abs(v[:, None] - v[None, :])
    off = ~np.eye(len(v), dtype=bool)
    if (gap[off] == 0).any():
        i, j = np.argwhere((gap == 0) & off)[0]
        raise EstimationError(
            f"economic distance: {means.index[i]} and {means.index[j]} have the same mean "
            f"{column} (infinite weight)"
        )
    with np.errstate(divide="ignore"):
        arr = np.where(off, 1.0 / gap, 0.0)
    return _frame(arr, [str(k) for k in means.index], normalize)
