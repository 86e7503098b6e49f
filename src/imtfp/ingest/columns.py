"""Reader ``columns``: province tables in CSV, Excel (.xlsx/.xls) or Stata (.dta) files.

One reader, three layouts, chosen by the manifest entry:

* ``long`` (default): one row per province-year (``province_column``, ``year_column``), one column
  per series; ``columns`` maps column names to catalog codes and ``units`` gives their units
  (as the ``wide`` reader, but also for .xlsx and .dta files, where cells are already numbers);
* ``years``: one row per province, one column per year (``2022年`` or ``2022``) of ONE indicator
  (``indicator``, ``unit``); ``skip_rows`` lines before the header (the portal's 数据库/时间 lines).
  Rows that are neither provinces nor national/HK/Macao/Taiwan rows must be empty (a footer cut
  off by whoever copied the file, e.g. ``注,,,``); a label row with values is an error;
* ``census``: one row per province, each mapped column one fixed year (``years``: column -> year).

Every non-empty cell of the table is accounted for, as by the other readers: an observation, a
reject (with the reason) or an exclusion (national rows, unmapped columns, rows flagged by the
source as not observed through ``reject_flagged``). Numbers must parse completely (``float``
of the stripped text; no thousands separators, no footnote marks).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from imtfp import provinces
from imtfp.errors import IngestError
from imtfp.ingest.nbs import (
    EXCLUDED_COLUMNS,
    OBS_COLUMNS,
    REJECT_COLUMNS,
    Reading,
    number_problem,
    parse_number,
)

Layout = Literal["long", "years", "census"]
LAYOUTS: tuple[str, ...] = ("long", "years", "census")
ENTRY_KEYS = {"layout", "sheet", "skip_rows", "years", "reject_flagged", "expect_provinces"}
_YEAR = re.compile(r"^\s*(\d{4})\s*年?\s*$")


def read_table(
    path: str | Path, *, sheet: str | int | None = None, skip_rows: int = 0
) -> pd.DataFrame:
    """The file as a frame of strings ('' for empty cells).

    The first data row is file line ``2 + skip_rows`` (one header line).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls"):
            df = pd.read_excel(
                path, sheet_name=sheet if sheet is not None else 0, dtype=object, skiprows=skip_rows
            )
        elif suffix == ".dta":
            df = pd.read_stata(path, convert_categoricals=False)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            text = "\n".join(text.splitlines()[skip_rows:])
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read the table ({exc})", file=str(path)) from exc
    return df.map(_text).rename(columns=lambda c: str(c).strip())


def _text(v: object) -> str:
    """A cell as text: '' for empty/NaN, numbers in their shortest exact form (numpy's ``str``)."""
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
        return ""
    return str(v).strip()


