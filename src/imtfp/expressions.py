"""Derived-variable expressions of the config, parsed into an allow-listed AST and evaluated in numpy.

A config is data, never code: an expression such as ``tech_market / population * 10000`` is parsed
with :mod:`ast` and only these constructs are accepted

* numeric literals (``10000``, ``0.5``, ``1e-3``);
* names of numeric columns of the panel (indicator codes, earlier derived variables, ``year``);
* the operators ``+ - * / **`` and unary ``-``/``+``;
* the functions in :data:`FUNCTIONS`: ``ln(x)``, ``log(x)`` (natural, as in numpy/Stata/R),
  ``log10(x)``, ``exp(x)``, ``sqrt(x)``, ``abs(x)``, ``power(x, p)``, ``nullif(x, v)``,
  ``coalesce(a, b, …)``, ``greatest(a, b, …)``/``max``, ``least(a, b, …)``/``min`` (missing
  values ignored, as in SQL), ``lag(x[, k])`` and ``lead(x[, k])`` (k years within a province).

Everything else (attribute access, strings, subscripts, comparisons, keywords, any other name) is
a :class:`~imtfp.errors.ConfigError` naming the key. Nothing of the expression ever reaches SQL.
Limits, each a ConfigError naming the key: at most 2000 characters, literals up to
:data:`MAX_LITERAL` in magnitude, ``lag``/``lead`` by at most :data:`MAX_SHIFT` years, nesting at
most :data:`MAX_DEPTH` operations deep (checked without recursion, before anything recurses).
Missing values propagate (NaN); ``x/0`` is ±inf and ``ln`` of a non-positive number is -inf/NaN,
as in DuckDB: :func:`evaluate_with_faults` marks those results (non-finite values that an
operation made from finite ones), so that :func:`imtfp.panel.derive` refuses or rejects them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError


def _nary(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    def apply(*args: np.ndarray) -> np.ndarray:
        out = args[0]
        for a in args[1:]:
            out = fn(out, a)
        return out

    return apply


def _coalesce(*args: np.ndarray) -> np.ndarray:
    out = np.array(args[0], dtype=float, copy=True)
    for a in args[1:]:
        out = np.where(np.isnan(out), a, out)
    return out


def _nullif(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.where(x == v, np.nan, x)


#: function name -> (minimum arguments, maximum arguments or None, implementation)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., np.ndarray]]] = {
    "ln": (1, 1, np.log),
    "log": (1, 1, np.log),
    "log10": (1, 1, np.log10),
    "exp": (1, 1, np.exp),
    "sqrt": (1, 1, np.sqrt),
    "abs": (1, 1, np.abs),
    "power": (2, 2, np.power),
    "nullif": (2, 2, _nullif),
    "coalesce": (2, None, _coalesce),
    "greatest": (2, None, _nary(np.fmax)),
    "least": (2, None, _nary(np.fmin)),
    "max": (2, None, _nary(np.fmax)),
    "min": (2, None, _nary(np.fmin)),
    "lag": (1, 2, None),  # by entity, see _shift
    "lead": (1, 2, None),
}
_OPERATORS = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}
#: Columns that identify a row: never a derived variable's name.
KEY_COLUMNS = ("province", "year", "region")
#: Largest magnitude of a numeric literal (unit factors are 1e4, 1e8; 1e15 leaves room).
MAX_LITERAL = 1e15
#: Largest ``k`` of ``lag(x, k)``/``lead(x, k)``, in years.
MAX_SHIFT = 100
#: Deepest nesting of operations and calls (``ln(ln(x))`` is 3 deep).
MAX_DEPTH = 50


@cache
def reserved_words() -> frozenset[str]:
    """DuckDB's keywords and function names, and our own functions: no derived name may be one."""
    from imtfp.database import connect

    with connect() as con:
        words = {
            r[0].lower()
            for r in con.execute("SELECT keyword_name FROM duckdb_keywords()").fetchall()
        }
        words |= {
            r[0].lower()
            for r in con.execute("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
        }
    return frozenset(
        words | set(FUNCTIONS) | set(KEY_COLUMNS) | {"true", "false", "null", "none", "nan", "inf"}
    )


def check_name(name: str, *, key: str) -> None:
    """A derived variable's name must not shadow a function, an SQL keyword or a key column."""
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise ConfigError(
            f"{key}: {name!r} is not a valid variable name (letters, digits, underscore)"
        )
    if name.lower() in reserved_words():
        raise ConfigError(
            f"{key}: the name {name!r} is a function or SQL keyword (or a key column); choose another name"
        )


class _Checker:
    """Walk the AST; raise on anything outside the allow-list; collect column names used."""

    def __init__(self, key: str, columns: set[str] | None):
        self.key, self.columns, self.names = key, columns, set()

    def fail(self, node: ast.AST, what: str) -> None:
        raise ConfigError(
            f"{self.key}: {what} is not allowed in an expression (at {ast.unparse(node)!r})"
        )

    def visit(self, node: ast.AST) -> None:
        """Check ``node`` with the method for its type; any other type is not allowed."""
        kinds = {ast.Expression: self._expression, ast.BinOp: self._binop,
                 ast.UnaryOp: self._unaryop, ast.Constant: self._constant, ast.Name: self._name,
                 ast.Call: self._call}  # fmt: skip
        check = kinds.get(type(node))
        if check is None:
            self.fail(node, type(node).__name__)
        check(node)

    def _expression(self, node: ast.Expression) -> None:
        self.visit(node.body)

    def _binop(self, node: ast.BinOp) -> None:
        if type(node.op) not in _OPERATORS:
            self.fail(node, f"the operator {type(node.op).__name__}")
        self.visit(node.left)
        self.visit(node.right)

    def _unaryop(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            self.fail(node, f"the operator {type(node.op).__name__}")
        self.visit(node.operand)

    def _constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            self.fail(node, f"the literal {node.value!r} (only numbers)")
        if not _small_number(node.value):
            raise ConfigError(
                f"{self.key}: the literal {_short(node.value)} is larger than the limit "
                f"{MAX_LITERAL:g} (or not finite)"
            )

    def _name(self, node: ast.Name) -> None:
        if self.columns is not None and node.id not in self.columns:
            raise ConfigError(f"{self.key}: {node.id!r} is not an indicator of the panel")
        self.names.add(node.id)

    def _call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ConfigError(
                f"{self.key}: {name!r} is not an allowed function (allowed: {', '.join(sorted(FUNCTIONS))})"
            )
        lo, hi, _ = FUNCTIONS[node.func.id]
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, "a keyword or starred argument")
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            self.fail(node, f"{node.func.id} with {len(node.args)} arguments")
        if node.func.id in ("lag", "lead"):
            self._shift(node)
        for a in node.args:
            self.visit(a)

    def _shift(self, node: ast.Call) -> None:
        """``lag(x[, k])``/``lead``: of a column, by a whole number of years up to MAX_SHIFT."""
        fn = node.func.id
        if not isinstance(node.args[0], ast.Name):
            self.fail(node, f"{fn} of anything but a column")
        if len(node.args) == 2 and not _positive_int(node.args[1]):
            self.fail(node, f"{fn} by anything but a positive whole number of years")
        if len(node.args) == 2 and node.args[1].value > MAX_SHIFT:
            raise ConfigError(
                f"{self.key}: {fn} by {_short(node.args[1].value)} years is beyond the limit "
                f"of {MAX_SHIFT} years"
            )


def _positive_int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value > 0


def _small_number(value: int | float) -> bool:
    if isinstance(value, int):
        return abs(value) <= MAX_LITERAL  # exact for any int: no conversion that could overflow
    return bool(np.isfinite(value)) and abs(value) <= MAX_LITERAL


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(text)} characters)"


