"""The result protocol every imtfp estimator follows (statsmodels/linearmodels-like).

A result class inherits :class:`Estimates` and provides five attributes:

* ``terms`` — coefficient names, in order;
* ``coef`` — the estimates (1-d array, aligned with ``terms``);
* ``vcov`` — their covariance (k × k array);
* ``df_inf`` — degrees of freedom of the t reference distribution, ``None``
  for the normal (e.g. G − 1 for cluster-robust inference);
* ``cov_type`` — a short name of the inference used.

and, where they exist, ``nobs``, ``n_clusters``, ``df_resid``, ``dep_var``.
In return it gets ``params``, ``bse``, ``tvalues``, ``pvalues`` (Series by
term), ``conf_int(level)``, ``summary()`` and a default ``tidy()`` in the
:mod:`imtfp.tidy` format. ``_summary_header`` may be overridden to add
model-specific lines (sample, fixed effects, inference) to ``summary()``.

Examples
--------
>>> import numpy as np
>>> from dataclasses import dataclass
>>> @dataclass
... class Fit(Estimates):
...     terms: list
...     coef: np.ndarray
...     vcov: np.ndarray
...     df_inf: int | None = None
...     cov_type: str = "unadjusted"
...     nobs: int = 100
>>> fit = Fit(["x"], np.array([2.0]), np.array([[1.0]]))
>>> float(fit.tvalues["x"])
2.0
>>> round(float(fit.pvalues["x"]), 4)
0.0455
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.tidy import tidy_frame


def _dist(df_inf: int | None):
    from scipy import stats  # lazy: importing imtfp stays cheap

    return stats.norm if df_inf is None else stats.t(df_inf)


class Estimates:
    """Mixin giving a result the statsmodels-style accessors from ``terms``, ``coef``, ``vcov``."""

    terms: Sequence[str]
    coef: np.ndarray
    vcov: np.ndarray
    df_inf: int | None
    cov_type: str

    # optional facts; subclasses that know them override
    nobs: int | None = None
    n_clusters: int | None = None
    df_resid: int | None = None
    dep_var: str = ""

    @property
    def params(self) -> pd.Series:
        return pd.Series(np.asarray(self.coef, dtype=float), index=list(self.terms), name="params")

    @property
    def bse(self) -> pd.Series:
        se = np.sqrt(np.clip(np.diag(np.asarray(self.vcov, dtype=float)), 0.0, None))
        return pd.Series(se, index=list(self.terms), name="bse")

    @property
    def tvalues(self) -> pd.Series:
        se = self.bse
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se.to_numpy() > 0, self.params.to_numpy() / se.to_numpy(), np.nan)
        return pd.Series(t, index=se.index, name="tvalues")

    @property
    def pvalues(self) -> pd.Series:
        t = self.tvalues.to_numpy()
        p = np.where(np.isfinite(t), 2 * _dist(self.df_inf).sf(np.abs(t)), np.nan)
        return pd.Series(p, index=self.tvalues.index, name="pvalues")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals (columns ``lower``, ``upper``) at ``level``."""
        if not 0 < level < 1:
            raise ConfigError(f"level must lie in (0, 1), got {level}")
        q = _dist(self.df_inf).ppf(1 - (1 - level) / 2)
        b, se = self.params, self.bse
        return pd.DataFrame({"lower": b - q * se, "upper": b + q * se})

    def cov_params(self) -> pd.DataFrame:
        names = list(self.terms)
        return pd.DataFrame(np.asarray(self.vcov, dtype=float), index=names, columns=names)

    def tidy(self, *, table: str = "", column: str = "", level: float = 0.95) -> pd.DataFrame:
        """One row per coefficient in the :mod:`imtfp.tidy` format."""
        ci = self.conf_int(level)
        frame = pd.DataFrame(
            {
                "table": table,
                "column": column,
                "term": list(self.terms),
                "estimate": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "t": self.tvalues.to_numpy(),
                "p": self.pvalues.to_numpy(),
                "ci_low": ci["lower"].to_numpy(),
                "ci_high": ci["upper"].to_numpy(),
                "nobs": self.nobs,
                "cov": self.cov_type,
                "dep_var": self.dep_var,
                "stat": False,
            }
        )
        return tidy_frame(frame.to_dict("records"))

    def _summary_header(self) -> list[tuple[str, str]]:
        """(label, value) lines above the coefficient table; override to add model facts."""
        lines = [("Model", type(self).__name__), ("Dep. variable", self.dep_var or "—")]
        if self.nobs is not None:
            lines.append(("No. observations", f"{self.nobs:,}"))
        lines.append(("Inference", self.cov_type))
        if self.n_clusters is not None:
            lines.append(("No. clusters", str(self.n_clusters)))
        ref = "normal" if self.df_inf is None else f"t({self.df_inf})"
        lines.append(("Reference distribution", ref))
        return lines

    def summary(self, level: float = 0.95) -> str:
        """A readable text table: model facts, then estimate, s.e., t, p and the interval."""
        head = self._summary_header()
        width = max(len(k) for k, _ in head)
        top = [f"{k:<{width}}  {v}" for k, v in head]
        ci = self.conf_int(level)
        pct = f"{100 * level:g}%"
        names = [str(t) for t in self.terms]
        nw = max([len(n) for n in names] + [4])
        cols = f"{'':<{nw}} {'coef':>11} {'std err':>11} {'t':>8} {'P>|t|':>7} {pct + ' low':>11} {pct + ' high':>11}"
        rule = "=" * len(cols)
        rows = [
            f"{n:<{nw}} {b:>11.5g} {s:>11.5g} {t:>8.3f} {p:>7.3f} {lo:>11.5g} {hi:>11.5g}"
            for n, b, s, t, p, lo, hi in zip(
                names,
                self.params,
                self.bse,
                self.tvalues,
                self.pvalues,
                ci["lower"],
                ci["upper"],
                strict=True,
            )
        ]
        return "\n".join([rule, *top, "-" * len(cols), cols, "-" * len(cols), *rows, rule])

    def __str__(self) -> str:
        return self.summary()


