"""Stage function of rule ``build_index``: panel + config -> indices, weights, coupling, obstacles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.index.composite import METHODS, SCHEMES, composite_index
from imtfp.index.coupling import coupling_coordination, relative_development
from imtfp.index.normalize import minmax_normalize
from imtfp.index.obstacle import obstacle_degree, subsystem_obstacle

SUBSYSTEMS: tuple[str, ...] = ("technology", "factors", "industry")
NQPF_DIMENSIONS: tuple[str, ...] = ("labourers", "means_of_labour", "objects_of_labour")
FORMULAS: tuple[str, ...] = ("classic", "corrected")
_SPEC_KEYS = {"method", "scheme", "rescale", "subsystems", "nqpf", "coupling", "sources"}
_COUPLING_KEYS = {"formula", "weights", "relative"}
_RELATIVE_KEYS = {"pairs", "thresholds"}
_DIRECTIONS = {"+": 1, "-": -1, 1: 1, -1: -1}


@dataclass(frozen=True)
class IndexSpec:
    """The ``index:`` + ``coupling:`` configuration, checked."""

    method: str = "entropy"
    scheme: str = "global"
    rescale: tuple[float, float] = (0.0, 1.0)
    subsystems: dict[str, dict[str, int]] = field(default_factory=dict)
    nqpf: dict[str, dict[str, int]] | None = None
    formula: str = "classic"
    coupling_weights: tuple[float, ...] | None = None
    pairs: tuple[tuple[str, str], ...] = (("technology", "industry"),)
    thresholds: tuple[float, float] = (0.9, 1.1)

    @property
    def im_indicators(self) -> dict[str, int]:
        return {k: v for group in self.subsystems.values() for k, v in group.items()}

    @property
    def nqpf_indicators(self) -> dict[str, int]:
        return {k: v for group in (self.nqpf or {}).values() for k, v in group.items()}


def parse_index_spec(spec: Mapping) -> IndexSpec:
    """Check the merged ``index:``/``coupling:`` mapping; problems are ``ConfigError`` naming it.

    Keys: ``method`` (entropy|critic|pca|pca_variance|equal|topsis), ``scheme``
    (global|per_year), ``rescale`` ([lo, hi] with 0 ≤ lo < hi ≤ 1, because the
    subsystem indices feed the coupling model), ``subsystems`` (technology,
    factors, industry: each a mapping indicator -> "+" | "-"; no indicator in
    two subsystems), optional ``nqpf`` (labourers, means_of_labour,
    objects_of_labour, same form), ``coupling`` (``formula``
    classic|corrected, ``weights`` mapping subsystem -> α or null,
    ``relative`` {``pairs``: [[lead, base], ...], ``thresholds``: [a, b]}).
    """
    _no_unknown_keys(spec, _SPEC_KEYS, "index")
    method = spec.get("method", "entropy")
    scheme = spec.get("scheme", "global")
    if method not in METHODS:
        raise ConfigError(f"index.method={method!r} is not one of {list(METHODS)}")
    if scheme not in SCHEMES:
        raise ConfigError(f"index.scheme={scheme!r} is not one of {list(SCHEMES)}")
    rescale = _rescale(spec.get("rescale", (0.0, 1.0)))
    subsystems = _groups(spec.get("subsystems"), SUBSYSTEMS, "index.subsystems", required=True)
    _disjoint(subsystems, "index.subsystems")
    nqpf = _groups(spec.get("nqpf"), NQPF_DIMENSIONS, "index.nqpf", required=False)
    if nqpf is not None:
        _disjoint(nqpf, "index.nqpf")
    coupling = spec.get("coupling") or {}
    _no_unknown_keys(coupling, _COUPLING_KEYS, "coupling")
    formula = coupling.get("formula", "classic")
    if formula not in FORMULAS:
        raise ConfigError(f"coupling.formula={formula!r} is not one of {list(FORMULAS)}")
    relative = coupling.get("relative") or {}
    _no_unknown_keys(relative, _RELATIVE_KEYS, "coupling.relative")
    return IndexSpec(
        method=method,
        scheme=scheme,
        rescale=rescale,
        subsystems=subsystems,
        nqpf=nqpf,
        formula=formula,
        coupling_weights=_coupling_weights(coupling.get("weights")),
        pairs=_pairs(relative.get("pairs", [["technology", "industry"]])),
        thresholds=_thresholds(relative.get("thresholds", (0.9, 1.1))),
    )


def build_index(
    panel: pd.DataFrame, spec: Mapping, *, imputed: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Intelligent-manufacturing indices, weights, coupling coordination and obstacle degrees.

    Construction: each subsystem index (technology, factors, industry) uses
    weights computed within the subsystem, so it lies in ``[lo, hi] ⊂ [0, 1]``
    and can enter the coupling model; the overall ``im_index`` uses weights
    computed over all IM indicators jointly; ``nqpf`` (optional) likewise over
    all NQPF indicators, with its three dimension indices beside it. The
    coupling coordination degree is that of the three subsystem indices;
    obstacle degrees are those of the IM indicators under the joint IM weights
    (normalised z in [0, 1], same scheme), summed by subsystem.

    Parameters
    ----------
    panel : DataFrame
        Columns ``province`` (str code), ``year`` (int) and one numeric column
        per indicator (other columns, e.g. ``region``, are ignored).
    spec : mapping
        The config's ``index:`` section with ``coupling:`` merged in under the
        key ``"coupling"`` (see :func:`parse_index_spec`), and optionally
        ``"sources"``: {indicator: [warehouse series]} (:func:`imtfp.lineage.index_sources`).
    imputed : the panel stage's filled cells (``panel/imputed``), optional.

    Returns
    -------
    dict with DataFrames, each sorted by province, year:

    * ``"index"``: province, year, im_index, technology, factors, industry
      [, nqpf, nqpf_labourers, nqpf_means_of_labour, nqpf_objects_of_labour];
    * ``"weights"``: method, scheme, level (subsystem name, "im", NQPF
      dimension or "nqpf"), indicator, [year,] weight, ``sources`` (the warehouse
      series the indicator is computed from, comma-separated; the indicator itself
      when ``spec`` names none) and ``imputed_share`` (largest share of filled cells
      among those series; NA without ``imputed``);
    * ``"coupling"``: province, year, C, T, D, level, level_en, and for each
      relative-development pair (lead, base) ``rd_<lead>_<base>`` and
      ``lag_<lead>_<base>``;
    * ``"obstacle"``: province, year, kind (indicator | subsystem), name, degree.

    Raises
    ------
    ConfigError
        A bad spec, or an indicator named in it that the panel lacks.
    EstimationError
        Missing ``province``/``year`` (MissingColumnError), duplicated province-years, or a missing
        or non-finite indicator value (naming province, year and indicator).
    """
    s = parse_index_spec(spec)
    P = _checked_panel(panel, s)
    keys = P[["province", "year"]]
    index = keys.copy()
    weights: list[pd.DataFrame] = []

    def add(level: str, indicators: Mapping[str, int]) -> pd.Series:
        score, w = composite_index(
            P, indicators, method=s.method, scheme=s.scheme, rescale=s.rescale
        )
        weights.append(w.assign(level=level))
        return score

    parts = {name: add(name, group) for name, group in s.subsystems.items()}
    index["im_index"] = add("im", s.im_indicators).to_numpy()
    for name in SUBSYSTEMS:
        index[name] = parts[name].to_numpy()
    if s.nqpf is not None:
        dims = {f"nqpf_{name}": add(name, group) for name, group in s.nqpf.items()}
        index["nqpf"] = add("nqpf", s.nqpf_indicators).to_numpy()
        for col, score in dims.items():
            index[col] = score.to_numpy()
    weights_table = _with_lineage(_weights_table(weights, s), spec.get("sources"), imputed, P)
    return {
        "index": index,
        "weights": weights_table,
        "coupling": _coupling_table(keys, index, s),
        "obstacle": _obstacle_table(keys, P, weights_table, s),
    }


