"""``imtfp init FILE --name NAME``: a researcher's province-year panel to a config that runs.

Reads an Excel (.xlsx/.xls), CSV or Stata (.dta) panel as a researcher has it (EPS, CSMAR, a
yearbook sheet typed by hand): one row per province and year with one column per series (``long``),
or one row per province with one column per year of one series per sheet (``wide``), Chinese or
English headers, units in brackets. Nothing is asked:

1. **Keys.** The province column (省份/地区/province …, else the column whose cells are provinces)
   and the year column (年份/year …); province names in any spelling :func:`imtfp.provinces.to_code`
   accepts (内蒙, 內蒙古, 广西壮族自治区, Inner Mongolia …).
2. **Columns → indicators** (:func:`match_column`): the header's name, without its bracketed unit,
   against the catalogue (``indicators.csv``: code, ``name_zh``, ``name_en``) and its aliases
   (``indicator_aliases.csv``); the unit must convert to the indicator's (亿元 ↔ 万元, not 亿元 ↔
   万人). A name two indicators share is told apart by the unit: 固定资产投资价格指数(上年=100) is
   ``invest_price_index``, which the capital stage chains into the fixed-base level it needs
   (:func:`imtfp.tfp.stages.chained_level`); the GRP index stays 上年=100, as the TFP stage reads it.
   Every column that does not match is listed with the reason and the closest catalogue names.
3. **Reading.** The manifest written for the file (``configs/manifests/NAME.yaml``, reader
   ``columns``) is read once by the pipeline's own reader, so what ``make run`` will see is known
   now: provinces, years, cells that are not numbers (``—``: rejects, listed), empty cells.
4. **The config** (``configs/NAME.yaml``, :func:`config_text`): only what the data support, with a
   Chinese comment on every key — ``run_name: NAME``; the panel window (the years the TFP inputs
   cover), provinces without data dropped; the IM index's three subsystems from the indicators found
   (``index_defaults.csv``: subsystem, direction, and per resident / share of GRP scaling); TFP when
   GRP, its index, GFCF, an investment price index and employment are there; the baseline model
   with the controls the data have; labels for every variable a table prints. It is validated as
   the workflow validates it before it is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from imtfp import messages, provinces
from imtfp.errors import ConfigError, IngestError
from imtfp.ingest import catalog
from imtfp.ingest.nbs import split_unit

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
SUFFIXES = (".xlsx", ".xls", ".csv", ".dta")
PROVINCE_HEADERS = ("省份", "省", "地区", "省市", "省区市", "省份名称", "地区名称", "省级行政区",
                    "province", "prov", "provname", "province_name", "region", "name")  # fmt: skip
YEAR_HEADERS = ("年份", "年", "年度", "时间", "统计年度", "year", "yr", "years", "time")
#: Unit spellings seen in exports, to the catalogue's (``units.csv``).
UNIT_ALIASES = {
    "万吨标煤": "万吨标准煤", "吨标煤/万元": "吨标准煤/万元", "亿人民币": "亿元", "亿元人民币": "亿元",
    "人民币亿元": "亿元", "万元人民币": "万元", "％": "%", "百分比": "%", "上年为100": "上年=100",
    "上年=100": "上年=100", "上一年=100": "上年=100", "previous year=100": "上年=100",
    "100 million yuan": "亿元", "10000 yuan": "万元", "10,000 yuan": "万元", "yuan": "元",
    "10000 persons": "万人", "10,000 persons": "万人", "persons": "人", "pieces": "件",
}  # fmt: skip
#: Indicators the TFP stage needs (one of the two price indices).
TFP_INPUTS = ("gdp", "gdp_index", "gfcf", "employment")
PRICE_INDICES = ("invest_price", "invest_price_index")
#: Controls of the baseline, in the order of entry: (name, expression or None, needs).
CONTROLS = (
    ("gov", "fiscal_exp / gdp * 100", ("fiscal_exp", "gdp")),
    ("open", "trade / gdp * 100", ("trade", "gdp")),
    ("urban_rate", None, ("urban_rate",)),
)
#: Largest share of an indicator's window years outside its observed years (the panel's own limit).
MAX_OUTSIDE = 0.2
SUBSYSTEMS = ("technology", "factors", "industry")


def _t(msg_id: str, **args: object) -> str:
    return messages.text(f"init.{msg_id}", **args)


def _fail(msg_id: str, **args: object) -> None:
    raise messages.error(ConfigError, f"init.{msg_id}", **args)


# ---- the catalogue, by name -------------------------------------------------------------------


def norm_name(text: object) -> str:
    """A name compared ignoring width, case, spaces and punctuation (、，·_-): 信息传输、软件 = 信息传输软件."""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s、，,·_\-—/]+", "", folded)


def norm_unit(unit: str | None) -> str | None:
    """A header's unit in the catalogue's spelling (万吨标煤 → 万吨标准煤); None stays None."""
    if unit is None:
        return None
    text = unicodedata.normalize("NFKC", unit).strip()
    text = text.replace("＝", "=").replace(" ", "") if "=" in text or "＝" in text else text
    return UNIT_ALIASES.get(text, UNIT_ALIASES.get(text.lower(), text))


@cache
def _names() -> dict[str, list[str]]:
    """Normalised name -> catalogue codes (codes, Chinese and English names, aliases)."""
    out: dict[str, list[str]] = {}

    def add(name: object, code: str) -> None:
        key = norm_name(name)
        if key and code not in out.setdefault(key, []):
            out[key].append(code)

    for row in catalog.indicators().itertuples(index=False):
        add(row.code, row.code)
        add(row.name_en, row.code)
        add(row.name_zh, row.code)
        add(split_unit(str(row.name_zh))[0], row.code)
    with (
        resources.files("imtfp.data").joinpath("indicator_aliases.csv").open(encoding="utf-8") as fh
    ):
        for row in pd.read_csv(fh, dtype=str).itertuples(index=False):
            add(row.alias, row.code)
    return out


def _dimension(unit: str | None) -> str | None:
    table = catalog.units()
    return str(table.at[unit, "dimension"]) if unit in table.index else None


#: Catalogue units a header may leave out (an index has no unit to state).
UNITLESS = ("指数", "上年=100", "定基指数")


@dataclass(frozen=True)
class Match:
    """What a header is: the indicator ``code`` and the file's ``unit``, or why not (``reason``)."""

    column: str
    code: str | None = None
    unit: str | None = None
    reason: str = ""
    note: str = ""


