"""Seeded mutation fuzzing of every reader, judged by an oracle that does not use the readers' code.

Each case builds a file — an NBS export (legacy/portal CSV, by-region, ``.xlsx``/``.xls`` with one
or several worksheets, header-less), a ``columns`` table (long/years/census; CSV, ``.xlsx``,
``.xls``), a tidy or wide CSV, a corrupt workbook, or (``--real``) a real file of
``../shared/data`` cut to a few dozen lines — mutates it (lines dropped, duplicated, swapped;
notes inserted mid-table; cells replaced by hostile tokens such as ``NA``, ``inf``, ``2019.5``,
``1,5``, Excel errors, booleans, dates, formulas; line ends changed; bytes cut or inserted;
worksheets added) and reads it. The outcome is one of:

* **refused** — an :class:`~imtfp.errors.IngestError` naming the file: fine;
* **uncaught** — any other exception: a defect;
* **read** — then the oracle checks it. The oracle tokenizes the file itself (text: its own
  decoding and line splitting; Excel: the cell values the case wrote) and its own number grammar:

  - *cells unaccounted*: every non-empty cell of the file is an observation, a reject, an excluded
    cell or a row label (``nonempty_cells + meta["row_labels"]`` equals the oracle's count, and
    ``nonempty_cells`` equals observations + rejects + excluded cells);
  - *silent wrong*: an observation whose value is not the number in its cell (found from the
    oracle's header and the observation's line, year and indicator), whose province or year is not
    its row's, a key observed twice in one table, or a number filed as header/note text.

``python tests/unit/ingest/fuzzing.py --files 5000 [--real ../shared/data]`` (``make fuzz``) prints
the tallies and exits 1 unless uncaught, silent wrong and unaccounted are all 0. The unit test
``test_fuzz_accounting.py`` runs a few hundred synthetic cases of every kind.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

BLANKS = " \t\u3000\ufeff\xa0"
# The number grammar, written here again (not imported): sign, digits or 3-digit groups,
# decimals, exponent, finite.
_NUM = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$")
_YEAR_HEAD = re.compile(r"^([0-9]{4})\s*年?$")
_YEAR_CELL = re.compile(r"^([0-9]{4})(?:\.0+)?\s*年?$")
BAD = "\x00bad cell"  # an Excel cell that is not a value (error, boolean, date, formula)
TEXT_KINDS = {"header", "column_header", "note"}


def number(cell: str) -> float | None:
    text = cell.strip(BLANKS)
    if cell == BAD or not text.isascii() or not _NUM.match(text):
        return None
    value = float(text.replace(",", ""))
    return value if math.isfinite(value) else None


def filled(cell: str) -> bool:
    return cell.strip(BLANKS) != ""


# ---- material ----------------------------------------------------------------------------------

PROVINCES = ["北京市", "天津市", "河北省", "全国", "山西省", "香港特别行政区", "内蒙古自治区"]
UNKNOWN = ["內蒙古自治区", "大连", "新疆生产建设兵团", "火星省"]
YEARS = [2022, 2021, 2020, 2019]
TOKENS = ["", " ", "NaN", "nan", "inf", "-inf", "1,5", "1,234", "12,345.5", "123,", "—", "…", "#N/A", "１２",
          "1e999", "-0", "1_000", "x" * 50, '"', "\r", "\t,", "\u3000", "注：插入", "数据来源：x", "2020年",
          "0.5", "-3", "1.2e3", "北京", "火星省", ",,", "\ufeff", "NA", "N/A", "null", "None", "2019.5",
          "说明：x", "12.5"]  # fmt: skip
LINES = ["", ",,,,", "\u3000\u3000", "注：插在中间", "数据来源：国家统计局", "\u3000\u3000续注", "地区,2020年",
         "北京市,1,2,3,4", "全国,1,,,", ",1,2,3,4", "随便一行", "\t,\t,", "说明：口径,12.5", "资料来源：年鉴",
         "內蒙古自治区,1,2,3,4", "大连,5,,,", "新疆生产建设兵团,7,8,9,1", "\u3000\u30002. 续,3"]  # fmt: skip
NA_TEXT = ["NA", "N/A", "#N/A", "null", "None", "nan", "NaN", "n/a", "-nan", "NULL"]
EXCEL_VALUES = [None, 1.5, 7, -2.0, True, False, dt.datetime(2020, 1, 2), "#N/A", "#DIV/0!", "=1+1",
                "1,5", "NaN", "", " ", "注：x", "\u3000", "数据来源：y", "北京市", "2020年", "NA", "null",
                "None", "12.5", 2019.5, "inf", "说明：z"]  # fmt: skip


def _cells(rng: random.Random, n: int = len(YEARS)) -> list[str]:
    return [rng.choice(["", f"{rng.uniform(-50, 5000):.1f}", str(rng.randint(0, 99999))])
            for _ in range(n)]  # fmt: skip


def _labels(rng: random.Random) -> list[str]:
    labels = list(PROVINCES)
    if rng.random() < 0.3:
        labels.insert(rng.randrange(len(labels) + 1), rng.choice(UNKNOWN))
    return labels


def legacy_text(rng: random.Random) -> str:
    lines = ["数据库：分省年度数据", "指标：地区生产总值(亿元)", "时间：最近20年",
             ",".join(["地区", *[f"{y}年" for y in YEARS]])]  # fmt: skip
    lines += [",".join([p, *_cells(rng)]) for p in _labels(rng)]
    if rng.random() < 0.4:  # a note inside the table, rows after it
        at = rng.randrange(5, len(lines))
        lines[at:at] = [rng.choice(["注：中途", "说明：口径", "资料来源：年鉴"]),
                        ",".join([rng.choice(PROVINCES + UNKNOWN), *_cells(rng)])]  # fmt: skip
    lines += ["注：1. 说明", "\u3000\u30002. 续", "数据来源：国家统计局"]
    return "\r\n".join(lines) + "\r\n"


def portal_text(rng: random.Random) -> str:
    sep = "\t,"
    lines = ["数据库：分省年度数据 ", "时间：2019年-2022年 ",
             sep.join(["地区", *[f"{y}年" for y in YEARS]]) + sep]  # fmt: skip
    lines += [sep.join([p, *_cells(rng)]) + sep for p in _labels(rng)]
    lines += ["注：模拟。", "数据来源：国家统计局"]
    return "\n".join(lines)


def by_region_text(rng: random.Random) -> str:
    lines = [
        "数据库：分省年度数据",
        "时间：2019-2022",
        ",".join(["指标", *[f"{y}年" for y in YEARS]]),
    ]
    lines += [",".join([f"指标{i}(亿元)", *_cells(rng)]) for i in range(5)]
    if rng.random() < 0.4:
        lines.insert(rng.randrange(4, len(lines)), "注：中途")
    lines += ["数据来源：国家统计局"]
    return "\r\n".join(lines) + "\r\n"


def tidy_text(rng: random.Random) -> str:
    rows = ["province,year,indicator,value,unit"]
    values = ["", "1.5", "2", '"3,000"', "NA", "inf"]
    rows += [f"{p},{y},gdp,{rng.choice(values)},亿元" for p in PROVINCES[:5] for y in YEARS]
    return "\n".join(rows) + "\n"


def wide_text(rng: random.Random) -> str:
    rows = ["地区,年份,GDP,备注"]
    rows += [f"{p},{rng.choice([y, y, y, '2019.5', 'inf'])},{rng.choice(['', '1.5', '2', 'NA'])},"
             f"{rng.choice(['', 'a', '3'])}" for p in PROVINCES[:5] for y in YEARS]  # fmt: skip
    return "\n".join(rows) + "\n"


def long_rows(rng: random.Random) -> list[list]:
    rows: list[list] = [["province", "year", "gdp", "note"]]
    for p in _labels(rng)[:6]:
        for y in YEARS[:3]:
            value = rng.choice([round(rng.uniform(0, 999), 2), rng.randint(0, 99), None,
                                rng.choice(NA_TEXT), "1,5", "12,345.5"])  # fmt: skip
            year = rng.choice([y, y, y, float(y), f"{y}", 2019.5, "inf", "2019年"])
            rows.append([p, year, value, rng.choice([None, "x", 5])])
    return rows


def years_text(rng: random.Random) -> str:
    lines = [
        "数据库：分省年度数据",
        "时间：2019年-2022年",
        ",".join(["地区", *[f"{y}年" for y in YEARS]]),
    ]
    lines += [",".join([p, *_cells(rng)]) for p in _labels(rng)]
    lines += ["注" + "," * len(YEARS), "数" + "," * len(YEARS)]
    return "\n".join(lines) + "\n"


def census_text(rng: random.Random) -> str:
    rows = ["province,y2020,y2010"]
    rows += [f"{p},{rng.choice(['9.9', '', 'NA', '12.6'])},{rng.choice(['9.1', '', '—'])}"
             for p in _labels(rng)]  # fmt: skip
    return "\n".join(rows) + "\n"


def mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.choice([1, 1, 2, 3])):
        lines = text.split("\n")
        op = rng.randrange(10)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op in (3, 9):
            lines.insert(i, rng.choice(LINES))
        elif op in (4, 5):
            sep = "\t," if "\t," in lines[i] else ","
            cells = lines[i].split(sep)
            cells[rng.randrange(len(cells))] = rng.choice(TOKENS)
            lines[i] = sep.join(cells)
        elif op == 6:
            return text[: rng.randrange(len(text) + 1)]
        elif op == 7:
            text = text.replace("\r\n", "\n").replace("\n", rng.choice(["\r", "\n", "\r\n"]))
            continue
        else:
            pos = rng.randrange(len(lines[i]) + 1)
            lines[i] = (
                lines[i][:pos]
                + rng.choice(['"', "\r", ",", "\x00", "\ufffd", "，"])
                + lines[i][pos:]
            )
        text = "\n".join(lines)
    return text


def encode(text: str, rng: random.Random, *, gb: bool) -> bytes:
    if gb and rng.random() < 0.8:
        data = text.encode("gb18030", errors="replace")
    else:
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    if rng.random() < 0.05:  # raw garbage bytes
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + bytes(rng.randrange(256) for _ in range(3)) + data[pos:]
    return data


# ---- Excel ---------------------------------------------------------------------------------------


def nbs_rows(rng: random.Random, *, headerless: bool) -> list[list]:
    rows: list[list] = (
        []
        if headerless
        else [["数据库：分省年度数据"], ["指标：地区生产总值(亿元)"], ["时间：最近20年"]]
    )
    rows.append(["地区", *[f"{y}年" for y in YEARS]])
    rows += [[p, *[rng.choice([None, round(rng.uniform(0, 999), 1), rng.randint(0, 500)]) for _ in YEARS]]
             for p in _labels(rng)]  # fmt: skip
    if rng.random() < 0.4:
        at = rng.randrange(len(rows) - 3, len(rows) + 1)
        rows[at:at] = [
            [rng.choice(["注：中途", "说明：口径"])],
            [rng.choice(PROVINCES + UNKNOWN), 1.5, None, 3, 4],
        ]
    if not headerless or rng.random() < 0.5:
        rows += [["注：说明"], ["数据来源：国家统计局"]]
    return rows


def mutate_rows(rows: list[list], rng: random.Random, values: list) -> list[list]:
    rows = [list(r) for r in rows]
    for _ in range(rng.randint(1, 5)):
        op = rng.randrange(5)
        i = rng.randrange(len(rows))
        if op == 0:
            row = rows[i]
            j = rng.randrange(max(len(row), 1))
            row[j : j + 1] = [rng.choice(values)]
        elif op == 1:
            rows.insert(i, [rng.choice([None, "", "注：中间", "\u3000", "北京市", "说明：x", "大连"]),
                            *([rng.choice(values) for _ in YEARS] if rng.random() < 0.5 else [])])  # fmt: skip
        elif op == 2 and len(rows) > 1:
            del rows[i]
        elif op == 3:
            rows.insert(i, list(rows[i]))
        else:
            j, k = rng.randrange(len(rows)), rng.randrange(len(rows))
            rows[j], rows[k] = rows[k], rows[j]
    return rows


def excel_text(value: object) -> str:
    """What a worksheet cell written from ``value`` holds, for the oracle: '' (empty), BAD, or text."""
    if value is None:
        return ""
    if isinstance(value, (bool, dt.date, dt.datetime)):
        return BAD
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value).strip(" \t\r\n")
    if text.startswith("=") and len(text) > 1 or text in ("#N/A", "#DIV/0!"):
        return BAD
    return text


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        wb.save(path)
        return
    import xlwt

    wb = xlwt.Workbook()
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for title, rows in sheets.items():
        ws = wb.add_sheet(title)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str) and v in ("#N/A", "#DIV/0!"):
                    ws.row(r).set_cell_error(c, 0x2A if v == "#N/A" else 0x07)
                elif isinstance(v, dt.datetime):
                    ws.write(r, c, v, date)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))


def excel_grid(rows: list[list]) -> dict[int, list[str]]:
    return {i: [excel_text(v) for v in row] for i, row in enumerate(rows, start=1)}


# ---- the oracle's own tokenizer -----------------------------------------------------------------


def text_grid(data: bytes, *, nbs: bool) -> dict[int, list[str]] | None:
    """line -> cells of a CSV/NBS text file, decoded and split without the readers' code."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif nbs and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for enc in encodings:
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufeff", "") if nbs else text.lstrip("\ufeff")
    lines = text.split("\n")
    if nbs and lines and lines[-1] == "":
        lines.pop()
    if nbs and any("\t," in ln for ln in lines[:10]):
        grid = {}
        for i, ln in enumerate(lines, start=1):
            cells = [c.strip(" \t") for c in ln.split("\t,")]
            if len(cells) > 1 and cells[-1] in ("", ","):
                cells = cells[:-1]
            grid[i] = cells
        return grid
    grid, reader, start = {}, csv.reader(io.StringIO(text, newline="")), 1
    for cells in reader:
        grid[start] = [c.strip(" \t") if nbs else c for c in cells]
        start = reader.line_num + 1
    return grid


