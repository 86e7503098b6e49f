"""Derived expressions: an allow-listed AST, evaluated in numpy; no config text reaches DuckDB (issue 16)."""

import numpy as np
import pandas as pd
import pytest

from imtfp.database import connect
from imtfp.errors import ConfigError
from imtfp.expressions import evaluate
from imtfp.panel import build_panel, derive

pytestmark = pytest.mark.unit


def _panel():
    return pd.DataFrame({
        "province": ["11", "11", "11", "12", "12", "12"], "year": [2019, 2020, 2021, 2019, 2020, 2021],
        "gdp": [1.0, 2.0, np.nan, 4.0, 0.0, -1.0], "pop": [2.0, 0.0, 3.0, np.nan, 5.0, 6.0],
    })  # fmt: skip


# The same expression in SQL (written here by the test, not taken from a config) is the reference.
SAME_IN_SQL = [
    ("gdp / pop * 100", "gdp / pop * 100"),
    ("-gdp + 2 ** 3", "-gdp + 2 ** 3"),
    ("ln(gdp)", "ln(gdp)"),
    ("log10(pop)", "log10(pop)"),
    ("sqrt(abs(gdp)) + exp(pop / 10)", "sqrt(abs(gdp)) + exp(pop / 10)"),
    ("coalesce(gdp, pop, 7)", "coalesce(gdp, pop, 7)"),
    ("greatest(gdp, pop)", "greatest(gdp, pop)"),
    ("least(gdp, pop, 1)", "least(gdp, pop, 1)"),
    ("power(pop, 0.5)", "power(pop, 0.5)"),
    ("nullif(pop, 0)", "nullif(pop, 0)"),
    ("(1 - least(greatest(year - 2019, 0), 1)) * gdp + least(greatest(year - 2019, 0), 1) * pop",
     "(1 - least(greatest(year - 2019, 0), 1)) * gdp + least(greatest(year - 2019, 0), 1) * pop"),
    ("lag(gdp)", "lag(gdp) OVER (PARTITION BY province ORDER BY year)"),
    ("lead(pop, 2)", "lead(pop, 2) OVER (PARTITION BY province ORDER BY year)"),
]  # fmt: skip


@pytest.mark.parametrize("expr, sql", SAME_IN_SQL)
def test_numpy_evaluation_agrees_with_duckdb(expr, sql):
    p = _panel()
    ours = evaluate(expr, p)
    with connect() as con:
        con.register("p", p)
        ref = con.execute(
            f"SELECT CAST(({sql}) AS DOUBLE) AS v FROM p ORDER BY province, year"
        ).df()["v"]
    np.testing.assert_allclose(ours, ref.to_numpy(dtype=float), rtol=1e-12, equal_nan=True)


# Every bypass of issue 16: helper names that became allowed words, SQL functions, file paths.
BYPASSES = [
    ("select", "gdp"), ("from", "gdp"), ("chr", "gdp"), ("concat", "gdp"), ("read_text", "gdp"),
    ("content", "gdp"), ("substr", "gdp"), ("glob", "gdp"), ("ln", "gdp"), ("lag", "gdp"), ("year", "gdp"),
]  # fmt: skip


@pytest.mark.parametrize("name, expr", BYPASSES)
def test_derived_names_may_not_shadow_functions_or_keywords(name, expr):
    with pytest.raises(
        ConfigError, match=f"panel.derived.{name}: the name '{name}' is a function or SQL keyword"
    ):
        derive(_panel(), {name: expr})


@pytest.mark.parametrize(
    "expr",
    [
        "(SELECT content FROM read_text('/etc/passwd'))",
        "read_text('/etc/passwd')",
        "concat(chr(47), 'etc')",
        "length(content)",
        "substr(gdp, 1, 2)",
        "glob('/etc/*')",
        "read_csv('https://example.com/x.csv')",
        "gdp.__class__",
        "__import__('os').system('true')",
        "[gdp][0]",
        "gdp if pop else 1",
        "gdp > 1",
        "'text'",
        "True + gdp",
        "lambda: 1",
        "gdp % 2",
        "ln(x=gdp)",
        "lag(gdp + 1)",
        "lag(gdp, -1)",
        "sqrt(gdp, pop)",
    ],
)
def test_anything_outside_the_allow_list_is_a_config_error(expr):
    with pytest.raises(ConfigError, match="panel.derived.v"):
        derive(_panel(), {"v": expr})