def _depth(tree: ast.AST) -> int:
    """Nesting depth of the tree, walked with an explicit stack (a deep tree cannot recurse)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def parse(expr: str, *, key: str, columns: set[str] | None) -> ast.Expression:
    """Parse and check ``expr``; ``columns`` are the names it may use (``None``: any name, for
    checking an expression's form and limits before the data are known)."""
    if not isinstance(expr, str) and not isinstance(expr, (int, float)):
        raise ConfigError(f"{key}: an expression must be text, not {type(expr).__name__}")
    text = " ".join(str(expr).split())
    if len(text) > 2000:
        raise ConfigError(f"{key}: expression longer than 2000 characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ConfigError(
            f"{key}: expression {_short(text)} does not parse ({exc.__class__.__name__})"
        ) from None
    # The tree's root, a leaf and the leaf's context are 3 levels; each operation or call adds 1.
    if (nesting := _depth(tree) - 3) > MAX_DEPTH:
        raise ConfigError(
            f"{key}: the expression is nested {nesting} operations deep (limit {MAX_DEPTH})"
        )
    _Checker(key, columns).visit(tree)
    return tree


def _shift(
    frame: pd.DataFrame, column: str, k: int, entity: str, time: str, key: str
) -> np.ndarray:
    """Value ``k`` years earlier (k > 0) or later (k < 0) in the same entity; NaN if that year is absent."""
    if not pd.api.types.is_integer_dtype(frame[time]) or frame.duplicated([entity, time]).any():
        raise ConfigError(
            f"{key}: lag/lead need whole-number years and one row per {entity} and {time}"
        )
    wanted = frame[[entity, time]].assign(**{time: frame[time] - k})
    lookup = pd.Series(
        frame[column].to_numpy(dtype=float), index=pd.MultiIndex.from_frame(frame[[entity, time]])
    )
    return lookup.reindex(pd.MultiIndex.from_frame(wanted)).to_numpy(dtype=float)


def evaluate(
    expr: str,
    frame: pd.DataFrame,
    *,
    key: str = "expression",
    entity: str = "province",
    time: str = "year",
) -> np.ndarray:
    """The expression evaluated on every row of ``frame`` (float array).

    Columns usable are the numeric columns of ``frame`` other than ``entity``.
    """
    return evaluate_with_faults(expr, frame, key=key, entity=entity, time=time)[0]


def _finite(a: np.ndarray) -> np.ndarray:
    return np.isfinite(a)


def _faults(out: np.ndarray, args: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Where ``out`` is not finite because of an operation: an argument's fault carried on, or
    finite arguments turned into ±inf/NaN (x/0, ln(0), sqrt(-1), overflow). A result that is
    missing because an input is missing is not a fault."""
    carried = np.zeros(out.shape, dtype=bool)
    made = np.ones(out.shape, dtype=bool)
    for values, faults in args:
        carried |= faults
        made &= _finite(values)
    return ~_finite(out) & (carried | made)


def evaluate_with_faults(
    expr: str,
    frame: pd.DataFrame,
    *,
    key: str = "expression",
    entity: str = "province",
    time: str = "year",
) -> tuple[np.ndarray, np.ndarray]:
    """The expression on every row of ``frame`` and a mask of its faults (non-finite values an
    operation made from finite inputs, e.g. ``x/0`` = inf, ``ln(0)``, ``sqrt(-1)``, overflow).

    Missing inputs give NaN without a fault (``coalesce`` and ``greatest``/``least`` skip them,
    ``nullif`` makes NaN on purpose); an input column's own ±inf values are faults.
    """
    columns = {c for c in frame.columns if c != entity and pd.api.types.is_numeric_dtype(frame[c])}
    columns |= {c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()}
    tree = parse(expr, key=key, columns=columns)
    n = len(frame)

    def column(name: str) -> np.ndarray:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)

    def ev(node: ast.AST) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp):
            args = [ev(node.left), ev(node.right)]
            out = _OPERATORS[type(node.op)](args[0][0], args[1][0])
            return out, _faults(out, args)
        if isinstance(node, ast.UnaryOp):
            v, f = ev(node.operand)
            return (-v if isinstance(node.op, ast.USub) else v), f
        if isinstance(node, ast.Constant):
            return np.full(n, float(node.value)), np.zeros(n, dtype=bool)
        if isinstance(node, ast.Name):
            v = column(node.id)
            return v, np.isinf(v)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        if name in ("lag", "lead"):
            k = node.args[1].value if len(node.args) == 2 else 1
            v = _shift(frame, node.args[0].id, k if name == "lag" else -k, entity, time, key)
            return v, np.isinf(v)
        args = [ev(a) for a in node.args]
        out = np.asarray(FUNCTIONS[name][2](*(a[0] for a in args)), dtype=float)
        if name == "nullif":  # NaN where x == v is the function's purpose, not a fault
            (x, fx), (v, _) = args
            return out, fx & ~(x == v) & ~_finite(out)
        return out, _faults(out, args)

    with np.errstate(all="ignore"):
        out, faults = ev(tree)
    out = np.broadcast_to(np.asarray(out, dtype=float), (n,)).copy()
    return out, np.broadcast_to(faults, (n,)).copy()
