"""The ``imtfp`` command: ``imtfp init FILE --name NAME`` (also ``python -m imtfp init …``).

Messages follow ``--lang`` (default ``IMTFP_LANG``, else Chinese); an error prints one line and
exits with status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imtfp import messages
from imtfp.errors import ImtfpError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imtfp", description="imtfp: data in, tables out.")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser(
        "init",
        help="write configs/NAME.yaml and its manifest for a province-year panel (xlsx/csv/dta)",
    )
    init.add_argument(
        "file", type=Path, nargs="+", help="the panel: .xlsx, .xls, .csv or .dta (one or more)"
    )
    init.add_argument("--name", required=True, help="run name: outputs go to runs/NAME/")
    init.add_argument("--sheet", help="read only this worksheet (default: every sheet)")
    init.add_argument("--lang", choices=("zh", "en"), help="messages and the config's comments")
    init.add_argument("--force", action="store_true", help="overwrite configs/NAME.yaml")
    init.add_argument(
        "--project", type=Path, default=Path("."), help="the imtfp folder (default .)"
    )
    return parser


def _print_result(result, project: Path) -> None:
    """What init read, matched, left out and wrote, and what to type next."""
    from imtfp import provinces
    from imtfp.ingest import catalog

    t = messages.text
    names = catalog.indicators().set_index("code")
    column = "name_zh" if messages.language() == "zh" else "name_en"
    first, last = result.years
    print(t("init.out.read", file=result.file, layout=t(f"init.out.layout_{result.layout}"),
            provinces=31 - len(result.missing_provinces), first=first, last=last,
            cols=len(result.matches)))  # fmt: skip
    print(t("init.out.matched"))
    for m in result.matches:
        extra = t("init.out.chained") if m.code == "invest_price_index" else ""
        note = f"  {m.note}" if m.note else ""
        print(f"  {m.column}  →  {m.code}  {names.at[m.code, column]} [{m.unit}]{extra}{note}")
    if result.unmatched:
        print(t("init.out.unmatched"))
        for m in result.unmatched:
            print(f"  {m.column}: {m.reason}")
    if result.renamed:
        print(
            t("init.out.renamed", pairs=", ".join(f"{a} → {b}" for a, b in result.renamed.items()))
        )
    if result.missing_provinces:
        print(t("init.out.missing", names="、".join(result.missing_provinces)))
    if len(result.rejects):
        r = result.rejects.iloc[0]
        example = (
            f"{provinces.name(str(r['province']))} {r['year']} {r['indicator']} {r['raw_value']!s}"
        )
        print(t("init.out.rejects", n=len(result.rejects), example=example))
    if result.left_out:
        print(t("init.out.left_out"))
        for code, why in result.left_out.items():
            print(f"  {code}: {why}")
    for line in result.notes:
        print(f"  {line}")
    for line in result.warnings:
        print(f"! {line}")
    config = Path(result.config).resolve().relative_to(project.resolve()).as_posix()
    manifest = Path(result.manifest).resolve().relative_to(project.resolve()).as_posix()
    print(
        t("init.out.wrote", config=config, manifest=manifest, sections=", ".join(result.sections))
    )
    if result.warnings:
        print(t("init.out.incomplete", file=result.file, name=result.name))
        return
    print(t("init.out.next"))
    print(f"  make run CONFIG={config}")
    print(f"  make export CONFIG={config}")


def main(argv: list[str] | None = None) -> int:
    """Run ``imtfp`` with ``argv``; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.lang:  # --lang wins over IMTFP_LANG
        import os

        os.environ["IMTFP_LANG"] = args.lang
    messages.use_language("zh")  # the default of a researcher's run, as report.languages
    try:
        if args.command == "init":
            from imtfp.init import init

            language = args.lang or ("en" if messages.language() == "en" else "zh")
            result = init(args.file, args.name, project=args.project, sheet=args.sheet,
                          force=args.force, language=language)  # fmt: skip
            _print_result(result, args.project)
    except ImtfpError as exc:
        print(f"imtfp: {messages.render(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
