"""Partialling out fixed effects (the within transformation): imtfp's own engine, numpy/scipy only.

Shared by ``tfp`` (α estimated with two-way FE) and ``models`` (TWFE, IV, the
multiverse engine, the bootstraps); measurement must never import ``models``.

For a design :math:`X` (n × k) and absorbed factors :math:`D = [D_1,\\dots,D_K]`
(dummy matrices of integer-coded groups) the engine returns the residual of
the least-squares regression of every column of :math:`X` on :math:`D`,

.. math::
    \\ddot X = M_D X = X - D(D'D)^{-}D'X,

all columns together, in float64, from integer codes computed once. Which
algorithm runs is decided once per set of factors (:class:`AbsorbPlan`):

* one factor — the exact group demeaning :math:`x_{it} - \\bar x_i`;
* two factors forming a balanced panel (every pair observed exactly once) —
  the exact one-pass formula :math:`x_{it} - \\bar x_{i\\cdot} - \\bar x_{\\cdot t} + \\bar x`;
* two factors otherwise (unbalanced panels, resampled clusters) with the
  smaller factor at most ``EXACT_MAX_LEVELS`` levels — exact as well: the
  larger factor (entities) is swept out in closed form and the effects of the
  smaller one (periods) solve the :math:`T\\times T` reduced normal equations
  :math:`D_t'M_eD_t\\,\\lambda = D_t'M_e x` (a graph Laplacian; its
  pseudo-inverse handles disconnected samples), then
  :math:`\\ddot x = M_e x - M_e D_t\\lambda`. This is what reghdfe and fixest
  approach iteratively; it costs a few passes over the data, not an iteration;
* three or more factors, or two large ones — conjugate gradient on the
  symmetric Kaczmarz (forward-then-backward alternating projection) operator,
  the default of ``reghdfe`` (Correia 2017). The iteration stops when the
  residual norm of every column falls below ``tol`` (default ``1e-10``)
  times its starting norm, at most ``maxiter`` iterations; non-convergence
  raises :class:`~imtfp.errors.EstimationError`.

Why our own code and not pyfixest or linearmodels: the within transformation
is the hot path of every model and of the multiverse engine, which reuses one
plan (codes, counts, Laplacian) across thousands of columns; linearmodels'
two-way demeaning builds dense dummies and pandas copies (4.9 GB at 1M rows).

Singletons (observations alone in a group of some factor) are perfectly fit by
their dummy and carry no information on the slopes; like reghdfe we drop them
iteratively (:func:`singleton_mask`) and report how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from imtfp.errors import EstimationError

EXACT_MAX_LEVELS = 5000  # the reduced system is dense T × T; above this use CG
_DENSE_CROSSTAB_MAX = 10_000_000  # cells of the entity × period count table kept dense
_WIDE = 8  # above this many columns group sums use one sparse product instead of bincount


def group_codes(labels: Sequence | np.ndarray) -> np.ndarray:
    """Integer codes 0..G-1 for arbitrary group labels, in the sorted order of the labels.

    Hash-based (``pandas.factorize``, O(n)) with the uniques sorted, so the
    codes equal ``np.unique(labels, return_inverse=True)[1]``.
    """
    arr = np.asarray(labels)
    if arr.dtype.kind in "iub" and arr.size:
        return _integer_codes(arr.ravel())
    codes, _ = pd.factorize(arr, sort=True, use_na_sentinel=True)
    if codes.size and codes.min() < 0:  # missing labels: keep np.unique's behaviour
        _, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.intp, copy=False).ravel()


def _integer_codes(arr: np.ndarray) -> np.ndarray:
    """Sorted-order codes of integer labels by a presence table when their range is short (O(n))."""
    lo, hi = int(arr.min()), int(arr.max())
    if hi - lo > 4 * arr.size + 1024:
        _, codes = np.unique(arr, return_inverse=True)
        return codes.astype(np.intp).ravel()
    shifted = (arr - lo).astype(np.intp, copy=False)
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[shifted] = True
    return (np.cumsum(present, dtype=np.intp) - 1)[shifted]


def compact_codes(codes: np.ndarray) -> np.ndarray:
    """Renumber codes to 0..G'-1 after rows were dropped (order kept), O(n)."""
    codes = np.asarray(codes, dtype=np.intp)
    if codes.size == 0:
        return codes
    present = np.bincount(codes) > 0
    if present.all():
        return codes
    return (np.cumsum(present) - 1)[codes].astype(np.intp)