def read_columns(
    path: str | Path,
    *,
    layout: Layout = "long",
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    indicator: str | None = None,
    unit: str | None = None,
    years: Mapping[str, int] | None = None,
    province_column: str = "province",
    year_column: str = "year",
    sheet: str | int | None = None,
    skip_rows: int = 0,
    reject_flagged: Mapping[str, str] | None = None,
    expect_provinces: int | None = None,
    on_bad_cell: Literal["error", "reject"] = "error",
) -> Reading:
    """Read a province table; see the module docstring for the layouts.

    Parameters
    ----------
    columns, units : column -> catalog code and column -> unit (``long`` and ``census``).
    indicator, unit : the one indicator name and unit of a ``years`` table.
    years : column -> year (``census``).
    reject_flagged : ``{"column": <flag column>, "reason": <text>}``: every mapped cell of a row
        whose flag column is non-empty is a reject with that reason and the flag text (the source
        says the row is not an observation, e.g. extrapolated values).
    expect_provinces : the number of distinct provinces the table must hold (a check that a file
        cut short, e.g. without its footer, still has its whole body).

    Returns
    -------
    :class:`~imtfp.ingest.nbs.Reading` with raw indicator labels (the column names, or
    ``indicator``) still to be mapped to catalog codes by the manifest.
    """
    if layout not in LAYOUTS:
        raise IngestError(f"layout must be one of {LAYOUTS}, not {layout!r}", file=str(path))
    file = str(path)
    df = read_table(path, sheet=sheet, skip_rows=skip_rows)
    first_line = 2 + skip_rows
    if layout == "years":
        if indicator is None or unit is None:
            raise IngestError("a `years` table needs `name` (indicator) and `unit`", file=file)
        province_column = df.columns[0]
        year_of = {c: int(m.group(1)) for c in df.columns[1:] if (m := _YEAR.match(c))}
        stray = [c for c in df.columns[1:] if c not in year_of and not c.startswith("Unnamed")]
        if stray:
            raise IngestError(f"header cells {stray} are not years", file=file, line=first_line - 1)
        columns = {c: indicator for c in year_of}
        units = {c: unit for c in year_of}
    elif layout == "census":
        if not years:
            raise IngestError("a `census` table needs `years` (column -> year)", file=file)
        year_of = {c: int(y) for c, y in years.items()}
    columns = dict(columns or {})
    units = dict(units or {})
    if missing := set(columns) - set(units):
        raise IngestError(
            f"no unit declared for columns {sorted(missing)}", file=file, line=first_line - 1
        )
    id_cols = [province_column] + ([year_column] if layout == "long" else [])
    flag_col = (reject_flagged or {}).get("column")
    need = set(id_cols) | set(columns) | ({flag_col} if flag_col else set())
    if missing := need - set(df.columns):
        raise IngestError(f"table lacks columns {sorted(missing)}", file=file, line=first_line - 1)

    obs, rejects, excluded = [], [], []
    nonempty = 0
    seen: set[str] = set()
    value_cols = [c for c in df.columns if c not in id_cols]
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        line = first_line + i
        cells = dict(zip(df.columns, row))
        filled = {c: cells[c] for c in value_cols if cells[c] != ""}
        nonempty += len(filled)
        if not filled:
            continue
        name = cells[province_column]
        if kind := provinces.non_provincial(name):
            excluded.append((file, line, name, kind, len(filled)))
            continue
        flag = cells[flag_col] if flag_col else ""
        for col in filled:
            if col not in columns:
                excluded.append((file, line, col, "column not in manifest", 1))
                continue
            raw = filled[col]
            year = year_of[col] if layout != "long" else None
            code, problem = None, None
            try:
                code = provinces.to_code(name)
            except ValueError as exc:
                problem = str(exc)
            if layout == "long":
                try:
                    year = int(float(cells[year_column]))
                except ValueError:
                    problem = problem or f"year {cells[year_column]!r} is not a year"
            value = parse_number(raw)  # the one strict number grammar of every reader
            if value is None:
                problem = problem or number_problem(raw)
            if problem is None and flag:
                rejects.append(
                    (file, line, name, year, col, raw, f"{reject_flagged['reason']}: {flag}")
                )
                continue
            if problem:
                if on_bad_cell == "error":
                    raise IngestError(
                        f"{problem} (province {name}, indicator {col}, cell {raw!r})",
                        file=file,
                        line=line,
                    )
                rejects.append((file, line, name, year, col, raw, problem))
                continue
            seen.add(code)
            obs.append((code, year, columns[col], value, units[col], file, line))
    if expect_provinces is not None and len(seen) != expect_provinces:
        raise IngestError(
            f"{len(seen)} provinces read, {expect_provinces} expected (file cut short?)", file=file
        )
    # Label cells (province names, year labels) are not values: only value cells count.
    excluded_df = pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS)
    if len(excluded_df):
        excluded_df = excluded_df.groupby(
            ["source_file", "label", "kind"], as_index=False, sort=True
        ).agg(source_line=("source_line", "min"), cells=("cells", "sum"))[EXCLUDED_COLUMNS]
    return Reading(
        observations=pd.DataFrame(obs, columns=OBS_COLUMNS).astype(
            {"year": "int64", "value": "float64", "source_line": "int64"}
        ),
        rejects=pd.DataFrame(rejects, columns=REJECT_COLUMNS),
        excluded=excluded_df,
        nonempty_cells=nonempty,
        meta={"layout": f"columns/{layout}"},
    )


def read_entry_columns(
    path: Path, entry: Mapping, *, on_bad_cell: Literal["error", "reject"] = "error"
) -> Reading:
    """A manifest entry with ``reader: columns`` (keys as :func:`read_columns` takes them)."""
    return read_columns(
        path,
        layout=entry.get("layout", "long"),
        columns=entry.get("columns"),
        units=entry.get("units"),
        indicator=entry.get("name"),
        unit=entry.get("unit"),
        years=entry.get("years"),
        province_column=entry.get("province_column", "province"),
        year_column=entry.get("year_column", "year"),
        sheet=entry.get("sheet"),
        skip_rows=int(entry.get("skip_rows", 0)),
        reject_flagged=entry.get("reject_flagged"),
        expect_provinces=entry.get("expect_provinces"),
        on_bad_cell=on_bad_cell,
    )
