"""The 31 mainland provinces: GB/T 2260 codes, names, pinyin and NBS regions.

Regions follow the NBS four-way division (东部, 中部, 西部, 东北). Rows that
are not provincial observations — the national total (全国) and Hong Kong,
Macao and Taiwan — are recognised by :func:`non_provincial` so readers can
count them instead of failing on them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import pandas as pd

from imtfp.errors import ConfigError

REGIONS = ("east", "central", "west", "northeast")
REGION_ZH = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}
MUNICIPALITIES = ("11", "12", "31", "50")

# Spellings beyond the table's columns: English variants and romanisations seen in data.
_EXTRA_ALIASES = {
    "tibet": "54",
    "xizang autonomous region": "54",
    "nei mongol": "15",
    "inner mongolia": "15",
    "inner mongolia autonomous region": "15",
    "guangxi zhuang autonomous region": "45",
    "ningxia hui autonomous region": "64",
    "xinjiang uygur autonomous region": "65",
    "xinjiang uyghur autonomous region": "65",
    "shensi": "61",
    "shansi": "14",
    # short forms seen in researchers' panels (EPS, CSMAR, hand-made sheets)
    "内蒙": "15",
    "广西壮族": "45",
    "宁夏回族": "64",
    "新疆维吾尔": "65",
    "新疆维吾尔族自治区": "65",
}

#: Traditional forms of the characters of province names (Taiwan/Hong Kong exports): 內蒙古 → 内蒙古.
_TRADITIONAL = str.maketrans({
    "內": "内", "遼": "辽", "寧": "宁", "龍": "龙", "蘇": "苏", "東": "东", "廣": "广", "慶": "庆",
    "貴": "贵", "雲": "云", "陝": "陕", "肅": "肃", "維": "维", "爾": "尔", "壯": "壮", "區": "区",
    "國": "国", "臺": "台", "灣": "湾", "門": "门", "開": "开",
})  # fmt: skip

_NON_PROVINCIAL = {
    "全国": "national",
    "中国": "national",
    "全国合计": "national",
    "national": "national",
    "china": "national",
    "香港": "hong_kong",
    "香港特别行政区": "hong_kong",
    "hong kong": "hong_kong",
    "澳门": "macao",
    "澳门特别行政区": "macao",
    "macao": "macao",
    "macau": "macao",
    "台湾": "taiwan",
    "台湾省": "taiwan",
    "taiwan": "taiwan",
}


def _normalise(name: str) -> str:
    # NBS files pad names with ideographic spaces (U+3000) and NBSPs; NFKC folds them.
    text = unicodedata.normalize("NFKC", str(name)).strip().lower().translate(_TRADITIONAL)
    return re.sub(r"[\s\-_]+", " ", text)


@cache
def table() -> pd.DataFrame:
    """The province table: code, name_zh, short_zh, pinyin, name_en, region (codes as str)."""
    with resources.files("imtfp.data").joinpath("provinces.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str)


@cache
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in table().itertuples(index=False):
        for name in (row.code, row.name_zh, row.short_zh, row.pinyin, row.name_en):
            out[_normalise(name)] = row.code
        out[_normalise(row.name_en.replace(" ", ""))] = row.code
    out.update(_EXTRA_ALIASES)
    return out


def non_provincial(name: str) -> str | None:
    """``"national"``, ``"hong_kong"``, ``"macao"`` or ``"taiwan"`` for such rows, else ``None``."""
    return _NON_PROVINCIAL.get(_normalise(name))


def to_code(name: str) -> str:
    """Two-digit GB/T 2260 code of a province from any common spelling.

    Accepts full and short Chinese names (北京市, 北京, 内蒙古自治区), pinyin
    (beijing, shaanxi ≠ shanxi), English names (Inner Mongolia, Tibet) and the
    code itself, ignoring case and surrounding white space.

    Raises
    ------
    ConfigError
        Naming the unknown spelling.
    """
    code = _aliases().get(_normalise(name))
    if code is None:
        raise ConfigError(f"unknown province name {name!r}")
    return code


def region(code: str) -> str:
    """NBS region (east, central, west, northeast) of a province code."""
    regions = dict(zip(table()["code"], table()["region"]))
    if code not in regions:
        raise ConfigError(f"unknown province code {code!r}")
    return regions[code]


def codes() -> list[str]:
    """The 31 codes in GB/T 2260 order."""
    return table()["code"].tolist()


REGION_EN = {"east": "East", "central": "Central", "west": "West", "northeast": "Northeast"}


def name(code: str, *, language: str = "zh", full: bool = False) -> str:
    """A province's name for tables and messages: 广东 (``full``: 广东省), or Guangdong in English.

    Unknown codes are returned as given (a message about a bad code must still print it).
    """
    rows = table().set_index("code")
    code = str(code)
    if code not in rows.index:
        return code
    row = rows.loc[code]
    if language == "en":
        return str(row["name_en"])
    return str(row["name_zh"] if full else row["short_zh"])


def described(code: str) -> str:
    """``广东（44）``: the name a reader knows with the code the data use, for error messages."""
    label = name(code)
    return label if label == str(code) else f"{label}（{code}）"


def region_rank(value: object) -> int:
    """Position of a region (east/东部, central/中部, west/西部, northeast/东北) in the NBS order.

    Sort keys use it so regions are always listed 东部、中部、西部、东北; anything else sorts last.
    """
    text = str(value).strip()
    text = text.split("=", 1)[1] if text.startswith("region=") else text
    for i, key in enumerate(REGIONS):
        if text.lower() in (key, REGION_EN[key].lower()) or text == REGION_ZH[key]:
            return i
    return len(REGIONS)


def sort_regions(values) -> list:
    """``values`` in the NBS order 东部、中部、西部、东北 (unknown values after them, alphabetically)."""
    return sorted(values, key=lambda v: (region_rank(v), str(v)))


def region_name(value: object, *, language: str = "zh") -> object:
    """东部/中部/西部/东北 (or East, …) for a region key; other values unchanged (NA stays NA)."""
    rank = region_rank(value)
    if rank == len(REGIONS):
        return value
    key = REGIONS[rank]
    return REGION_EN[key] if language == "en" else REGION_ZH[key]
