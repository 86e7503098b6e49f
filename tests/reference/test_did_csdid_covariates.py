"""Callaway–Sant'Anna with a covariate (doubly robust) and analytical SEs against Stata ``csdid``.

Source: Fernando Rios-Avila (author of Stata ``csdid``/``drdid``), "csdid" post on
friosavila.github.io/playingwithstata, output of
``csdid lemp lpop, ivar(countyreal) time(year) gvar(first_treat) method(dripw)`` on the same ``mpdta``
(our tests/data/reference/mpdta.csv) with asymptotic (influence-function) standard errors, and of
``estat pretrend / simple / calendar / group / event``. ``dripw`` is the doubly robust estimator R
``did`` uses for ``est_method = "dr"`` (DRDID ``drdid_panel``); the post says its point estimates equal
R's. Tolerance: half a unit of the last printed digit (5e-7 for estimates and SEs, 5e-3 for chi2,
5e-5 for its p-value).
"""

from pathlib import Path

import pandas as pd
import pytest

from imtfp.models.did import att_gt

pytestmark = pytest.mark.reference
DATA = Path(__file__).resolve().parents[1] / "data" / "reference" / "mpdta.csv"

# (group, time): (ATT, SE) from the csdid table (t_<base>_<time> rows)
CELLS = {
    (2004, 2004): (-0.0145297, 0.0221292),
    (2004, 2005): (-0.0764219, 0.0286713),
    (2004, 2006): (-0.1404483, 0.0353782),
    (2004, 2007): (-0.1069039, 0.0328865),
    (2006, 2004): (-0.0004721, 0.0222234),
    (2006, 2005): (-0.0062025, 0.0184957),
    (2006, 2006): (0.0009606, 0.0194002),
    (2006, 2007): (-0.0412939, 0.0197211),
    (2007, 2004): (0.0267278, 0.0140657),
    (2007, 2005): (-0.0045766, 0.0157178),
    (2007, 2006): (-0.0284475, 0.0181809),
    (2007, 2007): (-0.0287814, 0.0162390),
}
PRETREND = (6.84, 0.2327)
SIMPLE = (-0.0417518, 0.0115028)
CALENDAR = {2004: (-0.0145297, 0.0221292), 2005: (-0.0764219, 0.0286713), 2006: (-0.0461757, 0.0212107),
            2007: (-0.0395822, 0.0129299)}  # fmt: skip
GROUP = {
    2004: (-0.0845759, 0.0245649),
    2006: (-0.0201666, 0.0174696),
    2007: (-0.0287814, 0.0162390),
}
EVENT = {-3: (0.0267278, 0.0140657), -2: (-0.0036165, 0.0129283), -1: (-0.0232440, 0.0144851),
         0: (-0.0210604, 0.0114942), 1: (-0.0530032, 0.0163465), 2: (-0.1404483, 0.0353782),
         3: (-0.1069039, 0.0328865)}  # fmt: skip
TOL = 5e-7


@pytest.fixture(scope="module")
def result():
    return att_gt(pd.read_csv(DATA), y="lemp", entity="countyreal", time="year", group="first.treat",
                  controls=["lpop"], method="dr", bootstrap=0)  # fmt: skip


def test_cells_and_analytical_standard_errors(result):
    tab = result.att_gt.set_index(["group", "time"])
    for key, (att, se) in CELLS.items():
        assert abs(tab.loc[key, "att"] - att) < TOL, key
        assert abs(tab.loc[key, "se"] - se) < TOL, key


def test_pretrend(result):
    assert abs(result.pretest.statistic - PRETREND[0]) < 5e-3
    assert abs(result.pretest.p - PRETREND[1]) < 5e-5


@pytest.mark.parametrize("kind, published, col", [("calendar", CALENDAR, "time"), ("group", GROUP, "group"),
                                                  ("dynamic", EVENT, "event_time")])  # fmt: skip
def test_aggregations(result, kind, published, col):
    tab = result.aggregate(kind).table.set_index(col)
    for key, (att, se) in published.items():
        assert abs(tab.loc[key, "att"] - att) < TOL, (kind, key)
        assert abs(tab.loc[key, "se"] - se) < TOL, (kind, key)


def test_simple(result):
    o = result.aggregate("simple").overall
    assert abs(o["att"] - SIMPLE[0]) < TOL and abs(o["se"] - SIMPLE[1]) < TOL