# -- outputs ---------------------------------------------------------------


def _weights_table(parts: list[pd.DataFrame], s: IndexSpec) -> pd.DataFrame:
    w = pd.concat(parts, ignore_index=True)
    w.insert(0, "method", s.method)
    w.insert(1, "scheme", s.scheme)
    cols = ["method", "scheme", "level", "indicator"] + (["year"] if s.scheme == "per_year" else [])
    return w[cols + ["weight"]].astype(
        {"method": "str", "scheme": "str", "level": "str", "indicator": "str"}
    )


def _with_lineage(
    weights: pd.DataFrame,
    sources: Mapping | None,
    imputed: pd.DataFrame | None,
    panel: pd.DataFrame,
) -> pd.DataFrame:
    """``sources`` and ``imputed_share`` columns of the weights table (issue 21)."""
    from imtfp.lineage import imputed_shares

    src = {str(k): list(v) for k, v in (sources or {}).items()}
    of = {i: src.get(i, [i]) for i in weights["indicator"].unique()}
    out = weights.assign(sources=weights["indicator"].map(lambda i: ",".join(of[i])))
    if imputed is None:
        return out.assign(imputed_share=np.nan)
    share = imputed_shares(of, imputed, panel)
    return out.assign(imputed_share=weights["indicator"].map(share).astype(float))