# ---- judging a reading ---------------------------------------------------------------------------


@dataclass
class Layout:
    """How the oracle finds an observation's cell: ``key`` column(s) and value column."""

    kind: str  # nbs_province | nbs_region | long | years | census | tidy
    columns: dict = field(default_factory=dict)  # long/wide: code -> column; census: year -> column
    province_column: str = "province"
    year_column: str = "year"


def _header_line(reading, label: str) -> int | None:
    ex = reading.excluded
    hit = ex[(ex["source_file"] == label) & (ex["kind"] == "column_header")]
    return int(hit["source_line"].min()) if len(hit) else None


def _year_of_header(cell: str) -> int | None:
    m = _YEAR_HEAD.match(cell.strip(BLANKS))
    return int(m.group(1)) if m else None


def _value_column(obs, header: list[str], layout: Layout) -> int | None:
    if layout.kind in ("nbs_province", "nbs_region", "years"):
        matches = [j for j, c in enumerate(header) if j > 0 and _year_of_header(c) == obs.year]
        return matches[0] if len(matches) == 1 else None
    if layout.kind == "tidy":
        return header.index("value") if "value" in header else None
    name = (
        layout.columns.get(obs.year)
        if layout.kind == "census"
        else layout.columns.get(obs.indicator)
    )
    return header.index(name) if name in header else None