def match_column(column: str) -> Match:
    """The catalogue indicator a header names, by name and unit.

    Examples
    --------
    >>> match_column("地区生产总值（亿元）").code, match_column("GDP（万元）").unit
    ('gdp', '万元')
    >>> match_column("固定资产投资价格指数（上年=100）").code
    'invest_price_index'
    >>> match_column("人均地区生产总值（元）").code is None
    True
    """
    name, unit = split_unit(str(column))
    unit = norm_unit(unit)
    codes = _names().get(norm_name(name), [])
    if not codes:
        close = messages.closest(norm_name(name), _names(), n=2, cutoff=0.75)
        hint = [_names()[c][0] for c in close]
        sep = "、" if messages.language() == "zh" else ", "
        names = sep.join(_catalog_name(c) for c in dict.fromkeys(hint))
        return Match(
            column,
            reason=_t("reason.no_name", close=names) if names else _t("reason.no_name_plain"),
        )
    if unit is None:
        fits = [c for c in codes if catalog.canonical_unit(c) in UNITLESS]
        if fits:
            return Match(column, fits[0], catalog.canonical_unit(fits[0]))
        if norm_name(name) == norm_name(codes[0]):  # a Stata-style column named by its code
            unit0 = catalog.canonical_unit(codes[0])
            return Match(column, codes[0], unit0, note=_t("note.assumed_unit", unit=unit0))
        return Match(
            column,
            reason=_t("reason.no_unit", code=codes[0], unit=catalog.canonical_unit(codes[0])),
        )
    if _dimension(unit) is None:
        return Match(column, reason=_t("reason.unknown_unit", unit=unit))
    for code in codes:
        if _dimension(catalog.canonical_unit(code)) == _dimension(unit):
            return Match(column, code, unit)
    wanted = "、".join(dict.fromkeys(catalog.canonical_unit(c) for c in codes))
    return Match(column, reason=_t("reason.unit_mismatch", unit=unit, code=codes[0], wanted=wanted))


