"""Coupling coordination degree of n subsystems, its ten levels, and relative development."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.options import CouplingFormula, check_option

# Ten bands of width 0.1 for D: [0, 0.1), [0.1, 0.2), ..., [0.9, 1].
LEVELS_ZH: tuple[str, ...] = (
    "极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
    "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调",
)  # fmt: skip
LEVELS_EN: tuple[str, ...] = (
    "extreme imbalance", "serious imbalance", "moderate imbalance", "mild imbalance",
    "verge of imbalance", "barely coordinated", "primary coordination",
    "intermediate coordination", "good coordination", "high-quality coordination",
)  # fmt: skip
_BAND_EDGES = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])


def coordination_level(
    D: Sequence[float] | np.ndarray | pd.Series,
) -> tuple[np.ndarray, np.ndarray]:
    """Chinese and English level names of coupling coordination degrees D in [0, 1].

    Band k (k = 0..9) is [k/10, (k+1)/10), the last one closed: [0.9, 1].
    Edges compare against the literals 0.1, …, 0.9, so D = 0.3 is "轻度失调".
    """
    d = np.asarray(D, dtype=float)
    if np.isnan(d).any() or (d < 0).any() or (d > 1).any():
        raise EstimationError("coupling coordination degree D must lie in [0, 1]")
    k = np.searchsorted(_BAND_EDGES, d, side="right")
    return np.asarray(LEVELS_ZH, dtype=object)[k], np.asarray(LEVELS_EN, dtype=object)[k]


def coupling_coordination(
    U: pd.DataFrame,
    *,
    weights: Sequence[float] | None = None,
    formula: CouplingFormula = "classic",
) -> pd.DataFrame:
    r"""Coupling degree C, coordination index T and coupling coordination degree D.

    Columns of ``U`` are the n ≥ 2 subsystem scores :math:`U_k \in [0, 1]`.

    ``formula="classic"``:

    .. math:: C = \frac{n \left(\prod_k U_k\right)^{1/n}}{\sum_k U_k}

    ``formula="corrected"`` (Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan,
    Dai Binting 2021, 国内耦合协调度模型的误区及修正, 自然资源学报 36(3):
    793–810):

    .. math::

        C = \sqrt{\Big[1 - \tfrac{2}{n(n-1)} \sum_{k<l} |U_k - U_l|\Big]
                  \Big[\prod_k \frac{U_k}{\max_l U_l}\Big]^{1/(n-1)}}

    (for n = 2: :math:`\sqrt{(1 - |U_1 - U_2|)\, \min/\max}`). Both give
    C ∈ [0, 1], C = 1 when all :math:`U_k` are equal (also all zero, the
    limit along the diagonal) and C = 0 when some but not all are zero. Then

    .. math:: T = \sum_k \alpha_k U_k, \qquad D = \sqrt{C\,T},

    with :math:`\alpha_k` = ``weights`` (non-negative, sum 1; default 1/n).

    Returns
    -------
    DataFrame indexed like ``U`` with columns ``C, T, D, level, level_en``
    (the ten bands of :func:`coordination_level`).

    Raises
    ------
    EstimationError, ConfigError
        A value outside [0, 1] or missing (naming the column), fewer than two
        columns, bad weights or formula.

    Examples
    --------
    >>> import pandas as pd
    >>> U = pd.DataFrame({"im": [0.2, 0.6], "tfp": [0.4, 0.6]})
    >>> coupling_coordination(U)[["C", "T", "D", "level_en"]].round(3)
           C    T      D                   level_en
    0  0.943  0.3  0.532         barely coordinated
    1  1.000  0.6  0.775  intermediate coordination
    """
    check_option(formula, CouplingFormula, "formula")
    A = _subsystem_matrix(U)
    n = A.shape[1]
    alpha = _coupling_weights(weights, n)
    if formula == "classic":
        C = _classic_coupling(A)
    else:
        C = _corrected_coupling(A)
    T = A @ alpha
    D = np.sqrt(np.clip(C * T, 0.0, 1.0))
    zh, en = coordination_level(D)
    return pd.DataFrame(
        {"C": C, "T": T, "D": D, "level": zh, "level_en": en}, index=U.index
    ).astype({"level": "str", "level_en": "str"})


def _subsystem_matrix(U: pd.DataFrame) -> np.ndarray:
    if not isinstance(U, pd.DataFrame) or U.shape[1] < 2:
        raise EstimationError("U must be a DataFrame with at least two subsystem columns")
    A = U.to_numpy(dtype=float)
    for j, col in enumerate(U.columns):
        x = A[:, j]
        if np.isnan(x).any() or (x < 0).any() or (x > 1).any():
            raise EstimationError(
                f"subsystem score {col!r} must lie in [0, 1] with no missing values"
            )
    return A


def _coupling_weights(weights: Sequence[float] | None, n: int) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / n)
    a = np.asarray(weights, dtype=float)
    if a.shape != (n,) or not np.isfinite(a).all() or (a < 0).any() or abs(a.sum() - 1) > 1e-9:
        raise ConfigError(
            f"weights={list(weights)!r} must be {n} non-negative numbers summing to 1"
        )
    return a


def _all_equal(A: np.ndarray) -> np.ndarray:
    return (A.max(axis=1) - A.min(axis=1)) == 0


def _classic_coupling(A: np.ndarray) -> np.ndarray:
    n = A.shape[1]
    total = A.sum(axis=1)
    # Geometric mean via logs is stable for many subsystems; a zero gives 0.
    with np.errstate(divide="ignore"):
        gmean = np.exp(np.log(A).mean(axis=1))
    C = np.where(total > 0, n * gmean / np.where(total > 0, total, 1.0), 1.0)
    C = np.where(_all_equal(A), 1.0, C)
    return np.clip(C, 0.0, 1.0)


def _corrected_coupling(A: np.ndarray) -> np.ndarray:
    n = A.shape[1]
    gaps = np.mean([np.abs(A[:, k] - A[:, l]) for k, l in combinations(range(n), 2)], axis=0)
    top = A.max(axis=1)
    ratios = A / np.where(top > 0, top, 1.0)[:, None]
    with np.errstate(divide="ignore"):
        balance = np.exp(np.log(ratios).sum(axis=1) / (n - 1))
    C = np.sqrt(np.clip((1.0 - gaps) * balance, 0.0, 1.0))
    return np.where(_all_equal(A), 1.0, C)


LagThresholds = tuple[float, float]


def relative_development(
    U: pd.DataFrame,
    lead: str,
    base: str,
    *,
    thresholds: LagThresholds = (0.9, 1.1),
) -> pd.DataFrame:
    r"""Relative development degree :math:`E = U_{lead} / U_{base}` and its lag type.

    With thresholds :math:`(a, b)`, :math:`0 < a \le 1 \le b` (default
    (0.9, 1.1), the usual ±10 % band of synchronous development):

    * :math:`E < a` — ``"<lead> lagging"`` (e.g. "technology lagging"),
    * :math:`a \le E \le b` — ``"synchronous"``,
    * :math:`E > b` — ``"<base> lagging"`` (e.g. "industry lagging").

    Conventions: :math:`U_{base} = 0 < U_{lead}` gives E = inf ("<base>
    lagging"); both zero give E = 1 ("synchronous").

    Returns
    -------
    DataFrame indexed like ``U`` with columns ``E`` and ``lag_type``.
    """
    for name in (lead, base):
        if name not in U.columns:
            raise ConfigError(f"subsystem {name!r} not in U (columns {list(U.columns)})")
    a, b = (float(t) for t in thresholds)
    if not (0 < a <= 1 <= b):
        raise ConfigError(f"thresholds={thresholds!r} must satisfy 0 < a <= 1 <= b")
    x = U[lead].to_numpy(dtype=float)
    y = U[base].to_numpy(dtype=float)
    if np.isnan(x).any() or np.isnan(y).any() or (x < 0).any() or (y < 0).any():
        raise EstimationError(
            f"subsystem scores {lead!r}, {base!r} must be non-negative, no missing values"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        E = np.where(y > 0, x / np.where(y > 0, y, 1.0), np.where(x > 0, np.inf, 1.0))
    lag = np.where(E < a, f"{lead} lagging", np.where(E > b, f"{base} lagging", "synchronous"))
    return pd.DataFrame({"E": E, "lag_type": lag}, index=U.index).astype({"lag_type": "str"})