def _province_code(label: str):
    from imtfp import provinces

    try:
        return provinces.to_code(label.strip(BLANKS))
    except Exception:
        return None


def judge(
    reading, grids: dict[str, dict[int, list[str]]], others: int, layout: Layout, path: Path
) -> tuple[list[str], int]:
    """(silent-wrong problems, cells unaccounted) of a successful reading."""
    problems: list[str] = []
    total = sum(filled(c) for g in grids.values() for cells in g.values() for c in cells) + others
    excluded = int(reading.excluded["cells"].sum()) if len(reading.excluded) else 0
    inner = reading.nonempty_cells - (len(reading.observations) + len(reading.rejects) + excluded)
    unaccounted = abs(total - reading.nonempty_cells - reading.meta.get("row_labels", 0)) + abs(
        inner
    )
    obs = reading.observations
    for label, grid in grids.items():
        hline = _header_line(reading, label)
        mine = obs[obs["source_file"] == label]
        if hline is None:
            if len(mine):
                problems.append(f"{label}: observations but no column header")
            continue
        header = [c.strip(BLANKS) for c in grid.get(hline, [])]
        keys = ["province", "year", "indicator"]
        if mine.duplicated(keys).any():
            problems.append(
                f"{label}: a key observed twice: {mine[mine.duplicated(keys)].head(2).values.tolist()}"
            )
        for o in mine.itertuples(index=False):
            problems += _check_observation(o, grid, header, layout, label)
        problems += _check_text_rows(reading, label, grid)
    return problems, unaccounted