class ResultSet(Estimates):
    """Several results of one analysis, by name (split samples, one model under several
    inferences): a mapping of name → :class:`Estimates` with the same ``tidy`` signature.

    ``tidy(column=c)`` gives each member's rows in column ``c:<name>`` (``<name>`` when ``c`` is
    empty), so a table groups them under ``c``; ``terms`` restricts the rows to those terms
    (e.g. the core regressor when the members are one model under several covariances).
    The protocol attributes stack the members: ``terms`` are ``<name>:<term>``, ``vcov`` is
    block-diagonal (the members' covariances; across members none is estimated).

    Examples
    --------
    >>> import numpy as np
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Fit(Estimates):
    ...     terms: list
    ...     coef: np.ndarray
    ...     vcov: np.ndarray
    ...     df_inf: int | None = None
    ...     cov_type: str = "unadjusted"
    >>> rs = ResultSet({"east": Fit(["x"], np.array([1.0]), np.eye(1)),
    ...                 "west": Fit(["x"], np.array([3.0]), np.eye(1))})
    >>> rs.tidy(table="t", column="region")[["column", "term", "estimate"]].values.tolist()
    [['region:east', 'x', 1.0], ['region:west', 'x', 3.0]]
    >>> list(rs.params.index), float(rs["west"].params["x"])
    (['east:x', 'west:x'], 3.0)
    """

    def __init__(self, members: Mapping[str, Estimates], *, terms: Sequence[str] | None = None):
        if not members:
            raise EstimationError("a result set needs at least one result")
        self.members: dict[str, Estimates] = dict(members)
        self.keep = list(terms) if terms is not None else None

    def __getitem__(self, name: str) -> Estimates:
        return self.members[name]

    def __iter__(self):
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def items(self):
        return self.members.items()

    def _shown(self, member: Estimates) -> list[str]:
        return [t for t in member.terms if self.keep is None or t in self.keep]

    @property
    def terms(self) -> list[str]:  # type: ignore[override]
        return [f"{n}:{t}" for n, m in self.members.items() for t in self._shown(m)]

    @property
    def coef(self) -> np.ndarray:  # type: ignore[override]
        return np.concatenate([np.asarray(m.params[self._shown(m)]) for m in self.members.values()])

    @property
    def vcov(self) -> np.ndarray:  # type: ignore[override]
        from scipy.linalg import block_diag

        blocks = [m.cov_params().loc[self._shown(m), self._shown(m)] for m in self.members.values()]
        return block_diag(*[b.to_numpy() for b in blocks])

    @property
    def pvalues(self) -> pd.Series:
        return pd.concat(
            [m.pvalues[self._shown(m)].rename(lambda t, n=n: f"{n}:{t}") for n, m in self.items()]
        ).rename("pvalues")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        return pd.concat(
            [
                m.conf_int(level).loc[self._shown(m)].rename(lambda t, n=n: f"{n}:{t}")
                for n, m in self.items()
            ]
        )

    @property
    def df_inf(self) -> int | None:  # type: ignore[override]
        return None  # members differ; their own p-values are used (pvalues, conf_int)

    @property
    def cov_type(self) -> str:  # type: ignore[override]
        return ", ".join(dict.fromkeys(m.cov_type for m in self.members.values()))

    @property
    def nobs(self) -> int | None:  # type: ignore[override]
        sizes = {m.nobs for m in self.members.values()}
        return sizes.pop() if len(sizes) == 1 else None

    def tidy(self, *, table: str = "", column: str = "", level: float = 0.95) -> pd.DataFrame:
        """Each member's tidy rows, in column ``<column>:<name>`` (``<name>`` if ``column`` is empty)."""
        frames = []
        for name, member in self.members.items():
            rows = member.tidy(
                table=table, column=f"{column}:{name}" if column else name, level=level
            )
            if self.keep is not None:
                rows = rows[rows["term"].isin(self.keep)]
            frames.append(rows)
        return pd.concat(frames, ignore_index=True)

    def summary(self, level: float = 0.95) -> str:
        return "\n\n".join(f"[{name}]\n{m.summary(level)}" for name, m in self.items())