def _catalog_name(code: str) -> str:
    names = catalog.indicators().set_index("code")
    lang = messages.language()
    return (
        f"{code}（{names.at[code, 'name_zh']}）"
        if lang == "zh"
        else f"{code} ({names.at[code, 'name_en']})"
    )


# ---- the file's layout -------------------------------------------------------------------------


@dataclass
class Layout:
    """Where the table is in the file and how the manifest entry reads it."""

    sheet: str | None
    skip_rows: int
    header: list[str]
    frame: pd.DataFrame
    province_column: str | None = None
    year_column: str | None = None
    year_columns: list[str] = field(default_factory=list)


def _cells(path: Path, sheet: str | int | None) -> dict[str | None, pd.DataFrame]:
    """Every sheet (or the file) as strings without a header row.

    Only to find the table (its header row, province and year columns, layout): the values are
    read by the pipeline's own reader (``columns``) through the manifest init writes.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls"):
            book = pd.read_excel(path, sheet_name=sheet if sheet is not None else None,
                                 header=None, dtype=object)  # fmt: skip
            book = book if isinstance(book, dict) else {sheet: book}
        elif suffix == ".dta":
            df = pd.read_stata(path, convert_categoricals=False)
            book = {
                None: pd.concat([pd.DataFrame([list(df.columns)]), pd.DataFrame(df.to_numpy())])
            }
            _STATA_LABELS[str(path)] = _stata_labels(path)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            book = {None: pd.DataFrame(list(csv.reader(io.StringIO(text))))}
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise IngestError(_t("cannot_read", error=str(exc)), file=str(path)) from exc
    return {k: v.map(_text) for k, v in book.items()}


#: Variable labels of the .dta files read (a Stata user's 地区生产总值（亿元） behind ``gdp_nominal``).
_STATA_LABELS: dict[str, dict[str, str]] = {}


def _stata_labels(path: Path) -> dict[str, str]:
    with pd.io.stata.StataReader(path) as reader:
        return {k: v for k, v in reader.variable_labels().items() if v}


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _is_province(text: str) -> bool:
    try:
        provinces.to_code(text)
        return True
    except (ConfigError, ValueError):
        return provinces.non_provincial(text) is not None


_YEAR = re.compile(r"^\s*((?:19|20)\d\d)(?:\.0+)?\s*年?\s*$")


def _find_layout(cells: pd.DataFrame, sheet: str | None) -> Layout | None:
    """The header row (the first of the first ten rows naming a province or year column) and keys."""
    for skip in range(min(10, len(cells))):
        header = [str(h).strip() for h in cells.iloc[skip]]
        body = cells.iloc[skip + 1 :]
        if len(body) == 0 or sum(bool(h) for h in header) < 2:
            continue
        share = {
            i: body.iloc[:, i].map(lambda v: bool(v) and _is_province(v)).mean()
            for i in range(len(header))
        }
        prov = [i for i in share if share[i] >= 0.8]
        named = [
            i for i in prov if norm_name(header[i]) in {norm_name(h) for h in PROVINCE_HEADERS}
        ]
        if not prov:
            continue
        p = (named or prov)[0]
        years = {
            i: body.iloc[:, i].map(lambda v: bool(_YEAR.match(v))).mean()
            for i in range(len(header))
        }
        ycols = [i for i in years if years[i] >= 0.95 and i != p]
        ynamed = [i for i in ycols if norm_name(header[i]) in {norm_name(h) for h in YEAR_HEADERS}]
        frame = body.set_axis(header, axis=1)
        if ycols:
            return Layout(sheet, skip, header, frame, header[p], header[(ynamed or ycols)[0]])
        year_cols = [h for i, h in enumerate(header) if i != p and _YEAR.match(h)]
        if len(year_cols) >= 2:
            return Layout(sheet, skip, header, frame, header[p], None, year_cols)
    return None


# ---- the run -----------------------------------------------------------------------------------


@dataclass
class Result:
    """What init found and wrote (for the console and the tests)."""

    name: str
    file: str
    layout: str
    config: Path
    manifest: Path
    matches: list[Match]
    unmatched: list[Match]
    renamed: dict[str, str]
    missing_provinces: list[str]
    years: tuple[int, int]
    rejects: pd.DataFrame
    left_out: dict[str, str]
    sections: list[str]
    warnings: list[str]
    notes: list[str] = field(default_factory=list)


def _entries(
    path: Path, layouts: list[Layout], rel: str, name: str, *, seen: dict[str, str]
) -> tuple[list[dict], list[Match], list[Match]]:
    """Manifest entries of the file's tables, and the matched and unmatched columns.

    ``seen``: indicator -> the column that already gives it (a second one is listed, not read).
    """
    entries, matched, unmatched = [], [], []
    seen = dict(seen)
    for lay in layouts:
        entry: dict = {"path": rel, "reader": "columns"}
        if lay.sheet is not None and path.suffix.lower() in (".xlsx", ".xls"):
            entry["sheet"] = lay.sheet
        if lay.skip_rows:
            entry["skip_rows"] = lay.skip_rows
        if lay.year_column is not None:
            cols, units = {}, {}
            for col in lay.header:
                if col in (lay.province_column, lay.year_column) or not col:
                    continue
                m = match_column(col)
                label = _STATA_LABELS.get(str(path), {}).get(col)
                if not m.code and label:  # a Stata variable: its label names it
                    by_label = match_column(label)
                    m = Match(col, by_label.code, by_label.unit, by_label.reason, by_label.note)
                if m.code and m.code in seen:
                    m = Match(col, reason=_t("reason.duplicate", other=seen[m.code]))
                if m.code:
                    seen[m.code] = col
                    cols[col], units[col] = m.code, m.unit
                    matched.append(m)
                else:
                    unmatched.append(m)
            if not cols:
                continue
            entry.update(layout="long", province_column=lay.province_column,
                         year_column=lay.year_column, columns=cols, units=units)  # fmt: skip
        else:  # one series per sheet, its name and unit in the sheet's name
            labels = [str(x) for x in (lay.sheet, path.stem) if x is not None]
            found = [m for m in map(match_column, labels) if m.code]
            m = found[0] if found else match_column(labels[-1])
            label = m.column
            if not m.code or m.code in seen:
                unmatched.append(
                    m
                    if not m.code
                    else Match(label, reason=_t("reason.duplicate", other=seen[m.code]))
                )
                continue
            seen[m.code] = label
            matched.append(m)
            entry.update(layout="years", name=label, unit=m.unit, indicator=m.code)
        entry.update(vintage=name, source=f"{path.name} (imtfp init)")
        entries.append(entry)
    return entries, matched, unmatched


def _read(manifest_path: Path, root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations and rejects of the manifest, read by the pipeline's own reader."""
    from imtfp.ingest.manifest import load_manifest, read_entry

    m = load_manifest(manifest_path, root=root)
    obs, rejects = [], []
    for entry in m.files:
        reading = read_entry(m, entry, on_bad_cell="reject")
        obs.append(reading.observations)
        rejects.append(reading.rejects)
    return pd.concat(obs, ignore_index=True), pd.concat(rejects, ignore_index=True)