def _check_observation(o, grid, header, layout: Layout, label: str) -> list[str]:
    cells = grid.get(int(o.source_line))
    j = _value_column(o, header, layout)
    where = f"{label} line {o.source_line} ({o.province}, {o.year}, {o.indicator})"
    if cells is None or j is None:
        return [f"{where}: no such cell in the file"]
    cell = cells[j] if j < len(cells) else ""
    if number(cell) != o.value:
        return [f"{where}: observed {o.value!r}, the cell holds {cell!r}"]
    row = dict(zip(header, cells))
    if layout.kind == "nbs_province" and _province_code(cells[0]) != o.province:
        return [f"{where}: the row's label is {cells[0]!r}"]
    if layout.kind == "nbs_region" and not cells[0].strip(BLANKS).startswith(str(o.indicator)):
        return [f"{where}: the row's label is {cells[0]!r}"]
    if layout.kind in ("long", "tidy"):
        m = _YEAR_CELL.match(str(row.get(layout.year_column, "")).strip())
        if not m or int(m.group(1)) != o.year:
            return [f"{where}: the row's year cell is {row.get(layout.year_column)!r}"]
    if layout.kind in ("long", "years", "census", "tidy"):
        name = row.get(layout.province_column if layout.kind != "years" else header[0], "")
        if _province_code(str(name)) != o.province:
            return [f"{where}: the row's province is {name!r}"]
    return []


