import pandas as pd
import pytest

from imtfp.errors import ConfigError
from imtfp.ingest.city import city_timing, province_timing, short_name

pytestmark = pytest.mark.unit


def pilots(rows):
    df = pd.DataFrame(
        rows,
        columns=["policy_name", "batch_year", "raw_region_name", "parent_city", "mapping_level"],
    )
    return df.assign(source_line=range(2, len(df) + 2))


CITIES = pd.DataFrame(
    {
        "city": ["1100", "4301", "4302", "5000"],
        "city_name": ["北京市", "长沙市", "株洲市", "重庆市"],
    }
)


def test_city_timing_matches_names_keeps_the_first_batch_and_reports_every_miss():
    p = pilots([
        ("bb", 2014, "北京市", "北京", "city"),
        ("bb", 2014, "长株潭城市群", "长沙", "city_group_expanded"),
        ("bb", 2014, "长株潭城市群", "株洲", "city_group_expanded"),
        ("bb", 2015, "重庆市江津区", "重庆", "district_mapped_to_municipality"),
        ("bb", 2016, "北碚区", "重庆", "district_mapped_to_municipality"),
        ("bb", 2014, "昆山市", "昆山", "city"),
        ("bb", 2015, "永城市", "永城", "city"),
        ("other", 2012, "上海市", "上海", "city"),
    ])  # fmt: skip
    timing, unmatched = city_timing(p, CITIES, policy="bb")
    assert dict(zip(timing["city"], timing["first_treated"])) == {
        "1100": 2014,
        "4301": 2014,
        "4302": 2014,
        "5000": 2015,
    }
    assert list(unmatched["raw_region_name"]) == ["昆山市", "永城市"]
    assert list(unmatched["source_line"]) == [7, 8]
    timing, unmatched = city_timing(p, CITIES, policy="bb", aliases={"昆山": "北京"})
    assert list(unmatched["raw_region_name"]) == ["永城市"]


def test_province_timing_expands_regions_and_applies_overrides():
    p = pilots([
        ("bd", 2016, "贵州省", "贵州省", "province"),
        ("bd", 2016, "京津冀", "京津冀", "region"),
        ("bd", 2016, "沈阳市", "沈阳", "city"),
    ])  # fmt: skip
    timing, unmatched = province_timing(p, policy="bd", regions={"京津冀": ["北京", "天津", "河北"]},
                                        overrides={"贵州": 2015})  # fmt: skip
    assert dict(zip(timing["province"], timing["first_treated"])) == {
        "11": 2016,
        "12": 2016,
        "13": 2016,
        "52": 2015,
    }
    assert (
        list(unmatched["raw_region_name"]) == ["沈阳市"]
        and "regions" in unmatched["reason"].iloc[0]
    )


def test_unknown_policy_names_the_known_ones():
    with pytest.raises(ConfigError, match="known"):
        province_timing(pilots([("bd", 2016, "贵州省", "贵州省", "province")]), policy="bigdata")


def test_short_names():
    assert short_name("延边朝鲜族自治州") == "延边朝鲜族" and short_name("北京市") == "北京"