def _span(obs: pd.DataFrame, code: str) -> tuple[int, int] | None:
    years = obs.loc[obs["code"] == code, "year"]
    return (int(years.min()), int(years.max())) if len(years) else None


def _fits(span: tuple[int, int] | None, window: tuple[int, int]) -> bool:
    """The indicator is observed over at least 1 − MAX_OUTSIDE of the window's years."""
    if span is None:
        return False
    inside = max(0, min(span[1], window[1]) - max(span[0], window[0]) + 1)
    return inside >= (1 - MAX_OUTSIDE) * (window[1] - window[0] + 1)


@cache
def index_defaults() -> pd.DataFrame:
    """code, subsystem, direction, scale (none | pc | gdp | emp), unless (a code that replaces it)."""
    with resources.files("imtfp.data").joinpath("index_defaults.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


_SCALES = {
    "pc": ("{code}_pc", "{code} / population", ("population",)),
    "gdp": ("{code}_gdp", "{code} / gdp * 100", ("gdp",)),
    "emp": ("{code}_share", "{code} / employment * 100", ("employment",)),
}


def plan(codes: set[str], window: tuple[int, int], obs: pd.DataFrame) -> dict:
    """Which sections the data support: derived variables, index subsystems, TFP, controls."""
    usable = {c for c in codes if _fits(_span(obs, c), window)}
    left_out = {c: _t("left_out.span", first=_span(obs, c)[0], last=_span(obs, c)[1])
                for c in sorted(codes - usable) if _span(obs, c)}  # fmt: skip
    derived: dict[str, str] = {}
    labels: dict[str, tuple[str, str, str]] = {}  # derived name -> (scale, code)
    subsystems: dict[str, dict[str, str]] = {k: {} for k in SUBSYSTEMS}
    for row in index_defaults().itertuples(index=False):
        if row.code not in usable or (row.unless and row.unless in usable):
            continue
        if row.scale == "none":
            subsystems[row.subsystem][row.code] = row.direction
            continue
        pattern, expr, needs = _SCALES[row.scale]
        if not set(needs) <= usable:
            left_out[row.code] = _t("left_out.needs", needs=", ".join(needs))
            continue
        var = pattern.format(code=row.code)
        derived[var] = expr.format(code=row.code)
        labels[var] = (row.scale, row.code, "")
        subsystems[row.subsystem][var] = row.direction
    controls = []
    for name, expr, needs in CONTROLS:
        if set(needs) <= usable:
            controls.append(name)
            if expr:
                derived[name] = expr
    tfp = set(TFP_INPUTS) <= usable and bool(set(PRICE_INDICES) & usable)
    index = all(subsystems[k] for k in SUBSYSTEMS)
    return {"derived": derived, "labels": labels, "subsystems": subsystems, "controls": controls,
            "tfp": tfp, "index": index, "left_out": left_out, "usable": usable}  # fmt: skip


def _window(obs: pd.DataFrame, codes: set[str]) -> tuple[int, int]:
    """The years the TFP inputs are all observed in (else every observed year)."""
    core = [c for c in (*TFP_INPUTS, *PRICE_INDICES) if c in codes]
    if set(TFP_INPUTS) <= codes and set(PRICE_INDICES) & codes:
        spans = [_span(obs, c) for c in core if _span(obs, c)]
        first, last = max(s[0] for s in spans), min(s[1] for s in spans)
        if first <= last:
            return first, last
    return int(obs["year"].min()), int(obs["year"].max())


def init(
    path: str | Path | Sequence[str | Path],
    name: str,
    *,
    project: str | Path = ".",
    sheet: str | None = None,
    force: bool = False,
    language: str = "zh",
) -> Result:
    """Write ``configs/NAME.yaml`` and ``configs/manifests/NAME.yaml`` for the panel at ``path``.

    ``path`` may be several files (one NBS download per indicator, say); a workbook contributes
    its first sheet that holds a province-year table, or ``sheet`` (a manifest lists a file once).
    """
    project = Path(project).resolve()
    paths = [Path(p) for p in ([path] if isinstance(path, (str, Path)) else path)]
    if not NAME.match(name):
        _fail("bad_name", name=name)
    sources = []
    for p in paths:
        source = (p if p.is_absolute() else Path.cwd() / p).resolve()
        if not source.is_file():
            _fail("no_file", path=str(p))
        if source.suffix.lower() not in SUFFIXES:
            _fail("bad_suffix", path=str(p), suffixes=", ".join(SUFFIXES))
        sources.append(source)
    config_path = project / "configs" / f"{name}.yaml"
    manifest_path = project / "configs" / "manifests" / f"{name}.yaml"
    if config_path.exists() and not force:
        _fail("exists", path=str(config_path.relative_to(project)))
    root = Path(os.path.commonpath([s.parent for s in sources]))
    entries, matched, unmatched, layouts, notes = [], [], [], [], []
    for p, source in zip(paths, sources):
        found = [
            lay for s, cells in _cells(source, sheet).items() if (lay := _find_layout(cells, s))
        ]
        if not found:
            _fail("no_table", path=str(p))
        if len(found) > 1:  # a file is one manifest entry: one sheet of it
            notes.append(_t("note.other_sheets", file=source.name, used=found[0].sheet,
                            others="、".join(str(lay.sheet) for lay in found[1:])))  # fmt: skip
        layouts.append(found[0])
        rel = source.relative_to(root).as_posix()
        e, m, u = _entries(source, found[:1], rel, name, seen={x.code: x.column for x in matched})
        entries += e
        matched += m
        unmatched += u
    if not matched:
        _fail("no_columns", path=", ".join(map(str, paths)))
    files = ", ".join(s.name for s in sources)
    description = _t("manifest_description", file=files)
    titles = [t for s in sources if (t := _title(s))]
    if titles:  # a workbook that says what it is (the demo's practice panel: SIMULATED)
        description = f"{description}; {'; '.join(titles)}"
    manifest = {"dataset": name, "simulated": False, "description": description,
                "files": entries}  # fmt: skip
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_text = yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False, width=100)
    previous = manifest_path.read_text(encoding="utf-8") if manifest_path.exists() else None
    manifest_path.write_text(manifest_text, encoding="utf-8")
    try:
        obs, rejects = _read(manifest_path, root)
    except Exception:
        _restore(manifest_path, previous)
        raise
    codes = set(obs["code"])
    window = _window(obs, codes)
    chosen = plan(codes, window, obs)
    present = set(obs["province"])
    missing = [provinces.name(c) for c in provinces.codes() if c not in present]
    config = config_text(
        name=name, manifest=_shown(manifest_path, project), root=_shown(root, project),
        window=window, drop=missing, plan=chosen, language=language, file=files,
    )  # fmt: skip
    parsed = yaml.safe_load(config)
    _validate(parsed, project)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(config, encoding="utf-8")
    sections = [k for k in ("panel", "checks", "index", "tfp", "models") if k in parsed]
    warnings = []
    if not chosen["tfp"]:
        need = [c for c in TFP_INPUTS if c not in chosen["usable"]]
        if not set(PRICE_INDICES) & chosen["usable"]:
            need.append("invest_price / invest_price_index")
        warnings.append(_t("warn.no_tfp", missing=", ".join(need)))
    if not chosen["index"]:
        empty = [k for k in SUBSYSTEMS if not chosen["subsystems"][k]]
        warnings.append(_t("warn.no_index", subsystems=", ".join(empty)))
    layout = "long" if any(lay.year_column for lay in layouts) else "wide"
    return Result(name, files, layout, config_path, manifest_path, matched, unmatched,
                  _renamed(layouts), missing, window, rejects, chosen["left_out"], sections,
                  warnings, notes)  # fmt: skip