def _check_text_rows(reading, label: str, grid) -> list[str]:
    """Header and note rows hold only text: a number there must be a reject, never text."""
    ex = reading.excluded
    text = ex[(ex["source_file"] == label) & ex["kind"].isin(["header", "note"])]
    out = []
    for line, cells in text.groupby("source_line")["cells"].sum().items():
        row = grid.get(int(line), [])
        words = sum(filled(c) and number(c) is None for c in row)
        if cells != words:
            out.append(f"{label} line {line}: {cells} text cells excluded, the row holds {words} "
                       f"(numbers filed as text?): {row[:6]}")  # fmt: skip
    return out


# ---- cases -------------------------------------------------------------------------------------


@dataclass
class Case:
    kind: str
    path: Path
    read: Callable
    grids: Callable[[], dict[str, dict[int, list[str]]] | None]
    layout: Layout
    others: Callable[[], int] = lambda: 0


def _nbs_reader(**kw):
    from imtfp.ingest.nbs import read_nbs_file

    return lambda path, mode: read_nbs_file(path, on_bad_cell=mode, **kw)


def _columns_reader(**kw):
    from imtfp.ingest.columns import read_columns

    return lambda path, mode: read_columns(path, on_bad_cell=mode, **kw)


def _text_case(kind, tmp, case, rng, text, *, gb, name, reader, layout, nbs) -> Case:
    data = encode(mutate_text(text, rng), rng, gb=gb)
    path = tmp / name
    path.write_bytes(data)
    return Case(kind, path, reader, lambda: _single(path, text_grid(data, nbs=nbs)), layout)


def _single(path: Path, grid):
    return None if grid is None else {str(path): grid}


def make_case(case: int, tmp: Path, real: RealSeeds | None = None) -> Case:
    kinds = KINDS + (REAL_KINDS if real else [])
    kind = kinds[case % len(kinds)]
    rng = random.Random(case)
    return BUILDERS[kind](case, tmp, rng, real)


def _legacy(case, tmp, rng, real):
    return _text_case("legacy", tmp, case, rng, legacy_text(rng), gb=True, name=f"c{case}.csv",
                      reader=_nbs_reader(), layout=Layout("nbs_province"), nbs=True)  # fmt: skip


def _portal(case, tmp, rng, real):
    return _text_case("portal", tmp, case, rng, portal_text(rng), gb=False, name=f"c{case}.csv",
                      reader=_nbs_reader(indicator="x", unit="亿元"), layout=Layout("nbs_province"),
                      nbs=True)  # fmt: skip


def _region(case, tmp, rng, real):
    return _text_case("region", tmp, case, rng, by_region_text(rng), gb=True,
                      name=f"c{case}_按地区_北京.csv", reader=_nbs_reader(), layout=Layout("nbs_region"),
                      nbs=True)  # fmt: skip


def _tidy(case, tmp, rng, real):
    from imtfp.ingest.manifest import read_tidy

    return _text_case("tidy", tmp, case, rng, tidy_text(rng), gb=False, name=f"c{case}.csv",
                      reader=lambda p, m: read_tidy(p, on_bad_cell=m), layout=Layout("tidy"), nbs=False)  # fmt: skip


def _wide(case, tmp, rng, real):
    from imtfp.ingest.manifest import read_wide

    def read(p, m):
        return read_wide(p, columns={"GDP": "gdp"}, units={"GDP": "亿元"}, province_column="地区",
                         year_column="年份", on_bad_cell=m)  # fmt: skip

    return _text_case("wide", tmp, case, rng, wide_text(rng), gb=True, name=f"c{case}.csv", reader=read,
                      layout=Layout("long", {"gdp": "GDP"}, "地区", "年份"), nbs=False)  # fmt: skip


def _years_csv(case, tmp, rng, real):
    return _text_case("columns_years", tmp, case, rng, years_text(rng), gb=True, name=f"c{case}.csv",
                      reader=_columns_reader(layout="years", indicator="x", unit="亿元", skip_rows=2),
                      layout=Layout("years"), nbs=False)  # fmt: skip


def _census_csv(case, tmp, rng, real):
    spec = dict(layout="census", columns={"y2020": "edu", "y2010": "edu"}, units={"y2020": "年", "y2010": "年"},
                years={"y2020": 2020, "y2010": 2010})  # fmt: skip
    return _text_case("columns_census", tmp, case, rng, census_text(rng), gb=False, name=f"c{case}.csv",
                      reader=_columns_reader(**spec), layout=Layout("census", {2020: "y2020", 2010: "y2010"}),
                      nbs=False)  # fmt: skip


