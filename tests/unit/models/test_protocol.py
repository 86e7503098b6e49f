"""One result protocol (issue 26): every public estimator of imtfp.models and imtfp.models.did
returns an Estimates subclass (a ResultSet for collections) with one ``tidy(*, table, column,
level)`` signature, and etable takes every one of them.

The stage of every registry model runs through the same protocol into its table in
tests/unit/report/test_with_estimators.py.
"""

from __future__ import annotations

import importlib.util
import inspect
import typing
import warnings
from pathlib import Path

import numpy as np
import pytest

import imtfp.models
import imtfp.models.did
from imtfp.core.vcov import InferenceLimits
from imtfp.report.etable import etable_table
from imtfp.report.labels import LabelWarning
from imtfp.results import Estimates, ResultSet
from imtfp.tidy import TIDY_COLUMNS

pytestmark = pytest.mark.unit

_sim = importlib.util.spec_from_file_location(
    "_did_sim", Path(__file__).parent / "did" / "_did_sim.py"
)
_did_sim = importlib.util.module_from_spec(_sim)
_sim.loader.exec_module(_did_sim)

#: Public callables that are not estimators, and why.
NOT_ESTIMATORS = {
    "parse_formula": "a parser: (y, x, absorbed)",
    "specification_grid": "builds the grid of specifications (a frame of choices)",
    "estimate_specifications": "the multiverse engine's frame; SpecificationCurve views it",
    "falsification_tests": "the falsification model's stage function: a tidy frame",
    # Moran's I and LM statistics have a null distribution, not a sampling covariance: as an
    # Estimates their p-values would be coef/se tests of the wrong hypothesis (I = 0, not E[I])
    "spatial_diagnostics": "tests of spatial dependence: a frame of statistics, df and p",
    "moran_panel": "Moran's I per period and pooled: a frame of statistics and p",
    "honest_intervals": "Rambachan–Roth sets from (betahat, sigma): a frame M, lb, ub, method, as HonestDiD",
    "identified_set": "the identified set's bounds (lb, ub) at one M",
    "breakdown_value": "a number: the largest M at which the robust set excludes 0",
}
FORCE = InferenceLimits(dk_force=True)  # the simulated panel has 12 years
M = imtfp.models
D = imtfp.models.did
KEYS = dict(y="y", entity="unit", time="year", group="g")


def _cases(panel, did) -> dict:
    es = D.att_gt(did, base_period="universal", bootstrap=0, **KEYS).aggregate("dynamic")
    common = dict(y="y", controls=["z"])
    rng = np.random.default_rng(5)  # a frontier: normal noise less a half-normal inefficiency
    noise = 0.3 * rng.normal(size=len(panel)) - np.abs(rng.normal(size=len(panel)))
    frontier = panel.assign(yf=0.5 * panel["x"] + 0.3 * panel["z"] + noise)
    n = panel["province"].nunique()  # a ring: each province borders the next and the previous
    ring = (np.roll(np.eye(n), 1, axis=1) + np.roll(np.eye(n), -1, axis=1)) / 2
    return {
        "sfa": lambda: M.sfa(frontier, "yf ~ x + z", entity="province", time="year"),
        "spatial_panel": lambda: M.spatial_panel(
            panel, "y ~ x + z", ring, entity="province", time="year", model="sdm", effects="twoways"
        ),
        "dynamic_panel": lambda: M.dynamic_panel(
            panel,
            "y ~ L1.y + x + z",
            entity="province",
            time="year",
            gmm={"y": (2, 3)},
            iv=["x", "z"],
            collapse=True,
        ),  # fmt: skip
        "twfe": lambda: M.twfe(panel, x="x", **common),
        "fit_twfe": lambda: M.fit_twfe(panel, x="x", **common),
        "feols": lambda: M.feols("y ~ x + z | province + year", panel),
        "inference_panel": lambda: M.inference_panel(
            panel, x="x", bootstrap=99, seed=1, limits=FORCE, **common
        ),
        "mediation": lambda: M.mediation(panel, x="x", m="m", bootstrap=49, seed=1, **common),
        "mediate": lambda: M.mediate(
            "y ~ x + z | province + year", panel, m="m", seed=1, bootstrap=49
        ),  # fmt: skip
        "split_samples": lambda: M.split_samples(
            panel, x="x", by=None, periods={"early": [2011, 2016], "late": [2017, 2022]}, **common
        ),
        "moderation": lambda: M.moderation(panel, x="x", moderator="q", **common),
        "group_equality_test": lambda: M.group_equality_test(
            panel,
            x="x",
            group="region",
            merge={"northeast": "central"},
            bootstrap=99,
            seed=1,
            **common,
        ),
        "iv_2sls": lambda: M.iv_2sls(panel, endog="x", instruments=["w"], **common),
        "feiv": lambda: M.feiv("y ~ z | province + year | x ~ w", panel),
        "lagged_regression": lambda: M.lagged_regression(panel, x="x", **common),
        "threshold": lambda: M.threshold(
            panel, x_regime="x", q="q", grid=30, bootstrap=0, seed=1, **common
        ),  # fmt: skip
        "att_gt": lambda: D.att_gt(did, bootstrap=0, **KEYS),
        "sun_abraham": lambda: D.sun_abraham(did, bootstrap=0, **KEYS),
        "did_imputation": lambda: D.did_imputation(did, bootstrap=0, **KEYS),
        "twfe_event_study": lambda: D.twfe_event_study(did, leads=2, lags=3, bootstrap=0, **KEYS),
        "static_twfe": lambda: D.static_twfe(did, **KEYS),
        "bacon_decomposition": lambda: D.bacon_decomposition(did, **KEYS),
        "randomization_inference": lambda: D.randomization_inference(
            did, bootstrap=49, seed=1, **KEYS
        ),  # fmt: skip
        "pretrend_test": lambda: D.pretrend_test(es),
        "honest_did": lambda: D.honest_did(es),
    }


