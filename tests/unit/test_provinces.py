import pytest

from imtfp import provinces
from imtfp.errors import ConfigError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "name, code",
    [("北京", "11"), ("北京市", "11"), ("Beijing", "11"), ("beijing", "11"), (" 北京市\u3000", "11"),
     ("内蒙古", "15"), ("内蒙古自治区", "15"), ("Inner Mongolia", "15"), ("neimenggu", "15"),
     ("广西壮族自治区", "45"), ("shaanxi", "61"), ("shanxi", "14"), ("陕西省", "61"), ("山西", "14"),
     ("Tibet", "54"), ("xizang", "54"), ("新疆维吾尔自治区", "65"), ("Xinjiang", "65"), ("65", "65")],
)  # fmt: skip
def test_spellings(name, code):
    assert provinces.to_code(name) == code


def test_unknown_name_is_named():
    with pytest.raises(ConfigError, match="火星"):
        provinces.to_code("火星省")


def test_table_and_regions():
    t = provinces.table()
    assert len(t) == 31 and t["code"].is_unique
    assert t["region"].value_counts().to_dict() == {
        "west": 12,
        "east": 10,
        "central": 6,
        "northeast": 3,
    }
    assert provinces.region("23") == "northeast" and provinces.region("44") == "east"


@pytest.mark.parametrize("name", ["全国", "香港特别行政区", "澳门", "台湾省"])
def test_non_provincial_rows_are_recognised_not_provinces(name):
    assert provinces.non_provincial(name) is not None
    with pytest.raises(ConfigError):
        provinces.to_code(name)