def test_helpers_defined_earlier_do_not_become_functions():
    # the attack of issue 16: define `read_text`, `content` … then use them as SQL words
    with pytest.raises(ConfigError, match="is a function or SQL keyword"):
        derive(_panel(), {"content": "gdp", "x": "content"})
    out = derive(_panel(), {"g2": "gdp * 2", "g4": "g2 * 2"})
    np.testing.assert_allclose(out["g4"], _panel()["gdp"] * 4, equal_nan=True)
    with pytest.raises(ConfigError, match="'g2' is not an allowed function"):
        derive(_panel(), {"g2": "gdp * 2", "g4": "g2(gdp)"})


def test_duckdb_connections_cannot_touch_the_file_system(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    with connect() as con:
        for sql in (f"SELECT * FROM read_csv('{secret}')", f"SELECT * FROM glob('{tmp_path}/*')",
                    "SELECT * FROM read_csv('https://example.com/x.csv')",
                    f"COPY (SELECT 1) TO '{tmp_path}/out.csv'", "INSTALL httpfs", "LOAD httpfs"):  # fmt: skip
            with pytest.raises(Exception, match="disabled|Permission|not allowed|extension"):
                con.execute(sql).fetchall()
    assert not (tmp_path / "out.csv").exists()


def test_no_duckdb_connect_outside_the_safe_helper():
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "imtfp"
    offenders = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if "duckdb.connect(" in p.read_text(encoding="utf-8") and p.name != "database.py"]  # fmt: skip
    assert offenders == []


def test_lag_sees_the_year_before_the_window():
    obs = pd.DataFrame({"province": ["11"] * 3, "year": [2019, 2020, 2021], "indicator": ["gdp"] * 3,
                        "value": [1.0, 2.0, 4.0]})  # fmt: skip
    out = build_panel(
        obs, {"years": [2020, 2021], "missing": "none", "derived": {"growth": "gdp / lag(gdp) - 1"}}
    )
    assert out["panel"].loc[out["panel"]["province"] == "11", "growth"].tolist() == [1.0, 1.0]


# ---- issue 23 item 6: limits of an expression are ConfigErrors naming the key -------------------


@pytest.mark.parametrize(
    ("expr", "what"),
    [("1" + "0" * 400 + " * gdp", "literal"), ("1e999 * gdp", "literal"), ("gdp + 1e200", "literal"),
     ("lag(gdp, 10000000000000000000000)", "lag"), ("lead(pop, 101)", "lead"),
     ("-" * 990 + "gdp", "nested"), ("ln(" * 120 + "gdp" + ")" * 120, "nested"),
     ("+-" * 400 + "gdp", "nested"), ("(" * 300 + "gdp" + ")" * 300, "parse")],
)  # fmt: skip
def test_expression_limits_are_config_errors_naming_the_key(expr, what):
    with pytest.raises(ConfigError, match=f"panel.derived.v: .*{what}"):
        derive(_panel(), {"v": expr})


def test_expressions_within_the_limits_evaluate():
    out = derive(_panel(), {"v": "lag(gdp, 100) + 1e15 * 0 + " + "-" * 20 + "(((gdp)))"})
    assert out["v"].isna().all()  # no province has 100 years of data


def test_expression_limits_are_checked_when_the_config_loads():
    from imtfp.config import check_sanity

    with pytest.raises(ConfigError, match="'panel.derived.v': lag by 1000 years"):
        check_sanity({"panel": {"derived": {"v": "lag(gdp, 1000)"}}})