def _title(path: Path) -> str | None:
    """The title in an .xlsx workbook's document properties, if any."""
    if path.suffix.lower() != ".xlsx":
        return None
    try:
        import openpyxl

        return openpyxl.load_workbook(path, read_only=True).properties.title or None
    except Exception:  # a title is a courtesy: a workbook that has none, or odd properties, is fine
        return None


def _restore(path: Path, previous: str | None) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(previous, encoding="utf-8")


def _shown(path: Path, project: Path) -> str:
    """A path relative to the project when inside it (the config stays portable), else absolute."""
    try:
        rel = path.resolve().relative_to(project)
        return rel.as_posix() or "."
    except ValueError:
        return path.resolve().as_posix()


def _renamed(layouts: Sequence[Layout]) -> dict[str, str]:
    """Province spellings that are not the catalogue's short name: 内蒙 → 内蒙古."""
    out = {}
    for lay in layouts:
        for value in lay.frame[lay.province_column].unique():
            try:
                short = provinces.name(provinces.to_code(value))
            except (ConfigError, ValueError):
                continue
            if value != short and value != provinces.name(provinces.to_code(value), full=True):
                out[value] = short
    return out


def _validate(config: Mapping, project: Path) -> None:
    """The config as the workflow loads it (keys, names, files), from the project folder."""
    import os

    from imtfp.config import validate_all

    here = Path.cwd()
    os.chdir(project)
    try:
        validate_all(config)
    except ConfigError as exc:
        # a dataset without the TFP inputs or an index subsystem gets a config that says so when it
        # loads; init writes it anyway (with its warning) so the user sees what is there
        if exc.msg_id not in ("config.section_required", "config.tfp_inputs"):
            raise
    finally:
        os.chdir(here)


