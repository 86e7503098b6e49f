"""fixest-style formulas for the panel estimators: ``"y ~ x + z | entity + time"``.

Grammar (a subset of R's fixest / Python's pyfixest, the notation users of ``reghdfe`` and
``feols`` already write)::

    formula   := dep "~" rhs ["|" absorbed] ["|" endog "~" instruments]
    rhs       := term ("+" term)*          term := name | name ":" name | name "*" name | "1" | "0"
    absorbed  := effect ("+" effect)*      effect := name | name "^" name ...
                                           (fixed effects, demeaned away, no coefficients)

* ``x:z`` adds the product column ``x:z`` (the interaction only);
* ``x*z`` expands to ``x + z + x:z`` (main effects and the interaction, as in R);
* ``a^b`` after the first ``|`` absorbs one effect per observed (a, b) pair (fixest's notation),
  e.g. ``"y ~ x | firm + year + industry^year"``; any number of absorbed effects;
* ``1`` / ``0`` alone mean "no exogenous regressor" (an IV model with only the endogenous one);
* the IV part ``endog ~ instr1 + instr2`` is the part holding a ``~`` after the first ``|``.

:func:`parse_formula` reads an OLS formula into ``(y, x, absorbed)``; :func:`parse_iv_formula` adds the
endogenous regressors and the instruments; :func:`add_interactions` builds the product columns.
The wrappers :func:`feols`, :func:`feiv` and :func:`mediate` call :func:`~imtfp.models.panel.fit_twfe`,
:func:`~imtfp.models.iv.iv_2sls` and :func:`~imtfp.models.mediation_analysis.mediation`. A hand-written parser
rather than formulaic/patsy: the grammar is six tokens, and those libraries build design matrices
with intercepts and categorical codings that the within estimator does not want.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from imtfp.errors import ConfigError
from imtfp.models.iv import IVFit, iv_2sls
from imtfp.models.mediation_analysis import MediationResult, mediation
from imtfp.models.panel import PanelFit, fit_twfe

_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*$")


@dataclass(frozen=True)
class Formula:
    """A parsed formula: dependent variable, regressors (products named ``a:b``), absorbed effects."""

    y: str
    x: tuple[str, ...]
    absorbed: tuple[str, ...]
    endog: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()

    @property
    def interactions(self) -> tuple[str, ...]:
        """The product terms (``a:b``) among the regressors and instruments."""
        return tuple(t for t in (*self.x, *self.endog, *self.instruments) if ":" in t)


def _fail(formula: str, why: str) -> ConfigError:
    return ConfigError(f"formula {formula!r}: {why}")


def _name(token: str, formula: str, what: str) -> str:
    token = token.strip()
    if not _NAME.match(token):
        raise _fail(formula, f"{what} {token!r} is not a column name (letters, digits, _ and .)")
    return token


def _terms(side: str, formula: str, *, allow_constant: bool = False) -> list[str]:
    """Split ``a + b:c + d*e`` into column names, expanding ``*`` (main effects and product)."""
    out: list[str] = []
    for raw in side.split("+"):
        token = raw.strip()
        if not token:
            raise _fail(formula, "an empty term (two '+' in a row, or '+' at an end)")
        if token in ("0", "1", "-1"):
            if not allow_constant:
                raise _fail(formula, f"{token!r} is only allowed as the whole right-hand side")
            continue
        if "*" in token:
            parts = [_name(p, formula, "variable") for p in token.split("*")]
            expanded = [*parts, ":".join(parts)]
        elif ":" in token:
            expanded = [":".join(_name(p, formula, "variable") for p in token.split(":"))]
        else:
            expanded = [_name(token, formula, "variable")]
        out += [t for t in expanded if t not in out]
    return out


def _effect_terms(side: str, formula: str) -> list[str]:
    """Split ``firm + year + industry^year`` into absorbed effects (``a^b``: interacted)."""
    out: list[str] = []
    for raw in side.split("+"):
        token = raw.strip()
        if not token:
            raise _fail(formula, "an empty absorbed effect (two '+' in a row, or '+' at an end)")
        if ":" in token or "*" in token:
            raise _fail(formula, f"absorbed effect {token!r}: interact effects with '^' (a^b)")
        effect = "^".join(_name(p, formula, "absorbed effect") for p in token.split("^"))
        if effect not in out:
            out.append(effect)
    return out


def _split(formula: str) -> tuple[str, list[str], list[str], list[str], list[str]]:
    if not isinstance(formula, str) or "~" not in formula:
        raise _fail(str(formula), "needs the form 'y ~ x + z | entity + time'")
    parts = [p.strip() for p in formula.split("|")]
    lhs, _, rhs = parts[0].partition("~")
    if "~" in rhs:
        raise _fail(formula, "more than one '~' before the first '|'")
    y = _name(lhs, formula, "dependent variable")
    x = _terms(rhs, formula, allow_constant=True)
    absorbed: list[str] = []
    endog: list[str] = []
    instruments: list[str] = []
    for part in parts[1:]:
        if "~" in part:
            if endog:
                raise _fail(formula, "more than one IV part 'endog ~ instruments'")
            left, _, right = part.partition("~")
            endog, instruments = _terms(left, formula), _terms(right, formula)
        else:
            if absorbed:
                raise _fail(formula, "more than one part of absorbed effects")
            absorbed = [] if part.strip() in ("0", "") else _effect_terms(part, formula)
    if y in x or y in endog:
        raise _fail(formula, f"the dependent variable {y!r} is also a regressor")
    return y, x, absorbed, endog, instruments


def parse_formula(formula: str) -> tuple[str, list[str], list[str]]:
    """``"y ~ x + z:w | entity + time"`` → ``("y", ["x", "z:w"], ["entity", "time"])``.

    Raises :class:`~imtfp.errors.ConfigError` naming the formula for anything else, including an IV
    part (use :func:`parse_iv_formula`).
    """
    y, x, absorbed, endog, _ = _split(formula)
    if endog:
        raise _fail(formula, "has an IV part 'endog ~ instruments': use parse_iv_formula / feiv")
    if not x:
        raise _fail(formula, "no regressor on the right-hand side")
    return y, x, absorbed


def parse_iv_formula(formula: str) -> Formula:
    """``"y ~ exog | fe1 + fe2 | endog ~ instr1 + instr2"`` → :class:`Formula` with endog/instruments."""
    y, x, absorbed, endog, instruments = _split(formula)
    if not endog:
        raise _fail(formula, "no IV part: write 'y ~ exog | fe | endog ~ instruments'")
    if len(instruments) < len(endog):
        raise _fail(
            formula, f"{len(endog)} endogenous regressor(s) but {len(instruments)} instrument(s)"
        )
    return Formula(y, tuple(x), tuple(absorbed), tuple(endog), tuple(instruments))


def add_interactions(data: pd.DataFrame, terms: Sequence[str]) -> pd.DataFrame:
    """``data`` with a product column for each ``a:b`` term (a copy only when a column is added).

    .. math:: (a{:}b)_{it} = a_{it} \\cdot b_{it}
    """
    needed = [t for t in terms if ":" in t and t not in data.columns]
    if not needed:
        return data
    out = data.copy()
    for term in needed:
        parts = term.split(":")
        missing = [p for p in parts if p not in out.columns]
        if missing:
            raise ConfigError(f"interaction {term!r}: no column {missing[0]!r} in the data")
        product = out[parts[0]].astype(float)
        for p in parts[1:]:
            product = product * out[p].astype(float)
        out[term] = product
    return out


def _effects(absorbed: Sequence[str], kw: dict) -> dict:
    """Map absorbed effects onto entity/time/effects; one name is the time effect if it is ``time``.

    Three or more effects, or an interaction ``a^b``, go to ``absorb``: the first plain name is the
    entity (the default cluster, as fixest clusters by the first effect), the period is ``time``
    (default ``year`` when it is absorbed; used by Driscoll–Kraay and two-way clustering).
    """
    time_name = kw.get("time", "year")
    if len(absorbed) > 2 or any("^" in a for a in absorbed):
        plain = [a for a in absorbed if "^" not in a]
        entity = kw.get("entity", plain[0] if plain else None)
        time = kw.get("time", "year" if "year" in plain else None)
        return {"entity": entity, "time": time, "absorb": list(absorbed)}
    if len(absorbed) == 2:
        return {"entity": absorbed[0], "time": absorbed[1], "effects": "twoway"}
    if len(absorbed) == 1 and absorbed[0] == time_name:
        return {"entity": kw.get("entity", "province"), "time": time_name, "effects": "time"}
    if len(absorbed) == 1:
        return {"entity": absorbed[0], "time": kw.get("time", "year"), "effects": "entity"}
    return {
        "entity": kw.get("entity", "province"),
        "time": kw.get("time", "year"),
        "effects": "none",
    }


def feols(formula: str, data: pd.DataFrame, *, controls: Sequence[str] = (), **kw) -> PanelFit:
    """Fixed-effects OLS from a formula: ``feols("tfp ~ im_index + gov | province + year", panel)``.

    Terms named in ``controls`` are flagged as controls (hidden behind a "controls: yes" row in the
    journal tables); every other term is a reported regressor. ``kw`` goes to
    :func:`~imtfp.models.panel.fit_twfe` (``cov``, ``cluster``, ``dk_bandwidth``; ``entity``/``time``
    name the panel keys when fewer than two effects are absorbed, for clustering).
    """
    y, x, absorbed = parse_formula(formula)
    unknown = [c for c in controls if c not in x]
    if unknown:
        raise ConfigError(f"formula {formula!r}: controls {unknown} are not on its right-hand side")
    shown = [t for t in x if t not in controls] or x[:1]
    effects = _effects(absorbed, kw)
    rest = {k: v for k, v in kw.items() if k not in ("entity", "time")}
    return fit_twfe(
        add_interactions(data, x),
        y=y,
        x=shown,
        controls=[t for t in x if t not in shown],
        **effects,
        **rest,
    )


def feiv(formula: str, data: pd.DataFrame, **kw) -> IVFit:
    """IV-2SLS from a formula: ``feiv("tfp ~ gov + open | province + year | im_index ~ z1 + z2", panel)``.

    Returns the :class:`~imtfp.models.iv.IVFit` of :func:`~imtfp.models.iv.iv_2sls` (``.tidy()``: 2SLS, first stages, OLS).
    """
    f = parse_iv_formula(formula)
    effects = _effects(f.absorbed, kw)
    rest = {k: v for k, v in kw.items() if k not in ("entity", "time")}
    data = add_interactions(data, [*f.x, *f.endog, *f.instruments])
    return iv_2sls(
        data,
        y=f.y,
        endog=list(f.endog),
        instruments=list(f.instruments),
        controls=list(f.x),
        **effects,
        **rest,
    )


def mediate(formula: str, data: pd.DataFrame, *, m: str, seed: int, **kw) -> MediationResult:
    """Mediation from a formula: ``mediate("tfp ~ im_index + gov | province + year", panel, m="rd", seed=1)``.

    The first right-hand term is the treatment X, the others are controls; ``m`` names the mediator.
    Returns the :class:`~imtfp.models.mediation_analysis.MediationResult` of :func:`~imtfp.models.mediation_analysis.mediation`.
    """
    y, x, absorbed = parse_formula(formula)
    if len(absorbed) not in (0, 2) or any("^" in a for a in absorbed):
        raise ConfigError(
            f"formula {formula!r}: mediation absorbs both effects (| entity + time) or none"
        )
    entity, time = (absorbed[0], absorbed[1]) if absorbed else (None, None)
    data = add_interactions(data, [*x, m])
    return mediation(
        data, y=y, x=x[0], m=m, controls=x[1:], entity=entity, time=time, seed=seed, **kw
    )