def _public_callables() -> dict[str, tuple[object, object]]:
    out = {}
    for package in (M, D):
        for name in package.__all__:
            obj = getattr(package, name)
            if inspect.isfunction(obj):
                out[name] = (package, obj)
    return out


PUBLIC = _public_callables()
ESTIMATORS = sorted(n for n in PUBLIC if n not in NOT_ESTIMATORS and not n.startswith("estimate_"))


def test_every_public_estimator_has_a_case_here(panel):
    assert set(ESTIMATORS) == set(_cases(panel, _did_sim.staggered()))


@pytest.mark.parametrize("name", ESTIMATORS)
def test_return_annotation_is_an_estimates_class(name):
    hint = typing.get_type_hints(PUBLIC[name][1])["return"]
    assert inspect.isclass(hint) and issubclass(hint, Estimates), (name, hint)


@pytest.mark.parametrize("name", ["imtfp.models", "imtfp.models.did", "imtfp.results"])
def test_every_result_class_has_the_one_tidy_signature(name):
    module = importlib.import_module(name)
    classes = [
        getattr(module, n)
        for n in getattr(module, "__all__", dir(module))
        if inspect.isclass(getattr(module, n)) and issubclass(getattr(module, n), Estimates)
    ]
    assert classes
    for cls in classes:
        params = inspect.signature(cls.tidy).parameters
        for arg in ("table", "column", "level"):
            assert params[arg].kind is inspect.Parameter.KEYWORD_ONLY, (cls, arg)
        extra = [p for p in params.values() if p.name not in ("self", "table", "column", "level")]
        assert all(p.default is not inspect.Parameter.empty for p in extra), cls


@pytest.fixture(scope="module")
def results(panel) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Driscoll–Kraay on 12 years, forced
        return {name: make() for name, make in _cases(panel, _did_sim.staggered()).items()}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_every_estimator_follows_the_protocol(results, name):
    res = results[name]
    assert isinstance(res, typing.get_type_hints(PUBLIC[name][1])["return"])
    terms = list(res.terms)
    for attribute in ("params", "bse", "tvalues", "pvalues"):
        assert list(getattr(res, attribute).index) == terms, attribute
    assert np.asarray(res.vcov).shape == (len(terms), len(terms))
    assert isinstance(res.summary(), str)
    rows = res.tidy(table="t", column="c", level=0.9)
    assert list(rows.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    assert len(rows) and (rows["table"] == "t").all()
    if isinstance(res, ResultSet):
        assert rows["column"].str.startswith("c:").all()
    else:
        assert (rows["column"] == "c").any()
    if terms:
        ci = res.conf_int(0.9)
        assert list(ci.index) == terms and list(ci.columns) == ["lower", "upper"]


@pytest.mark.parametrize("name", ESTIMATORS)
def test_etable_takes_every_result(results, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelWarning)  # the simulation's variable names
        table = etable_table({"(1)": results[name]}, language="en")
    assert table.ncols >= 1
