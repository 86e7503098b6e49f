"""The analysis panel for Stata (.dta) and Excel (.xlsx): province names, labels, Stata-safe names.

* ``.dta`` (Stata 14+ format 118, UTF-8): variable names made Stata-safe (letters, digits and ``_``,
  not starting with a digit, at most 32 characters, unique), a variable label for each (the label
  catalog's Chinese or English name, at most 80 characters), the province's name beside its code,
  the region in words. ``use panel.dta`` then ``xtset province_id year``.
* ``.xlsx``: a sheet ``面板数据`` (or ``panel``) with label headers and province names, then one sheet
  per publication table (its CSV as printed: title and notes above and below the grid).

Both files are byte-reproducible (fixed time stamps), like every other output.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from imtfp import messages, provinces

STATA_NAME_MAX = 32
STATA_LABEL_MAX = 80
SHEET_NAME_MAX = 31
FIXED_TIME = dt.datetime(2000, 1, 1)
_RESERVED = {
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N",
    "_pi", "_pred", "_rc", "_se", "_skip", "str#", "strL", "using", "with",
}  # fmt: skip


def stata_names(columns: list[str]) -> dict[str, str]:
    """Column → Stata-safe, unique variable name (``a:b`` → ``a_x_b``, ``2020x`` → ``_2020x``)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", str(col).replace(":", "_x_"))
        if not name or name[0].isdigit():
            name = "_" + name
        if name in _RESERVED:
            name = name + "_"
        name = name[:STATA_NAME_MAX]
        base, k = name, 1
        while name.lower() in used:
            suffix = f"_{k}"
            name = base[: STATA_NAME_MAX - len(suffix)] + suffix
            k += 1
        used.add(name.lower())
        out[str(col)] = name
    return out


#: Sections of the report's label catalog a variable's label may come from.
_VARIABLE_SECTIONS = ("variables", "paths", "statistics", "indicators")


def label(column: str, language: str, labels=None) -> str:
    """A column's label for Stata and Excel; never an error (an export must not fail on a label).

    In order: the key columns' fixed labels; the report's label catalog (``labels``, with the
    config's ``report.variable_labels``, else the packaged one); the indicator catalog's
    ``name_zh`` / ``name_en`` (every indicator a manifest can map has them); the labels of the
    measures the stages add (``messages.yaml``, ``label.<column>``); else the name itself.
    """
    from imtfp.ingest import catalog
    from imtfp.report.labels import Labels

    lang = "en" if language == "en" else "zh"
    if f"label.{column}" in messages.catalogue() and column in _KEY_COLUMNS:
        return messages.text(f"label.{column}", lang=lang)
    found = (labels or Labels(lang)).find(column, _VARIABLE_SECTIONS)
    if found is not None:
        return found
    names = catalog.indicators().set_index("code")
    if column in names.index:
        return str(names.at[column, "name_en" if lang == "en" else "name_zh"])
    if f"label.{column}" in messages.catalogue():
        return messages.text(f"label.{column}", lang=lang)
    return str(column)


_KEY_COLUMNS = ("province", "province_name", "province_id", "region", "year")


def with_names(panel: pd.DataFrame, *, language: str = "zh") -> pd.DataFrame:
    """The panel with ``province_name`` after the code and the region in words (东部/中部/西部/东北)."""
    df = panel.copy()
    if "province" in df:
        codes = df["province"].astype(str)
        df.insert(
            list(df.columns).index("province") + 1,
            "province_name",
            codes.map(
                lambda c: provinces.name(c, language=language) if c in set(provinces.codes()) else c
            ),
        )
    if "region" in df:
        df["region"] = df["region"].map(lambda r: provinces.region_name(r, language=language))
    return df


def _stata_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Types Stata stores: nullable ints/bools → float (missing stays missing), strings → object."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
            out[col] = s.astype("float64") if s.isna().any() else s.astype("int32")
        elif pd.api.types.is_numeric_dtype(s):
            out[col] = s.astype("float64")
        else:
            out[col] = s.astype(object).where(s.notna(), "").astype(str)
    return out