# ---- the config's text -------------------------------------------------------------------------


class _Null:
    """``null`` written out (``key: null``), where a bare ``key:`` would be easy to misread."""


NULL = _Null()


def _flow(value: object) -> str:
    """A value as one line of YAML (flow style)."""
    if value is NULL:
        return "null"
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False
    ).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _line(
    indent: int, key: str, value: object = None, comment: str = "", *, width: int = 28
) -> str:
    head = " " * indent + f"{key}:" + ("" if value is None else f" {_flow(value)}")
    return f"{head:<{width}} # {comment}" if comment else head


def _label_of(name: str, plan: Mapping) -> tuple[str, str] | None:
    """(zh, en) label of a variable the tables print, when the report's catalogue has none."""
    from imtfp.report.labels import Labels

    if Labels("zh").find(name, ("variables", "paths", "statistics", "indicators")) is not None:
        return None
    names = catalog.indicators().set_index("code")
    if name in names.index:
        return str(names.at[name, "name_zh"]), str(names.at[name, "name_en"])
    scale, code, _ = plan["labels"].get(name, (None, None, None))
    if code is None:
        return None
    zh, en = str(names.at[code, "name_zh"]), str(names.at[code, "name_en"])
    return (messages.text(f"label.derived.{scale}", lang="zh", name=zh),
            messages.text(f"label.derived.{scale}", lang="en", name=en))  # fmt: skip