def _long_csv(case, tmp, rng, real):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(
        ["" if v is None or isinstance(v, (bool, dt.date)) else v for v in row]
        for row in long_rows(rng)
    )
    text = buf.getvalue()
    return _text_case("columns_long_csv", tmp, case, rng, text, gb=False, name=f"c{case}.csv",
                      reader=_columns_reader(columns={"gdp": "gdp"}, units={"gdp": "亿元"}),
                      layout=Layout("long", {"gdp": "gdp"}), nbs=False)  # fmt: skip


def _workbook_case(
    kind, case, tmp, rng, sheets: dict[str, list[list]], suffix, reader_for, layout
) -> Case:
    """Write the sheets, maybe name one to read; the oracle holds what was written."""
    path = tmp / f"c{case}{suffix}"
    write_workbook(path, sheets)
    names = [
        n
        for n, rows in sheets.items()
        if any(excel_text(v) and filled(excel_text(v)) for r in rows for v in r)
    ]
    sheet = rng.choice(names) if names and len(sheets) > 1 and rng.random() < 0.5 else None
    chosen = [sheet] if sheet else (names or list(sheets)[:1])
    several = len(chosen) > 1

    def grids():
        return {(f"{path}#{n}" if several else str(path)): excel_grid(sheets[n]) for n in chosen}

    def others():
        return sum(
            filled(excel_text(v))
            for n, rows in sheets.items()
            if n not in chosen
            for r in rows
            for v in r
        )

    return Case(kind, path, reader_for(sheet), grids, layout, others)


def _sheets(
    rng: random.Random, make: Callable[[], list[list]], values: list
) -> dict[str, list[list]]:
    sheets = {"S1": mutate_rows(make(), rng, values)}
    if rng.random() < 0.35:
        sheets["S2"] = (
            mutate_rows(make(), rng, values) if rng.random() < 0.6 else [["说明"], ["x", 5, "y"]]
        )
    if rng.random() < 0.1:
        sheets["empty"] = []
    return sheets


def _nbs_excel(suffix):
    def build(case, tmp, rng, real):
        headerless = rng.random() < 0.25
        values = (
            EXCEL_VALUES
            if suffix == ".xlsx"
            else [v for v in EXCEL_VALUES if not str(v).startswith("=")]
        )
        sheets = _sheets(rng, lambda: nbs_rows(rng, headerless=headerless), values)
        kw = dict(indicator="x", unit="亿元") if headerless else {}
        return _workbook_case(f"nbs{suffix}", case, tmp, rng, sheets, suffix,
                              lambda sheet: _nbs_reader(sheet=sheet, **kw), Layout("nbs_province"))  # fmt: skip

    return build


def _columns_excel(suffix):
    def build(case, tmp, rng, real):
        values = [v for v in EXCEL_VALUES if suffix == ".xlsx" or not str(v).startswith("=")]
        sheets = _sheets(rng, lambda: long_rows(rng), values)
        return _workbook_case(f"columns{suffix}", case, tmp, rng, sheets, suffix,
                              lambda sheet: _columns_reader(columns={"gdp": "gdp"}, units={"gdp": "亿元"}, sheet=sheet),
                              Layout("long", {"gdp": "gdp"}))  # fmt: skip

    return build


def _corrupt(case, tmp, rng, real):
    """A workbook or Stata file cut or with bytes changed: an IngestError, or read consistently."""
    import pandas as pd

    suffix = rng.choice([".xlsx", ".xls", ".dta"])
    path = tmp / f"c{case}{suffix}"
    rows = long_rows(random.Random(case))
    if suffix == ".dta":
        pd.DataFrame(
            {"province": ["北京", "天津"], "year": [2019, 2020], "gdp": [1.5, 2.5]}
        ).to_stata(path, write_index=False, version=118)
    else:
        write_workbook(path, {"S": rows})
    data = bytearray(path.read_bytes())
    if rng.random() < 0.5:
        data = data[: rng.randrange(len(data))]
    else:
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return Case(
        "corrupt",
        path,
        _columns_reader(columns={"gdp": "gdp"}, units={"gdp": "亿元"}),
        lambda: None,
        Layout("long", {"gdp": "gdp"}),
    )


KINDS = ["legacy", "portal", "region", "nbs.xlsx", "nbs.xls", "columns_long_csv", "columns.xlsx",
         "columns.xls", "columns_years", "columns_census", "tidy", "wide", "corrupt"]  # fmt: skip