def to_dta(
    panel: pd.DataFrame, path: str | Path, *, language: str = "zh", labels=None
) -> dict[str, str]:
    """Write the panel as Stata .dta (format 118); return column → Stata name used.

    Adds ``province_id`` (1…31 in GB/T 2260 order) so ``xtset province_id year`` works at once.
    """
    df = with_names(panel, language=language)
    if "province" in df:
        order = {c: i for i, c in enumerate(provinces.codes(), start=1)}
        df.insert(0, "province_id", df["province"].astype(str).map(order).astype("Int64"))
    names = stata_names(list(df.columns))
    var_labels = {names[c]: label(c, language, labels)[:STATA_LABEL_MAX] for c in df.columns}
    frame = _stata_frame(df).rename(columns=names)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_stata(
        path,
        write_index=False,
        version=118,
        variable_labels=var_labels,
        data_label="imtfp analysis panel",
        time_stamp=FIXED_TIME,
    )
    return names


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:SHEET_NAME_MAX] or "sheet"
    out, k = base, 1
    while out.lower() in used:
        out = f"{base[: SHEET_NAME_MAX - 3]}_{k}"
        k += 1
    used.add(out.lower())
    return out


def _sheet_title(table: str, language: str, labels=None) -> str:
    """A table's sheet name: its title in the report's language (基准回归结果), else its name."""
    from imtfp.report.labels import Labels

    found = (labels or Labels("en" if language == "en" else "zh")).find(table, ("titles",))
    return found or table


def to_xlsx(
    panel: pd.DataFrame,
    path: str | Path,
    *,
    tables: Mapping[str, str | Path] | None = None,
    language: str = "zh",
    labels=None,
) -> list[str]:
    """Write the panel (label headers, province names) and each table's CSV to one workbook.

    ``tables`` maps a sheet name to a table CSV written by the pipeline (``# `` lines are the title
    and notes, kept as text rows). Returns the sheet names in order.
    """
    import csv
    import zipfile

    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    from imtfp.report.writers import _fixed_zip

    df = with_names(panel, language=language)
    wb = openpyxl.Workbook()
    ws = wb.active
    used: set[str] = set()
    ws.title = _sheet_name(messages.text("export.panel_sheet", lang=language), used)
    ws.append([label(c, language, labels) for c in df.columns])
    for row in df.itertuples(index=False):
        ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    ws.freeze_panes = "A2"
    sheets = [ws.title]
    for name, csv_path in (tables or {}).items():
        sheet = wb.create_sheet(_sheet_name(_sheet_title(name, language, labels), used))
        text = Path(csv_path).read_text(encoding="utf-8-sig")
        for line in csv.reader(io.StringIO(text)):
            sheet.append(line if not (line and line[0].startswith("# ")) else [", ".join(line)[2:]])
        sheets.append(sheet.title)
    wb.properties.creator = "imtfp"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "imtfp"
    buf = io.BytesIO()
    # openpyxl's save() stamps properties.modified with the clock: write through its ExcelWriter,
    # which keeps FIXED_TIME, so two runs give the same bytes
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(_fixed_zip(buf.getvalue()))
    return sheets


def export_panel(
    panel: pd.DataFrame,
    *,
    dta: str | Path,
    xlsx: str | Path,
    tables: Mapping[str, str | Path] | None = None,
    language: str = "zh",
    labels=None,
) -> None:
    """The analysis panel to Stata (``dta``) and Excel (``xlsx``, with the tables' sheets).

    ``labels``: a :class:`~imtfp.report.labels.Labels` catalog (e.g. with the config's
    ``report.variable_labels``); default the package catalog in ``language``.
    """
    to_dta(panel, dta, language=language, labels=labels)
    to_xlsx(panel, xlsx, tables=tables, language=language, labels=labels)
