"""Seeded mutation fuzzing of every reader; the oracle is the row accounting (issue 16, item 7).

Each case mutates a well-formed file (lines dropped, duplicated, swapped, blank/comma-only/U+3000/
note lines inserted, cells replaced by hostile tokens, line ends changed, bytes truncated or
inserted, Excel cells turned into errors, booleans, dates, formulas). Whatever the result:

* the only exception a reader may raise is :class:`IngestError`, and it names the file;
* a file that is read has every cell counted: ``nonempty_cells`` equals observations + rejects +
  excluded cells, and for NBS text files it equals the non-empty cells an independent tokenizer
  finds in the file, less the table's row labels.

About 400 cases per run, seeded, so a failure is reproducible from the printed case number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import pytest

from imtfp.errors import IngestError
from imtfp.ingest.manifest import read_tidy, read_wide
from imtfp.ingest.nbs import read_nbs_file

pytestmark = pytest.mark.unit

PROVINCES = ["北京市", "天津市", "河北省", "全国", "山西省", "香港特别行政区", "内蒙古自治区"]
YEARS = [2022, 2021, 2020, 2019]
TOKENS = ["", " ", "NaN", "nan", "inf", "-inf", "1,5", "1,234", "12,345.5", "123,", "—", "…", "#N/A", "１２",
          "1e999", "-0", "1_000", "x" * 50, '"', "\r", "\t,", "\u3000", "注：插入", "数据来源：x", "2020年",
          "0.5", "-3", "1.2e3", "北京", "火星省", ",,", "\ufeff"]  # fmt: skip
LINES = ["", ",,,,", "\u3000\u3000", "注：插在中间", "数据来源：国家统计局", "\u3000\u3000续注", "地区,2020年",
         "北京市,1,2,3,4", "全国,1,,,", ",1,2,3,4", "随便一行", "\t,\t,"]  # fmt: skip


def _cells(rng: random.Random) -> list[str]:
    return [
        rng.choice(["", f"{rng.uniform(-50, 5000):.1f}", str(rng.randint(0, 99999))]) for _ in YEARS
    ]


def legacy_text(rng: random.Random) -> str:
    lines = [
        "数据库：分省年度数据",
        "指标：地区生产总值(亿元)",
        "时间：最近20年",
        ",".join(["地区", *[f"{y}年" for y in YEARS]]),
    ]
    lines += [",".join([p, *_cells(rng)]) for p in PROVINCES]
    lines += ["注：1. 说明", "\u3000\u30002. 续", "数据来源：国家统计局"]
    return "\r\n".join(lines) + "\r\n"


def portal_text(rng: random.Random) -> str:
    sep = "\t,"
    lines = [
        "数据库：分省年度数据 ",
        "时间：2019年-2022年 ",
        sep.join(["地区", *[f"{y}年" for y in YEARS]]) + sep,
    ]
    lines += [sep.join([p, *_cells(rng)]) + sep for p in PROVINCES]
    lines += ["注：模拟。", "数据来源：国家统计局"]
    return "\n".join(lines)


def by_region_text(rng: random.Random) -> str:
    lines = [
        "数据库：分省年度数据",
        "时间：2019-2022",
        ",".join(["指标", *[f"{y}年" for y in YEARS]]),
    ]
    lines += [",".join([f"指标{i}(亿元)", *_cells(rng)]) for i in range(5)]
    lines += ["数据来源：国家统计局"]
    return "\r\n".join(lines) + "\r\n"


def tidy_text(rng: random.Random) -> str:
    rows = ["province,year,indicator,value,unit"]
    values = ["", "1.5", "2", '"3,000"']
    rows += [f"{p},{y},gdp,{rng.choice(values)},亿元" for p in PROVINCES[:5] for y in YEARS]
    return "\n".join(rows) + "\n"


def wide_text(rng: random.Random) -> str:
    rows = ["地区,年份,GDP,备注"]
    rows += [
        f"{p},{y},{rng.choice(['', '1.5', '2'])},{rng.choice(['', 'a'])}"
        for p in PROVINCES[:5]
        for y in YEARS
    ]
    return "\n".join(rows) + "\n"


def mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.choice([1, 1, 2, 3])):
        lines = text.split("\n")
        op = rng.randrange(9)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines.insert(i, rng.choice(LINES))
        elif op in (4, 5):
            sep = "\t," if "\t," in lines[i] else ","
            cells = lines[i].split(sep)
            cells[rng.randrange(len(cells))] = rng.choice(TOKENS)
            lines[i] = sep.join(cells)
        elif op == 6:
            cut = rng.randrange(len(text) + 1)
            return text[:cut]
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


def _encode(text: str, rng: random.Random, *, gb: bool) -> bytes:
    if gb and rng.random() < 0.8:
        data = text.encode("gb18030", errors="replace")
    else:
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    if rng.random() < 0.05:  # raw garbage bytes
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + bytes(rng.randrange(256) for _ in range(3)) + data[pos:]
    return data


def independent_cells(data: bytes) -> int | None:
    """Non-empty cells of an NBS text file, tokenised without the reader (None if undecodable)."""
    for enc in ("utf-8-sig", "gb18030") if not data.startswith(b"\xef\xbb\xbf") else ("utf-8-sig",):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if any("\t," in ln for ln in lines[:10]):
        rows = []
        for ln in lines:
            cells = ln.split("\t,")
            if len(cells) > 1 and cells[-1].strip(" \t") in ("", ","):
                cells = cells[:-1]
            rows.append(cells)
    else:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    return sum(1 for row in rows for c in row if c.strip(" \t\u3000\ufeff\xa0"))


def check(reading, path: Path, data: bytes | None = None) -> None:
    excluded = int(reading.excluded["cells"].sum()) if len(reading.excluded) else 0
    assert reading.nonempty_cells == len(reading.observations) + len(reading.rejects) + excluded, (
        path
    )
    if data is not None:
        total = independent_cells(data)
        labels = reading.meta["row_labels"]
        assert total == reading.nonempty_cells + labels, (
            path,
            total,
            reading.nonempty_cells,
            labels,
        )


def _read_or_ingest_error(fn, path: Path):
    try:
        return fn()
    except IngestError as exc:
        assert exc.file is not None and str(path) in exc.file or str(path.name) in str(exc), exc
        return None


CASES = 320


@pytest.mark.parametrize("block", range(4))
def test_fuzzed_text_files_raise_ingest_error_or_account_for_every_cell(tmp_path, block):
    makers = [("legacy", legacy_text, True), ("portal", portal_text, False), ("region", by_region_text, True),
              ("tidy", tidy_text, False), ("wide", wide_text, True)]  # fmt: skip
    read_ok = {}
    for case in range(block * CASES // 4, (block + 1) * CASES // 4):
        rng = random.Random(case)
        kind, make, gb = makers[case % len(makers)]
        data = _encode(mutate_text(make(rng), rng), rng, gb=gb)
        path = tmp_path / (f"c{case}_按地区_北京.csv" if kind == "region" else f"c{case}.csv")
        path.write_bytes(data)
        mode = rng.choice(["error", "reject", "reject", "reject"])
        if kind == "tidy":
            reading = _read_or_ingest_error(lambda: read_tidy(path, on_bad_cell=mode), path)
            nbs = False
        elif kind == "wide":
            reading = _read_or_ingest_error(
                lambda: read_wide(
                    path,
                    columns={"GDP": "gdp"},
                    units={"GDP": "亿元"},
                    province_column="地区",
                    year_column="年份",
                    on_bad_cell=mode,
                ),  # fmt: skip
                path,
            )
            nbs = False
        else:
            reading = _read_or_ingest_error(
                lambda: read_nbs_file(
                    path,
                    indicator="x" if kind == "portal" else None,
                    unit="亿元" if kind == "portal" else None,
                    on_bad_cell=mode,
                ),  # fmt: skip
                path,
            )
            nbs = True
        if reading is not None:
            read_ok[kind] = read_ok.get(kind, 0) + 1
            check(reading, path, data if nbs else None)
    # the fuzzing also exercises successful reads of every kind
    assert set(read_ok) == {m[0] for m in makers} and sum(read_ok.values()) > CASES // 4 // 5, (
        read_ok
    )


def _excel_value(rng: random.Random):
    return rng.choice([None, 1.5, 7, -2.0, True, False, dt.datetime(2020, 1, 2), "#N/A", "#DIV/0!", "=1+1",
                       "1,5", "NaN", "", " ", "注：x", "\u3000", "数据来源：y", "北京市", "2020年"])  # fmt: skip


def test_fuzzed_xlsx_and_xls_raise_ingest_error_or_account_for_every_cell(tmp_path):
    import openpyxl

    xlwt = pytest.importorskip("xlwt")
    for case in range(80):
        rng = random.Random(10_000 + case)
        rows = [
            ["数据库：分省年度数据"],
            ["指标：地区生产总值(亿元)"],
            ["时间：最近20年"],
            ["地区", *[f"{y}年" for y in YEARS]],
        ]
        rows += [
            [p, *[rng.choice([None, round(rng.uniform(0, 999), 1)]) for _ in YEARS]]
            for p in PROVINCES
        ]
        rows += [["注：说明"], ["数据来源：国家统计局"]]
        for _ in range(rng.randint(1, 5)):
            op = rng.randrange(4)
            i = rng.randrange(len(rows))
            if op == 0:
                row = rows[i]
                j = rng.randrange(max(len(row), 1))
                row[j : j + 1] = [_excel_value(rng)]
            elif op == 1:
                rows.insert(i, [rng.choice([None, "", "注：中间", "\u3000", "北京市"])])
            elif op == 2 and len(rows) > 1:
                del rows[i]
            else:
                rows.insert(i, list(rows[i]))
        mode = rng.choice(["error", "reject"])
        if case % 2 == 0:
            wb = openpyxl.Workbook()
            ws = wb.active
            for row in rows:
                ws.append(row)
            path = tmp_path / f"x{case}.xlsx"
            wb.save(path)
        else:
            wb = xlwt.Workbook()
            ws = wb.add_sheet("s")
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if v is None:
                        continue
                    if isinstance(v, str) and v.startswith("="):
                        ws.write(r, c, xlwt.Formula(v[1:]))
                    elif isinstance(v, dt.datetime):
                        ws.write(r, c, v, xlwt.easyxf(num_format_str="YYYY-MM-DD"))
                    elif v in ("#N/A", "#DIV/0!"):
                        ws.row(r).set_cell_error(c, 0x2A if v == "#N/A" else 0x07)
                    else:
                        ws.write(r, c, v)
            path = tmp_path / f"x{case}.xls"
            wb.save(str(path))
        reading = _read_or_ingest_error(lambda: read_nbs_file(path, on_bad_cell=mode), path)
        if reading is not None:
            check(reading, path)
            assert 42.0 not in reading.observations["value"].tolist() or 42 in [
                v
                for row in rows
                for v in row
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            ]