REAL_KINDS = ["real_nbs", "real_table", "real_xls", "real_nbs", "real_table"]
BUILDERS = {"legacy": _legacy, "portal": _portal, "region": _region, "nbs.xlsx": _nbs_excel(".xlsx"),
            "nbs.xls": _nbs_excel(".xls"), "columns_long_csv": _long_csv, "columns.xlsx": _columns_excel(".xlsx"),
            "columns.xls": _columns_excel(".xls"), "columns_years": _years_csv, "columns_census": _census_csv,
            "tidy": _tidy, "wide": _wide, "corrupt": _corrupt}  # fmt: skip


# ---- real files as seeds -------------------------------------------------------------------------


class RealSeeds:
    """Real NBS exports and wide/columns tables of ``../shared/data`` with their manifest entries.

    Text tables are cut to their first :data:`REAL_LINES` lines (the mutations then act on real
    formatting at a fuzzing pace); NBS exports are used whole.
    """

    REAL_LINES = 40

    def __init__(self, data_root: Path, manifest: Path):
        doc = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        self.root = Path(data_root)
        self.nbs = [e for e in doc["files"] if e["reader"] == "nbs" and e["path"].endswith(".csv")]
        self.tables = [e for e in doc["files"] if e["reader"] in ("wide", "columns")
                       and e["path"].endswith((".csv", ".xlsx"))]  # fmt: skip
        self.xls = sorted(self.root.rglob("*.xls"))

    def text(self, entry) -> tuple[str, bool]:
        raw = (self.root / entry["path"]).read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(enc), not bom
            except UnicodeDecodeError:
                continue
        raise AssertionError(entry["path"])


def _real_nbs(case, tmp, rng, real: RealSeeds):
    entry = rng.choice(real.nbs)
    text, gb = real.text(entry)
    kw = {k: entry[k] for k in ("province",) if k in entry}
    if "name" in entry:
        kw.update(indicator=entry["name"], unit=entry.get("unit"))
    name = Path(entry["path"]).name.replace(" ", "_")
    layout = Layout("nbs_region" if "按地区" in name else "nbs_province")
    return _text_case("real_nbs", tmp, case, rng, text, gb=gb, name=f"c{case}_{name}", reader=_nbs_reader(**kw),
                      layout=layout, nbs=True)  # fmt: skip


def _real_table(case, tmp, rng, real: RealSeeds):
    from imtfp.ingest.columns import read_entry_columns
    from imtfp.ingest.manifest import read_wide

    entry = rng.choice(real.tables)
    spec = {k: v for k, v in entry.items() if k not in ("path", "exclude_cells")}
    if entry["reader"] == "wide":

        def read(p, m):
            return read_wide(p, columns=entry["columns"], units=entry.get("units", {}),
                             province_column=entry.get("province_column", "province"),
                             year_column=entry.get("year_column", "year"), on_bad_cell=m)  # fmt: skip
    else:

        def read(p, m):
            return read_entry_columns(p, {**spec, "expect_provinces": None}, on_bad_cell=m)

    layout = _real_layout(entry)
    if entry["path"].endswith(".xlsx"):
        import openpyxl

        wb = openpyxl.load_workbook(real.root / entry["path"], read_only=True)
        sheets = {
            ws.title: [list(r) for r, _ in zip(ws.iter_rows(values_only=True), range(30))]
            for ws in wb.worksheets
        }
        sheets = {t: mutate_rows(rows, rng, EXCEL_VALUES) for t, rows in sheets.items()}
        case_ = _workbook_case(
            "real_table", case, tmp, rng, sheets, ".xlsx", lambda sheet: read, layout
        )
        return case_
    text, gb = real.text(entry)
    lines = text.replace("\r\n", "\n").split("\n")[: RealSeeds.REAL_LINES]
    return _text_case("real_table", tmp, case, rng, "\n".join(lines) + "\n", gb=gb,
                      name=f"c{case}{Path(entry['path']).suffix}", reader=read, layout=layout, nbs=False)  # fmt: skip


def _real_layout(entry) -> Layout:
    layout = entry.get("layout", "long")
    if layout == "years":
        return Layout("years")
    if layout == "census":
        return Layout(
            "census",
            {int(y): c for c, y in entry["years"].items()},
            entry.get("province_column", "province"),
        )
    return Layout("long", {code: col for col, code in entry["columns"].items()},
                  entry.get("province_column", "province"), entry.get("year_column", "year"))  # fmt: skip