def is_nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """True if every group of ``inner`` lies inside one group of ``outer``, in O(n).

    Writes one member's ``outer`` code per ``inner`` group (any member will do)
    and checks that every row agrees with it; no sort of row pairs.
    """
    if inner is outer:
        return True
    inner = np.asarray(inner, dtype=np.intp)
    outer = np.asarray(outer)
    if inner.size == 0:
        return True
    rep = np.empty(int(inner.max()) + 1, dtype=outer.dtype)
    rep[inner] = outer
    return bool(np.array_equal(rep[inner], outer))


def singleton_mask(groups: Sequence[np.ndarray]) -> np.ndarray:
    """Rows to keep after dropping singletons iteratively, as reghdfe does.

    A row alone in its group of any factor is fit exactly by its dummy; dropping
    it can create new singletons in another factor, so passes repeat until none
    is left. Returns a boolean mask (all True when nothing is dropped).
    """
    n = len(groups[0]) if groups else 0
    keep = np.ones(n, dtype=bool)
    if len(groups) == 0:
        return keep
    while True:
        changed = False
        for codes in groups:
            counts = np.bincount(codes[keep], minlength=int(codes.max()) + 1 if n else 0)
            single = keep & (counts[codes] == 1)
            if single.any():
                keep &= ~single
                changed = True
        if not changed or len(groups) == 1:
            return keep