@dataclass(eq=False)
class WaldTest(Estimates):
    """A joint Wald test that the coefficients ``terms`` are all zero.

    :math:`W = \\hat\\theta'\\hat V^{-1}\\hat\\theta` (pseudo-inverse), referred to
    :math:`\\chi^2_{df}`; the protocol attributes are the tested coefficients.
    """

    terms: list[str]
    coef: np.ndarray
    vcov: np.ndarray
    statistic: float
    df: int
    p: float
    df_inf: int | None = None
    cov_type: str = "wald"
    nobs: int | None = None
    dep_var: str = ""

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        lines[0] = ("Model", "joint Wald test (all coefficients = 0)")
        lines.append(("Wald chi2", f"{self.statistic:.4g} on {self.df} df, p = {self.p:.3g}"))
        return lines


@dataclass(eq=False)
class RandomizationResult(Estimates):
    """A randomisation-inference (permutation) test of one statistic.

    ``p`` = (1 + #{|θ*_b| ≥ |θ̂|}) / (1 + B) over ``draws`` = B permutations; the protocol's
    ``pvalues`` is this p (the statistic has no standard error: ``bse`` and the interval are NaN).
    """

    terms: list[str]
    coef: np.ndarray
    p: float
    draws: int
    statistic: str = ""
    cov_type: str = "randomization"
    df_inf: int | None = None
    nobs: int | None = None
    dep_var: str = ""

    @property
    def estimate(self) -> float:
        return float(self.coef[0])

    @property
    def vcov(self) -> np.ndarray:  # type: ignore[override]
        return np.full((len(self.terms), len(self.terms)), np.nan)

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(self.p, index=list(self.terms), name="pvalues")
