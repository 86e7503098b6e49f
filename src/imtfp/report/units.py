"""Units of the panel's variables, read from the config's derived expressions and the catalog.

A derived variable such as ``fibre_pc: fibre_length / population`` has the unit of its
expression: 公里 (the catalog unit of ``fibre_length``) over 万人 (of ``population``), so it is
kilometres *per 10 000 residents*, and a label calling it "人均" (per resident) is wrong. This
module works that out, so the weights and descriptive tables print each indicator's unit and a
test can hold every label to its expression.

A unit is a scale and the dimensions of its numerator and denominator (from
``src/imtfp/data/units.csv``): ``tech_market / population * 10000`` is 亿元 (10⁸ 元) over 万人
(10⁴ 人) times 10⁴, i.e. 元/人. Supported: numbers, catalog codes, derived names (recursively),
``+ - * /``, ``ln``/``log`` (a logarithm has no unit), and the functions that keep their
argument's unit (``lag``, ``lead``, ``abs``, ``coalesce``, ``greatest``/``least``/``max``/``min``).
Anything else — a power, a sum of different units, a composite catalog unit combined with others —
has no unit this module can name (None), and the tables print none.

Hand-written, not pint: pint knows SI prefixes, not 万/亿, and would still need the catalog's
dimensions and the Chinese and English spellings below.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from imtfp.errors import ImtfpError

#: Chinese magnitude prefixes: 百万吨 = 10⁶ 吨.
PREFIXES = {"": 1.0, "百": 1e2, "千": 1e3, "万": 1e4, "百万": 1e6, "亿": 1e8}
_PREFIX_EN = {
    "": "",
    "百": "100",
    "千": "thousand",
    "万": "10 000",
    "百万": "million",
    "亿": "100 million",
}
#: Dimensions whose units are a prefix and a noun (万人 = 万 + 人); the others are printed as is.
_SIMPLE = {
    "money", "persons", "count", "mass", "energy", "households", "data_volume", "length",
    "person_years",
}  # fmt: skip
#: English (singular, plural) of the nouns.
_NOUN_EN = {
    "元": ("yuan", "yuan"),
    "人": ("person", "persons"),
    "件": ("item", "items"),
    "项": ("project", "projects"),
    "个": ("unit", "units"),
    "台": ("unit", "units"),
    "户": ("household", "households"),
    "吨": ("t", "t"),
    "吨标准煤": ("tce", "tce"),
    "公里": ("km", "km"),
    "GB": ("GB", "GB"),
    "人年": ("person-year", "person-years"),
}
#: English of the catalog units printed as they are.
_OPAQUE_EN = {
    "%": "%",
    "指数": "index",
    "上年=100": "previous year = 100",
    "定基指数": "fixed-base index",
    "年": "years",
    "台/万人": "units per 10 000 persons",
    "件/万人": "items per 10 000 persons",
    "吨标准煤/万元": "tce per 10 000 yuan",
    "台/百人": "units per 100 persons",
    "个/百家": "per 100 firms",
}
_KEEPS_UNIT = {"lag", "lead", "abs", "coalesce", "greatest", "least", "max", "min", "nullif"}


@dataclass(frozen=True)
class Unit:
    """``value × scale`` is the quantity in the base units (元, 人, 个 …) of ``num`` over ``den``.

    ``num``/``den``: sorted (dimension, noun) pairs; ``cancelled``: the noun of a dimension that
    appears above and below (人/万人 is dimensionless with scale 10⁻⁴); ``opaque``: a catalog unit
    printed as it is (指数, 台/万人); ``log``: the logarithm of a quantity.
    """

    scale: float = 1.0
    num: tuple[tuple[str, str], ...] = ()
    den: tuple[tuple[str, str], ...] = ()
    cancelled: str = ""
    opaque: str = ""
    log: bool = False


class _NoUnit(ImtfpError):
    """The expression has no unit this module can name (caught: the tables print none)."""


@cache
def _catalog() -> tuple[dict[str, str], dict[str, tuple[str, float]]]:
    from imtfp.ingest.catalog import indicators, units

    table = units()
    return (
        dict(zip(indicators()["code"], indicators()["unit"], strict=True)),
        {u: (str(r["dimension"]), float(r["factor"])) for u, r in table.iterrows()},
    )


def catalog_unit(unit: str) -> Unit:
    """A catalog unit (``万人``, ``亿元``, ``%``, ``台/万人``) as a :class:`Unit`."""
    dims = _catalog()[1]
    if unit == "%":
        return Unit(scale=0.01)
    dimension, factor = dims.get(unit, ("", 1.0))
    if dimension not in _SIMPLE:
        return Unit(opaque=unit)
    prefix = next((p for p in sorted(PREFIXES, key=len, reverse=True) if p and unit.startswith(p)
                   and len(unit) > len(p)), "")  # fmt: skip
    return Unit(scale=factor, num=((dimension, unit[len(prefix) :]),))


def variable_unit(name: str, derived: Mapping[str, str]) -> Unit | None:
    """The unit of a panel variable: a derived variable's expression (``panel.derived``), else its
    catalog unit; None when neither names one."""
    try:
        return _unit_of_name(name, derived, ())
    except (_NoUnit, RecursionError, SyntaxError):
        return None


def _unit_of_name(name: str, derived: Mapping[str, str], seen: tuple[str, ...]) -> Unit:
    if name in derived and name not in seen:
        tree = ast.parse(str(derived[name]).strip(), mode="eval")
        return _unit(tree.body, derived, (*seen, name))
    codes = _catalog()[0]
    if name not in codes:
        raise _NoUnit(name)
    return catalog_unit(codes[name])


def _unit(node: ast.AST, derived: Mapping[str, str], seen: tuple[str, ...]) -> Unit:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value:
        # value = k × a: the same quantity is k times the number, so the scale divides by k
        return Unit(scale=1 / float(node.value))
    if isinstance(node, ast.Name):
        return _unit_of_name(node.id, derived, seen)
    if isinstance(node, ast.UnaryOp):
        return _unit(node.operand, derived, seen)
    if isinstance(node, ast.BinOp):
        a, b = _unit(node.left, derived, seen), _unit(node.right, derived, seen)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            if a != b:
                raise _NoUnit("a sum of different units")
            return a
        if isinstance(node.op, ast.Mult):
            return _product(a, b, invert=False)
        if isinstance(node.op, ast.Div):
            return _product(a, b, invert=True)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        fn = node.func.id
        if fn in ("ln", "log", "log10"):
            return Unit(log=True)
        if fn in _KEEPS_UNIT and node.args:
            first = _unit(node.args[0], derived, seen)
            if fn in ("lag", "lead", "abs", "nullif"):
                return first
            if all(_unit(arg, derived, seen) == first for arg in node.args[1:]):
                return first
    raise _NoUnit(ast.dump(node))


def _product(a: Unit, b: Unit, *, invert: bool) -> Unit:
    """``a × b`` or ``a ÷ b``; equal dimensions above and below cancel."""
    if (
        a.log
        or b.log
        or (a.opaque and (b.num or b.den or b.opaque))
        or (b.opaque and (a.num or a.den))
    ):
        raise _NoUnit("a composite unit combined with another")
    opaque = a.opaque or b.opaque
    if opaque and (invert and b.opaque):
        raise _NoUnit("divided by a composite unit")
    scale = a.scale / b.scale if invert else a.scale * b.scale
    if opaque:
        if not math.isclose(scale, 1.0):
            raise _NoUnit("a composite unit rescaled")
        return Unit(opaque=opaque)
    num = list(a.num) + list(b.den if invert else b.num)
    den = list(a.den) + list(b.num if invert else b.den)
    cancelled = a.cancelled or b.cancelled
    for pair in list(num):
        match = next((d for d in den if d[0] == pair[0]), None)
        if match is not None:
            num.remove(pair)
            den.remove(match)
            cancelled = pair[1]
    return Unit(scale=scale, num=tuple(sorted(num)), den=tuple(sorted(den)), cancelled=cancelled)


def unit_text(unit: Unit | None, language: str) -> str | None:
    """The unit as a table prints it (``公里/万人`` / ``km per 10 000 persons``), or None."""
    if unit is None:
        return None
    zh = language == "zh"
    if unit.log:
        return "对数" if zh else "log"
    if unit.opaque:
        return unit.opaque if zh else _OPAQUE_EN.get(unit.opaque)
    if not unit.num and not unit.den:
        return _ratio_text(unit, zh)
    if len(unit.num) == 1 and len(unit.den) <= 1:
        return _rate_text(unit, zh)
    return None


def _ratio_text(unit: Unit, zh: bool) -> str | None:
    for scale, zh_text, en_text in ((0.01, "%", "%"), (1.0, "比值", "ratio"), (1e-3, "‰", "‰")):
        if math.isclose(unit.scale, scale):
            return zh_text if zh else en_text
    for prefix, factor in PREFIXES.items():  # 人/万人: the same noun above and below
        if prefix and unit.cancelled and math.isclose(unit.scale, 1 / factor):
            noun = unit.cancelled
            if zh:
                return f"{noun}/{prefix}{noun}"
            one, many = _NOUN_EN.get(noun, (noun, noun))
            return f"{many} per {_PREFIX_EN[prefix]} {many}"
    return None


def _rate_text(unit: Unit, zh: bool) -> str | None:
    """One dimension over at most one: the prefixes that make the scale exact (公里/万人)."""
    (_, noun), den = unit.num[0], (unit.den[0][1] if unit.den else None)
    pairs = [(pn, pd) for pd in ("", "百", "千", "万") for pn in ("",)] + [
        (pn, pd) for pn in ("千", "万", "百万", "亿") for pd in ("", "百", "千", "万")
    ]
    for pn, pd in pairs:
        if den is None and pd:
            continue
        if math.isclose(unit.scale, PREFIXES[pn] / PREFIXES[pd]):
            if zh:
                return f"{pn}{noun}" + (f"/{pd}{den}" if den is not None else "")
            one, many = _NOUN_EN.get(noun, (noun, noun))
            num_en = f"{_PREFIX_EN[pn]} {many}" if pn else many
            if den is None:
                return num_en
            d_one, d_many = _NOUN_EN.get(den, (den, den))
            return f"{num_en} per " + (f"{_PREFIX_EN[pd]} {d_many}" if pd else d_one)
    return None


def source_series(name: str, derived: Mapping[str, str]) -> list[str]:
    """Catalog codes a variable is computed from (through derived variables), in order."""
    if name not in derived:
        return [name] if name in _catalog()[0] else []
    try:
        tree = ast.parse(str(derived[name]).strip(), mode="eval")
    except SyntaxError:
        return []
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id != name:
            out += source_series(node.id, {k: v for k, v in derived.items() if k != name})
    return list(dict.fromkeys(out))


def variable_units(names: list[str], config: Mapping, language: str) -> dict[str, str]:
    """{variable: unit text} of the ``names`` whose unit is known (``panel.derived`` and catalog)."""
    derived = (config.get("panel") or {}).get("derived") or {}
    out = {}
    for name in names:
        text = unit_text(variable_unit(name, derived), language)
        if text:
            out[name] = text
    return out


def indicator_facts(config: Mapping, language: str) -> dict[str, dict[str, str]]:
    """Unit, direction (+ or −) and source series (their catalog names) of every indicator of
    the composite indices (``index.subsystems`` and ``index.nqpf``), for the weights table."""
    from imtfp.ingest.catalog import indicators

    derived = (config.get("panel") or {}).get("derived") or {}
    names = dict(zip(indicators()["code"], indicators()[f"name_{language}"], strict=True))
    index = config.get("index") or {}
    systems = [*(index.get("subsystems") or {}).values(), *(index.get("nqpf") or {}).values()]
    sep = "、" if language == "zh" else "; "
    out = {}
    for system in systems:
        for indicator, direction in (system or {}).items():
            if direction is None:
                continue
            out[indicator] = {
                "unit": unit_text(variable_unit(indicator, derived), language) or "",
                "direction": "+" if str(direction) == "+" else "−",
                "source": sep.join(names[c] for c in source_series(indicator, derived)),
            }
    return out