def _real_xls(case, tmp, rng, real: RealSeeds):
    import xlrd

    src = rng.choice(real.xls)
    book = xlrd.open_workbook(str(src))
    sheets = {}
    for s in book.sheets():
        rows = [
            [None if c.ctype in (0, 6) or c.value == "" else c.value for c in s.row(r)[:8]]
            for r in range(s.nrows)
        ]
        sheets[s.name] = mutate_rows(
            rows, rng, [v for v in EXCEL_VALUES if not str(v).startswith("=")]
        )
    headerless = rng.random() < 0.25
    if headerless:
        sheets = {t: rows[3:] for t, rows in sheets.items()}
    kw = dict(indicator="x", unit="上年=100") if headerless else {}
    return _workbook_case("real_xls", case, tmp, rng, sheets, ".xls",
                          lambda sheet: _nbs_reader(sheet=sheet, **kw), Layout("nbs_province"))  # fmt: skip


BUILDERS.update(real_nbs=_real_nbs, real_table=_real_table, real_xls=_real_xls)


# ---- running -------------------------------------------------------------------------------------


@dataclass
class Tally:
    tried: Counter = field(default_factory=Counter)
    read: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    uncaught: Counter = field(default_factory=Counter)
    silent_wrong: Counter = field(default_factory=Counter)
    unaccounted: Counter = field(default_factory=Counter)
    cells: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)

    def bad(self) -> int:
        return (
            sum(self.uncaught.values())
            + sum(self.silent_wrong.values())
            + sum(self.unaccounted.values())
        )

    def table(self) -> str:
        counters = [self.tried, self.read, self.refused, self.uncaught, self.silent_wrong,
                    self.unaccounted, self.cells]  # fmt: skip
        widths = [7, 7, 9, 10, 14, 13, 9]
        names = ["tried", "read", "refused", "uncaught", "silent wrong", "unaccounted", "cells"]
        rows = ["kind".ljust(18) + "".join(n.rjust(w) for n, w in zip(names, widths))]
        for kind in sorted(self.tried):
            rows.append(
                kind.ljust(18) + "".join(str(c[kind]).rjust(w) for c, w in zip(counters, widths))
            )
        totals = (sum(c.values()) for c in counters)
        rows.append("total".ljust(18) + "".join(str(t).rjust(w) for t, w in zip(totals, widths)))
        return "\n".join(rows)


def run_case(case: int, tmp: Path, tally: Tally, real: RealSeeds | None = None) -> None:
    from imtfp.errors import IngestError

    c = make_case(case, tmp, real)
    rng = random.Random(case + 1_000_003)
    mode = rng.choice(["error", "reject", "reject", "reject"])
    tally.tried[c.kind] += 1
    try:
        reading = c.read(c.path, mode)
    except IngestError as exc:
        if exc.file is None or str(c.path) not in exc.file:
            tally.uncaught[c.kind] += 1
            tally.examples.append((case, c.kind, f"IngestError without the file: {exc}"))
        else:
            tally.refused[c.kind] += 1
        return
    except Exception as exc:
        tally.uncaught[c.kind] += 1
        tally.examples.append((case, c.kind, "".join(traceback.format_exception_only(exc)).strip()))
        return
    tally.read[c.kind] += 1
    grids = c.grids()
    if grids is None:  # no independent tokenization (corrupt binary): the reading's own balance
        excluded = int(reading.excluded["cells"].sum()) if len(reading.excluded) else 0
        off = abs(
            reading.nonempty_cells - len(reading.observations) - len(reading.rejects) - excluded
        )
        tally.unaccounted[c.kind] += off
        return
    problems, off = judge(reading, grids, c.others(), c.layout, c.path)
    tally.cells[c.kind] += reading.nonempty_cells + reading.meta.get("row_labels", 0)
    tally.silent_wrong[c.kind] += len(problems)
    tally.unaccounted[c.kind] += off
    for p in problems[:3]:
        tally.examples.append((case, c.kind, p))
    if off:
        tally.examples.append((case, c.kind, f"{off} cells unaccounted"))


def run(cases: Iterable[int], tmp: Path, real: RealSeeds | None = None) -> Tally:
    tally = Tally()
    for case in cases:
        run_case(case, tmp, tally, real)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument(
        "--real", type=Path, default=None, help="folder of the real data (../shared/data)"
    )
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[3]
    real = None
    if args.real is not None and args.real.is_dir():
        real = RealSeeds(args.real, root / "configs" / "manifests" / "real_nbs.yaml")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tally = run(range(args.start, args.start + args.files), Path(tmp), real)
    print(tally.table())
    print(f"\n{args.files} files ({'with' if real else 'without'} real seeds) in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    for case, kind, what in tally.examples[:20]:
        print(f"case {case} ({kind}): {what}")
    return 1 if tally.bad() else 0


if __name__ == "__main__":
    sys.exit(main())