def _word(var: str, plan: Mapping, lang: str) -> str:
    """What a variable is, for a comment: its label in ``lang``."""
    from imtfp.report.labels import Labels

    own = _label_of(var, plan)
    if own:
        return own[0] if lang == "zh" else own[1]
    return Labels(lang).find(var, ("variables", "paths", "statistics", "indicators")) or var


def config_text(
    *, name: str, manifest: str, root: str, window: tuple[int, int], drop: Sequence[str],
    plan: Mapping, language: str, file: str,
) -> str:  # fmt: skip
    """The config, commented in Chinese (what each key does), with only the sections the data support."""
    lang = "en" if language == "en" else "zh"
    c = lambda key: messages.text(f"initcfg.{key}", lang=lang)  # noqa: E731 - one comment per key
    first, last = window
    header = messages.text("initcfg.header", lang=lang, file=file, name=name)
    lines = [
        *[f"# {line}" for line in header.splitlines()],
        "",
        _line(0, "run_name", name, c("run_name")),
        _line(0, "seed", 20241128, c("seed")),
        "",
        _line(0, "dataset", None, c("dataset")),
        _line(2, "manifest", manifest, c("manifest")),
        _line(2, "root", root, c("root")),
        _line(2, "on_bad_cell", "reject", c("on_bad_cell")),
        "",
        _line(0, "panel"),
        _line(2, "years", [first, last], c("years")),
        _line(2, "missing", "interpolate", c("missing")),
        _line(2, "drop_provinces", list(drop), c("drop_provinces")),
    ]
    derived = plan["derived"]
    if derived:
        lines.append(_line(2, "derived", None, c("derived")))
        for var, expr in derived.items():
            lines.append(_line(4, var, expr, _word(var, plan, lang), width=48))
    usable = plan["usable"]
    checks = []
    if {"gdp", "gdp_index"} <= usable:
        checks += ["", _line(0, "checks", None, c("checks")),
                   _line(2, "gdp_deflator", None, c("gdp_deflator")),
                   _line(4, "kind", "deflator"), _line(4, "severity", "warn", c("severity")),
                   _line(4, "nominal", "gdp"), _line(4, "index", "gdp_index"),
                   _line(4, "bounds", [-8, 17], c("bounds"))]  # fmt: skip
    lines += checks
    if plan["index"]:
        lines += ["", _line(0, "index", None, c("index")),
                  _line(2, "method", "entropy", c("method")),
                  _line(2, "scheme", "global", c("scheme")),
                  _line(2, "rescale", [0.002, 0.998], c("rescale")),
                  _line(2, "subsystems", None, c("subsystems"))]  # fmt: skip
        for sub in SUBSYSTEMS:
            lines.append(_line(4, sub, None, c(f"sub_{sub}")))
            for var, sign in plan["subsystems"][sub].items():
                word = _word(var, plan, lang)
                sense = c("plus" if sign == "+" else "minus")
                lines.append(_line(6, var, sign, f"{word} ({sense})", width=40))
        lines += ["", _line(0, "coupling"), _line(2, "formula", "classic", c("formula"))]
    if plan["tfp"]:
        lines += ["", _line(0, "tfp", None, c("tfp")), _line(2, "capital"),
                  _line(4, "delta", 0.096, c("delta")), _line(4, "base", "hall_jones", c("base")),
                  _line(4, "base_year", first, c("base_year")), _line(4, "hj_years", 5, c("hj_years")),
                  _line(4, "split", {}, c("split")), _line(4, "nonpositive", "raise", c("nonpositive")),
                  _line(2, "real_gdp_base_year", first, c("real_gdp_base_year"), width=32),
                  _line(2, "alpha", 0.45, c("alpha")), _line(2, "methods", ["solow"], c("methods")),
                  _line(2, "outcome", "tfp_solow", c("outcome"))]  # fmt: skip
    if plan["tfp"] and plan["index"]:
        lines += ["", _line(0, "models", None, c("models")), _line(2, "y", "tfp_solow", c("y")),
                  _line(2, "x", "im_index", c("x")),
                  _line(2, "controls", list(plan["controls"]), c("controls"), width=40),
                  _line(2, "entity", "province"), _line(2, "time", "year"),
                  _line(2, "effects", "twoway", c("effects")), _line(2, "cov", "clustered", c("cov")),
                  _line(2, "cluster", NULL, c("cluster")),
                  _line(2, "baseline"), _line(4, "stepwise", True, c("stepwise")),
                  _line(4, "with_fe", [False, True], c("with_fe"))]  # fmt: skip
    tables = ["descriptive", "correlation"]
    figures = []
    if plan["index"]:
        tables += ["weights", "coupling"]
        figures += ["coupling_heatmap", "index_density"]
    if plan["tfp"] and plan["index"]:
        tables.append("baseline")
        figures.append("tfp_by_region")
    lines += ["", _line(0, "report", None, c("report")),
              _line(2, "languages", [language], c("languages")),
              _line(2, "formats", ["tex", "docx", "md", "csv"], c("formats")),
              _line(2, "figure_formats", ["png", "pdf"]),
              _line(2, "tables", tables, c("tables"), width=60),
              _line(2, "figures", figures, c("figures"), width=60)]  # fmt: skip
    printed = [
        *plan["controls"],
        *[v for sub in plan["subsystems"].values() for v in sub],
        *derived,
    ]
    labels = {v: lab for v in dict.fromkeys(printed) if (lab := _label_of(v, plan))}
    if labels:
        lines.append(_line(2, "variable_labels", None, c("variable_labels")))
        for var, (zh, en) in labels.items():
            lines.append(_line(4, var, {"zh": zh, "en": en}))
    return "\n".join(lines) + "\n"