def _coupling_table(keys: pd.DataFrame, index: pd.DataFrame, s: IndexSpec) -> pd.DataFrame:
    U = index[list(SUBSYSTEMS)]
    alpha = s.coupling_weights
    cc = coupling_coordination(U, weights=alpha, formula=s.formula)
    out = pd.concat([keys, cc], axis=1)
    for lead, base in s.pairs:
        rd = relative_development(U, lead, base, thresholds=s.thresholds)
        out[f"rd_{lead}_{base}"] = rd["E"].to_numpy()
        out[f"lag_{lead}_{base}"] = rd["lag_type"].to_numpy()
    return out


def _obstacle_table(
    keys: pd.DataFrame, P: pd.DataFrame, weights: pd.DataFrame, s: IndexSpec
) -> pd.DataFrame:
    im = s.im_indicators
    cols = list(im)
    w_im = weights[weights["level"] == "im"]
    blocks = (
        [P.index] if s.scheme == "global" else [g.index for _, g in P.groupby("year", sort=True)]
    )
    parts = []
    for rows in blocks:
        Z = minmax_normalize(P.loc[rows, cols], directions=im)
        w = w_im if s.scheme == "global" else w_im[w_im["year"] == P.loc[rows[0], "year"]]
        parts.append(obstacle_degree(Z, dict(zip(w["indicator"], w["weight"]))))
    O = pd.concat(parts).loc[P.index]
    Osub = subsystem_obstacle(O, {k: list(v) for k, v in s.subsystems.items()})
    long = pd.concat(
        [_long(keys, O, "indicator"), _long(keys, Osub, "subsystem")], ignore_index=True
    )
    return long.sort_values(["province", "year", "kind"], kind="stable").reset_index(drop=True)


def _long(keys: pd.DataFrame, values: pd.DataFrame, kind: str) -> pd.DataFrame:
    n, k = values.shape
    return pd.DataFrame(
        {
            "province": np.repeat(keys["province"].to_numpy(), k),
            "year": np.repeat(keys["year"].to_numpy(), k),
            "kind": kind,
            "name": np.tile(np.asarray(values.columns, dtype=object), n),
            "degree": values.to_numpy().ravel(),
        }
    ).astype({"province": keys["province"].dtype, "kind": "str", "name": "str"})


# -- input checks ----------------------------------------------------------


def _checked_panel(panel: pd.DataFrame, s: IndexSpec) -> pd.DataFrame:
    missing_keys = [c for c in ("province", "year") if c not in panel.columns]
    if missing_keys:
        raise MissingColumnError("index panel", missing_keys, available=list(panel.columns))
    needed = list(dict.fromkeys([*s.im_indicators, *s.nqpf_indicators]))
    absent = [c for c in needed if c not in panel.columns]
    if absent:
        raise MissingColumnError("index config: indicator(s) not in the panel", absent)
    P = panel[["province", "year", *needed]].sort_values(["province", "year"], kind="stable")
    P = P.reset_index(drop=True)
    dup = P.duplicated(["province", "year"])
    if dup.any():
        first = P.loc[dup.idxmax(), ["province", "year"]].tolist()
        raise EstimationError(f"panel has duplicated province-year rows, e.g. {first}")
    for col in needed:
        try:
            x = P[col].to_numpy(dtype=float)
        except (TypeError, ValueError) as err:
            raise EstimationError(f"indicator {col!r} is not numeric: {err}") from err
        bad = ~np.isfinite(x)
        if bad.any():
            i = int(np.argmax(bad))
            from imtfp.provinces import name

            raise EstimationError(
                f"indicator {col!r} is missing or not finite for {name(str(P.at[i, 'province']))}, "
                f"{int(P.at[i, 'year'])} ({int(bad.sum())} cell(s) in all); impute it upstream "
                "(panel.missing) or leave the province out (panel.drop_provinces): an index is "
                "never computed over NaN"
            )
    return P