def _bincount_sums(X: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    out = np.empty((G, X.shape[1]), order="F")
    for j in range(X.shape[1]):
        out[:, j] = np.bincount(codes, weights=X[:, j], minlength=G)
    return out


@dataclass
class _Factor:
    codes: np.ndarray
    G: int
    counts: np.ndarray
    _Dt: sp.csr_matrix | None = field(default=None, repr=False)

    @classmethod
    def of(cls, codes: np.ndarray) -> _Factor:
        codes = np.ascontiguousarray(codes, dtype=np.intp)
        G = int(codes.max()) + 1 if codes.size else 0
        counts = np.bincount(codes, minlength=G).astype(float)
        if (counts == 0).any():
            codes = compact_codes(codes)
            G = int(codes.max()) + 1
            counts = np.bincount(codes, minlength=G).astype(float)
        return cls(codes, G, counts)

    def sums(self, X: np.ndarray) -> np.ndarray:
        """:math:`D'X`, (G, k), Fortran order."""
        if X.shape[1] <= _WIDE:
            return _bincount_sums(X, self.codes, self.G)
        if self._Dt is None:
            n = len(self.codes)
            self._Dt = sp.csr_matrix((np.ones(n), (self.codes, np.arange(n))), shape=(self.G, n))
        return np.asfortranarray(self._Dt @ X)

    def means(self, X: np.ndarray) -> np.ndarray:
        return self.sums(X) / self.counts[:, None]

    def sweep(self, X: np.ndarray) -> None:
        """In place: :math:`X \\leftarrow M_j X` (subtract group means)."""
        subtract_rows(X, self.means(X), self.codes)


def subtract_rows(X: np.ndarray, M: np.ndarray, codes: np.ndarray) -> None:
    """In place :math:`X_{i\\cdot} \\mathrel{-}= M_{g(i)\\cdot}`, column by column (one n-vector temporary)."""
    if X.shape[1] > _WIDE and X.flags.c_contiguous:
        X -= M[codes]
        return
    for j in range(X.shape[1]):
        X[:, j] -= M[:, j][codes]


class AbsorbPlan:
    """A plan for partialling out a set of factors, built once and applied to many columns.

    Parameters
    ----------
    groups : integer code arrays (see :func:`group_codes`), one per factor, equal length
    tol, maxiter : stopping rule of the iterative method (three or more
        factors, or two with more than ``EXACT_MAX_LEVELS`` levels each)

    Attributes
    ----------
    method : ``none``, ``one``, ``balanced``, ``exact`` or ``cg``
    rank : rank of the dummy matrix :math:`D` (levels, less redundant ones)
    components : connected components of a two-factor design (1 for a connected panel)
    """

    def __init__(self, groups: Sequence[np.ndarray], *, tol: float = 1e-10, maxiter: int = 10_000):
        self.factors = [_Factor.of(g) for g in groups]
        self.n = len(self.factors[0].codes) if self.factors else None
        if any(len(f.codes) != self.n for f in self.factors):
            raise EstimationError("every factor needs one code per row")
        self.tol, self.maxiter = tol, maxiter
        self.components = 1
        K = len(self.factors)
        if K == 0:
            self.method = "none"
        elif K == 1:
            self.method = "one"
        elif K == 2:
            self._plan_two()
        else:
            self.method = "cg"
        # rank of D: each extra factor repeats the constant; with two factors each
        # further connected component makes one more level redundant (for three or
        # more factors connectedness is assumed, as in reghdfe's default)
        levels = sum(f.G for f in self.factors)
        self.rank = levels - (self.components if K == 2 else max(K - 1, 0))

    # ------------------------------------------------------------------ planning
    def _plan_two(self) -> None:
        a, b = self.factors
        big, small = (a, b) if a.G >= b.G else (b, a)
        self._big, self._small = big, small
        n = self.n
        if small.G > EXACT_MAX_LEVELS:
            self.method = "cg"
            self.components = _components(big, small)
            return
        cells = big.G * small.G
        if n == cells:
            key = big.codes * small.G + small.codes
            if np.bincount(key, minlength=cells).max() == 1:
                self.method = "balanced"
                return
        # counts table C (E × T): dense if small enough, else sparse
        if cells <= _DENSE_CROSSTAB_MAX:
            C = np.bincount(big.codes * small.G + small.codes, minlength=cells).reshape(
                big.G, small.G
            )
            C = C.astype(float)
            A = np.diag(small.counts) - (C / big.counts[:, None]).T @ C
        else:
            C = sp.csr_matrix((np.ones(n), (big.codes, small.codes)), shape=(big.G, small.G))
            A = np.diag(small.counts) - np.asarray((C.multiply(1 / big.counts[:, None])).T @ C)
        self._C = C
        w, Q = np.linalg.eigh((A + A.T) / 2)
        cut = 1e-9 * max(float(w.max()), 1.0)
        keep = w > cut
        self.components = int((~keep).sum())
        self._Apinv = (Q[:, keep] / w[keep]) @ Q[:, keep].T
        self.method = "exact"

    # ------------------------------------------------------------------ applying
    def demean(self, X: np.ndarray, *, copy: bool = True) -> np.ndarray:
        """:math:`M_D X` for X of shape (n,) or (n, k), all columns together.

        Returns a new float64 array (or works in place on a float64,
        Fortran- or C-ordered 2-d ``X`` when ``copy=False``).
        """
        X = np.asarray(X, dtype=float)
        squeeze = X.ndim == 1
        Z = X.reshape(len(X), -1)
        if copy or not Z.flags.writeable:
            Z = np.array(Z, dtype=float, order="F", copy=True)
        if self.method == "none" or Z.shape[1] == 0:
            pass
        elif self.method == "one":
            self.factors[0].sweep(Z)
        elif self.method == "balanced":
            self._balanced(Z)
        elif self.method == "exact":
            self._exact(Z)
        else:
            self._cg(Z)
        return Z[:, 0] if squeeze else Z

    def _balanced(self, Z: np.ndarray) -> None:
        a, b = self.factors
        ma, mb = a.means(Z), b.means(Z)
        mb -= Z.mean(axis=0)  # x - x̄_i - (x̄_t - x̄)
        subtract_rows(Z, ma, a.codes)
        subtract_rows(Z, mb, b.codes)

    def _exact(self, Z: np.ndarray) -> None:
        big, small = self._big, self._small
        big.sweep(Z)  # M_e x
        lam = self._Apinv @ small.sums(Z)  # λ = (D_t'M_eD_t)^+ D_t'M_e x
        lam_bar = np.asfortranarray(self._C @ lam) / big.counts[:, None]  # P_e D_t λ, by entity
        subtract_rows(Z, np.asfortranarray(lam), small.codes)
        subtract_rows(Z, -lam_bar, big.codes)

    def _kaczmarz(self, V: np.ndarray) -> np.ndarray:
        """Symmetric alternating projection :math:`S = M_1\\cdots M_K M_K\\cdots M_1` (copy)."""
        W = V.copy(order="F")
        order = list(range(len(self.factors)))
        for j in order + order[::-1][1:]:
            self.factors[j].sweep(W)
        return W

    def _cg(self, Z: np.ndarray) -> None:
        """Solve :math:`(I-S)\\,z = (I-S)\\,x` for the absorbed part z by conjugate gradient.

        :math:`I-S` is symmetric positive definite on the span of the dummies
        and :math:`M_Dx` is the fixed point of :math:`S`, so
        :math:`M_Dx = x - z` (reghdfe's ``cg`` with symmetric Kaczmarz).
        """
        r = Z - self._kaczmarz(Z)  # b - (I-S)·0
        b_norm = np.sqrt((r * r).sum(axis=0))
        z = np.zeros_like(Z, order="F")
        p = r.copy(order="F")
        rr = (r * r).sum(axis=0)
        active = b_norm > 0
        for _ in range(self.maxiter):
            if not active.any() or np.all(np.sqrt(rr[active]) <= self.tol * b_norm[active]):
                Z -= z
                return
            Ap = p - self._kaczmarz(p)
            pAp = (p * Ap).sum(axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                alpha = np.where(pAp > 0, rr / pAp, 0.0)
            z += p * alpha
            r -= Ap * alpha
            rr_new = (r * r).sum(axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                beta = np.where(rr > 0, rr_new / rr, 0.0)
            p = r + p * beta
            rr = rr_new
        raise EstimationError(
            f"fixed effects: the iterative within transformation did not converge in {self.maxiter} "
            f"iterations (tol {self.tol:g}); are the factors nearly collinear?"
        )

    # ------------------------------------------------------------------ degrees of freedom
    def dof(self, clusters: Sequence[np.ndarray] = ()) -> int:
        """Effect dummies spent, less the constant and those nested in a cluster variable.

        Each factor costs :math:`G_j-1` (the constant is counted by the
        caller); with two factors every extra connected component makes one
        more level redundant (reghdfe's "redundant" column). A factor whose
        groups lie inside the groups of a cluster variable costs nothing
        (Stata's convention for ``xtreg, fe vce(cluster)`` and ``reghdfe``);
        nesting is checked in O(n).
        """
        counted = [f for f in self.factors if not any(is_nested(f.codes, c) for c in clusters)]
        dof = sum(f.G - 1 for f in counted)
        if len(self.factors) == 2 and len(counted) == 2:
            dof -= self.components - 1
        return dof


def _components(a: _Factor, b: _Factor) -> int:
    from scipy.sparse.csgraph import connected_components

    n = len(a.codes)
    graph = sp.csr_matrix((np.ones(n), (a.codes, b.codes)), shape=(a.G, b.G))
    bip = sp.bmat([[None, graph], [graph.T, None]]).tocsr()
    return int(connected_components(bip, directed=False)[0])


def demean(
    X: np.ndarray,
    groups: Sequence[np.ndarray],
    *,
    tol: float = 1e-10,
    maxiter: int = 10_000,
) -> np.ndarray:
    """Residualise the columns of ``X`` on one or more sets of group dummies.

    .. math::
        \\ddot X = X - D(D'D)^{-}D'X,\\qquad D = [D_1, \\dots, D_K]

    With one factor this is :math:`\\tilde x_{it} = x_{it} - \\bar x_i`; with
    two it is exact as well (balanced one-pass formula or the reduced
    normal equations of the smaller factor); with three or more it iterates
    (conjugate gradient, relative tolerance ``tol``). See :class:`AbsorbPlan`
    to reuse one plan across many calls.

    Parameters
    ----------
    X : array (n,) or (n, k)
    groups : integer code arrays (see :func:`group_codes`), one per factor.

    Examples
    --------
    >>> import numpy as np
    >>> e, t = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    >>> demean(np.array([1.0, 2.0, 3.0, 5.0]), [e, t]).round(3).tolist()
    [0.25, -0.25, -0.25, 0.25]
    """
    X = np.asarray(X, dtype=float)
    if not groups:
        return X.copy()
    return AbsorbPlan(groups, tol=tol, maxiter=maxiter).demean(X)
