"""Province names for messages and tables; regions in the NBS order 东部、中部、西部、东北."""

import pytest

from imtfp import provinces

pytestmark = pytest.mark.unit


def test_names():
    assert provinces.name("44") == "广东" and provinces.name("44", full=True) == "广东省"
    assert provinces.name("15", language="en") == "Inner Mongolia"
    assert provinces.name("99") == "99"  # unknown codes print as given
    assert provinces.described("44") == "广东（44）"


def test_region_order_is_east_central_west_northeast():
    assert provinces.sort_regions(["west", "northeast", "central", "east"]) == [
        "east",
        "central",
        "west",
        "northeast",
    ]
    assert provinces.sort_regions(["中部", "东北", "东部", "西部"]) == [
        "东部",
        "中部",
        "西部",
        "东北",
    ]
    assert provinces.sort_regions(["region=west", "region=east", "other"]) == [
        "region=east",
        "region=west",
        "other",
    ]
    assert (
        provinces.region_name("northeast") == "东北"
        and provinces.region_name("west", language="en") == "West"
    )