def _no_unknown_keys(section: Mapping, allowed: set[str], where: str) -> None:
    if not isinstance(section, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {type(section).__name__}")
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _rescale(value: object) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError) as err:
        raise ConfigError(f"index.rescale={value!r} must be [lo, hi]") from err
    if not (0.0 <= lo < hi <= 1.0):
        raise ConfigError(
            f"index.rescale={value!r} must satisfy 0 <= lo < hi <= 1 "
            "(subsystem indices enter the coupling model)"
        )
    return lo, hi


def _groups(
    value: object, names: Sequence[str], where: str, *, required: bool
) -> dict[str, dict[str, int]] | None:
    if value is None:
        if required:
            raise ConfigError(f"{where} is required, with keys {list(names)}")
        return None
    _no_unknown_keys(value, set(names), where)  # type: ignore[arg-type]
    absent = [n for n in names if n not in value]  # type: ignore[operator]
    if absent:
        raise ConfigError(f"{where} lacks {absent}")
    out: dict[str, dict[str, int]] = {}
    for name in names:
        group = value[name]  # type: ignore[index]
        if not isinstance(group, Mapping) or not group:
            raise ConfigError(f"{where}.{name} must map at least one indicator to '+' or '-'")
        dirs = {}
        for ind, d in group.items():
            if d is None:  # left out (an overlay removing an indicator of the base config)
                continue
            if isinstance(d, bool) or d not in _DIRECTIONS:
                raise ConfigError(f"{where}.{name}.{ind}: direction {d!r} must be '+' or '-'")
            dirs[str(ind)] = _DIRECTIONS[d]
        if not dirs:
            raise ConfigError(
                f"{where}.{name}: every indicator is left out (null); keep at least one"
            )
        out[name] = dirs
    return out


def _disjoint(groups: Mapping[str, Mapping[str, int]], where: str) -> None:
    owner: dict[str, str] = {}
    for name, group in groups.items():
        for ind in group:
            if ind in owner:
                raise ConfigError(
                    f"{where}: indicator {ind!r} is in both {owner[ind]!r} and {name!r}"
                )
            owner[ind] = name


def _coupling_weights(value: object) -> tuple[float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != set(SUBSYSTEMS):
        raise ConfigError(
            f"coupling.weights={value!r} must map each of {list(SUBSYSTEMS)} to a weight"
        )
    a = np.array([float(value[k]) for k in SUBSYSTEMS])
    if (a < 0).any() or abs(a.sum() - 1.0) > 1e-9:
        raise ConfigError(f"coupling.weights={dict(value)!r} must be non-negative and sum to 1")
    return tuple(a)


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    try:
        pairs = tuple((str(a), str(b)) for a, b in value)  # type: ignore[union-attr]
    except (TypeError, ValueError) as err:
        raise ConfigError(
            f"coupling.relative.pairs={value!r} must be a list of [lead, base]"
        ) from err
    for lead, base in pairs:
        if lead not in SUBSYSTEMS or base not in SUBSYSTEMS or lead == base:
            raise ConfigError(
                f"coupling.relative.pairs: [{lead}, {base}] must name two different "
                f"subsystems of {list(SUBSYSTEMS)}"
            )
    return pairs


def _thresholds(value: object) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError) as err:
        raise ConfigError(f"coupling.relative.thresholds={value!r} must be [a, b]") from err
    if not (0 < a <= 1 <= b):
        raise ConfigError(f"coupling.relative.thresholds={value!r} must satisfy 0 < a <= 1 <= b")
    return a, b
