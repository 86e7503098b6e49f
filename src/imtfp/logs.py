"""A rule's logging: records and warnings to its log file, its failure and heartbeat on the console.

Every rule script calls :func:`to_file` first. From then on

* log records (INFO and up), ``warnings.warn`` and stderr go to the rule's log file;
* an uncaught exception is written to the log (full traceback) *and* as one readable line on the
  console — ``[imtfp] rule estimate failed: EstimationError: … (log: logs/models/iv.log)`` — so the
  reason of a failed run is on screen, not only at the bottom of a log;
* :func:`heartbeat` prints one line on the console (long jobs say they are alive);
* :func:`progress` wraps a loop in a ``tqdm`` bar written to the log file, with a heartbeat each
  quarter.

After a successful run, :func:`run_summary` gathers the WARNING lines of every log into a short
Markdown summary (``data/derived/run_summary.md``): the warnings that change how a result should be
read (few clusters, imputed shares, data checks) are then seen without opening 80 logs.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# The console: the process's real stderr, kept before to_file redirects sys.stderr to the log.
_CONSOLE = sys.__stderr__
_RULE: dict[str, str] = {"name": "", "log": ""}
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def _rule_name(path: Path) -> str:
    """The running rule's name (Snakemake's ``snakemake`` object of the script), else the log stem."""
    main = sys.modules.get("__main__")
    smk = getattr(main, "snakemake", None)
    return str(getattr(smk, "rule", "") or path.stem)


def console(message: str) -> None:
    """Write one line to the console (the process's stderr before redirection)."""
    if _CONSOLE is not None:
        print(message, file=_CONSOLE, flush=True)


def remember_project(*, main: bool = True) -> None:
    """Note the folder Snakemake starts in (``IMTFP_PROJECT``, inherited by the jobs), before the
    Snakefile moves into a run folder: console lines show paths from there (:func:`shown_path`)."""
    if main:
        os.environ["IMTFP_PROJECT"] = os.getcwd()


def shown_path(path: str | Path) -> str:
    """A path as the user sees it from the project folder: ``runs/eps/logs/ingest.log``, not the
    ``logs/ingest.log`` of a run folder (``IMTFP_PROJECT``, set by the Snakefile before ``workdir``)."""
    project = os.environ.get("IMTFP_PROJECT")
    text = str(path)
    if not project or not text:
        return text
    try:
        return Path(os.path.relpath(Path(text).resolve(), Path(project).resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return text


def failure_line(exc: BaseException, *, rule: str, log: str) -> str:
    """``[imtfp] rule <rule> failed: <Type>: <first line of the message> (log: <log>)``, in the
    run's language (an error from the message catalogue is rendered in it too)."""
    from imtfp import messages

    text = messages.render(exc).strip().splitlines()
    detail = f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
    more = " …" if len(text) > 1 else ""
    return messages.text("console.rule_failed", rule=rule, error=detail + more, log=log)


def _excepthook(kind, exc, tb) -> None:
    # the full traceback stays in the log; the console gets the readable last line
    traceback.print_exception(kind, exc, tb, file=sys.stderr)
    sys.stderr.flush()
    console(failure_line(exc, rule=_RULE["name"], log=shown_path(_RULE["log"])))


def _use_run_language() -> None:
    """Messages of a rule's job in the run's language (the first of ``report.languages`` of Snakemake's config)."""
    from imtfp import messages

    smk = getattr(sys.modules.get("__main__"), "snakemake", None)
    messages.use_language(messages.language_of(getattr(smk, "config", None)))


def to_file(path: str | Path, *, rule: str | None = None) -> logging.Logger:
    """Route the ``imtfp`` logger, warnings and stderr to ``path``; return the logger.

    An uncaught exception is echoed to the console as one line naming the rule (``rule``, default the
    Snakemake rule of the running script) and the log.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the rule's process
    sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, format=LOG_FORMAT, force=True)
    logging.captureWarnings(True)
    _RULE.update(name=rule or _rule_name(path), log=str(path))
    _use_run_language()
    sys.excepthook = _excepthook
    return logging.getLogger("imtfp")


def heartbeat(message: str) -> None:
    """One console line from a long job, e.g. ``[imtfp] multiverse_chunk: 50% (120/240 specs)``.

    Only inside a rule's job (after :func:`to_file`); library calls from Python or tests stay quiet.
    """
    if not _RULE["name"]:
        return
    console(f"[imtfp] {_RULE['name']}: {message}")
    logging.getLogger("imtfp").info(message)


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterator[T]:
    """Iterate ``items`` with a ``tqdm`` bar in the log (stderr) and a console heartbeat per quarter."""
    from tqdm import tqdm  # lazy: only loops that report progress pay for it

    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    bar = tqdm(items, total=total, desc=desc, file=sys.stderr, mininterval=2.0, ascii=True)
    next_quarter = 1
    for i, item in enumerate(bar, start=1):
        yield item
        if total and i * 4 >= next_quarter * total:
            heartbeat(f"{desc} {100 * i // total}% ({i}/{total})".strip())
            next_quarter = i * 4 // total + 1


def progress_callback(desc: str):
    """A ``callback(done, total)`` for engines that report their own progress (the multiverse)."""
    state = {"next": 1}

    def report(done: int, total: int) -> None:
        if total and done * 4 >= state["next"] * total:
            heartbeat(f"{desc} {100 * done // total}% ({done}/{total})")
            state["next"] = done * 4 // total + 1

    return report


# ---- the run summary -------------------------------------------------------------------------------

_WARNING = re.compile(r"^WARNING (?P<logger>\S+): (?P<message>.*)$")
# captured warnings.warn text: "/path/file.py:12: UserWarning: the message"
_PYWARN = re.compile(r"^.*?:\d+: (?P<category>\w+Warning): (?P<message>.*)$")
# A missing label changes how a table looks, not how its numbers read: counted, not listed per job.
_LABEL = re.compile(r"^no \w+ label for '(?P<name>[^']+)'")


def _log_lines(log_dir: Path):
    """(job, category, message) of every WARNING line of every ``*.log`` under ``log_dir``."""
    for log in sorted(log_dir.rglob("*.log")):
        job = log.relative_to(log_dir).with_suffix("").as_posix()
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _WARNING.match(line)
            if m:
                w = _PYWARN.match(m.group("message"))
                category = w.group("category") if w else m.group("logger")
                yield job, category, (w.group("message") if w else m.group("message")).strip()


def log_warnings(log_dir: str | Path) -> dict[str, list[str]]:
    """WARNING messages of every ``*.log`` under ``log_dir``, by job (log path), deduplicated.

    Missing-label warnings are left out (see :func:`missing_labels`).
    """
    found: dict[str, list[str]] = {}
    for job, category, text in _log_lines(Path(log_dir)):
        if category == "LabelWarning" or _LABEL.match(text) or not text:
            continue
        messages = found.setdefault(job, [])
        if text not in messages:
            messages.append(text)
    return found


def missing_labels(log_dir: str | Path) -> list[str]:
    """Names the report printed raw because ``labels.yaml`` has no label for them."""
    names = {
        m.group("name") for _, _, text in _log_lines(Path(log_dir)) if (m := _LABEL.match(text))
    }
    return sorted(names)


IMPUTED_WARN_SHARE = 0.05


def imputed_warnings(
    panel, imputed, *, threshold: float = IMPUTED_WARN_SHARE, lang: str | None = None
) -> list[str]:
    """One line per indicator whose imputed cells exceed ``threshold`` of the panel's rows.

    share = (cells of the indicator filled by the missing-value rule) / (province-years of the panel);
    the provinces with the most filled cells are named (not coded).
    """
    from imtfp import messages, provinces

    if imputed is None or len(imputed) == 0 or len(panel) == 0:
        return []
    out = []
    for indicator, cells in imputed.groupby("indicator", sort=True):
        share = len(cells) / len(panel)
        if share <= threshold:
            continue
        worst = cells["province"].astype(str).value_counts().head(3)
        language = messages._normal(lang) or messages.language()
        sep = "、" if language == "zh" else ", "
        where = sep.join(f"{provinces.name(c, language=language)} {n}" for c, n in worst.items())
        out.append(
            messages.text(
                "summary.imputed",
                lang=lang,
                indicator=indicator,
                cells=len(cells),
                rows=len(panel),
                share=f"{share:.1%}",
                where=where,
            )
        )
    return out


def run_summary(
    log_dir: str | Path,
    *,
    title: str | None = None,
    extra: dict[str, list[str]] | None = None,
    lang: str | None = None,
) -> str:
    """Markdown summary of the warnings in the logs of the jobs that made the current outputs.

    ``extra`` adds warnings found outside the logs (e.g. ``{"panel/imputed": imputed_warnings(...)}``).
    The frame is in ``lang`` (default the run's language); the warnings are as the jobs logged them.
    """
    from imtfp import messages

    found = log_warnings(log_dir)
    for job, items in (extra or {}).items():
        if items:
            found.setdefault(job, []).extend(items)
    lines = [f"# {title or messages.text('summary.title', lang=lang)}", ""]
    if not found:
        lines.append(messages.text("summary.no_warnings", lang=lang))
    else:
        n = sum(len(v) for v in found.values())
        where = shown_path(Path(log_dir).as_posix()) or Path(log_dir).as_posix()
        lines += [messages.text("summary.count", lang=lang, n=n, jobs=len(found), logs=where), ""]
        for job, items in found.items():
            lines += [f"- **{job}**: {msg}" for msg in items]
    labels = missing_labels(log_dir)
    if labels:
        lines += [
            "",
            messages.text("summary.raw_names", lang=lang, n=len(labels), names=", ".join(labels)),
        ]
    return "\n".join(lines) + "\n"


#: The line a batch job (workflow/scripts/batch.py) writes to its log naming the step that failed.
STEP_FAILED = "batch step failed:"


def failed_step(log_file: str | None) -> tuple[str, str] | None:
    """(rule, log file) of the step that failed in a batch job whose log is ``log_file``."""
    path = Path(log_file) if log_file else None
    if path is None or not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(STEP_FAILED):
            rule, log = line[len(STEP_FAILED) :].split()
            return rule, log
    return None


def failed_jobs(snakemake_log) -> list[tuple[str, str | None]]:
    """(rule, log file) of each failed job, read from Snakemake's own log of the run; for a batch
    job, the step that failed in it (its rule and its own log)."""
    if isinstance(snakemake_log, (list, tuple)):  # Snakemake passes the log file(s) of the run
        snakemake_log = snakemake_log[-1] if snakemake_log else None
    path = Path(str(snakemake_log)) if snakemake_log else None
    text = path.read_text(encoding="utf-8", errors="replace") if path and path.is_file() else ""
    failed: list[list] = []
    for line in text.splitlines():
        rule = re.match(r"\s*Error in rule (\S+):", line)
        if rule:
            failed.append([rule.group(1), None])
        log = re.match(r"\s*log: (\S+)", line)
        if log and failed and failed[-1][1] is None:
            failed[-1][1] = log.group(1)
    return [failed_step(log) or (rule, log) for rule, log in failed]


def last_error(log_file: str | Path | None) -> str:
    """The last exception line of a job's log (``SomeError: message``), else its last line."""
    path = Path(log_file) if log_file else None
    if path is None or not path.is_file():
        return "(no log written)"
    lines = [
        ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()
    ]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line):
            return line.strip()
    return lines[-1].strip() if lines else "(empty log)"


def print_failures(snakemake_log) -> None:
    """Each failed job's rule and last exception on stderr (Snakemake's ``onerror``)."""
    from imtfp import messages

    jobs = failed_jobs(snakemake_log)
    if not jobs:
        return
    print("\n" + messages.text("console.failed_jobs"), file=sys.stderr)
    for rule_name, log_file in jobs:
        shown = shown_path(log_file) if log_file else log_file
        print(f"  {rule_name}: {last_error(log_file)}  [{shown}]", file=sys.stderr)


def write_run_summary(derived: str | Path, log_dir: str | Path) -> str:
    """Write ``<derived>/run_summary.md`` (Snakemake's ``onsuccess``), print it, return its text."""
    import pandas as pd

    from imtfp import credibility

    derived = Path(derived)
    extra = {}
    panel, imputed = derived / "panel" / "panel.parquet", derived / "panel" / "imputed.parquet"
    if panel.is_file() and imputed.is_file():
        extra["panel/imputed"] = imputed_warnings(pd.read_parquet(panel), pd.read_parquet(imputed))
    text = run_summary(log_dir, extra=extra) + credibility.summary_pointer(derived)
    (derived / "run_summary.md").parent.mkdir(parents=True, exist_ok=True)
    (derived / "run_summary.md").write_text(text, encoding="utf-8")
    print(f"\n{text}", file=sys.stderr)
    return text


def at_load(fn, *args):
    """``fn(*args)``, or :func:`stop_at_load` when it raises an :class:`~imtfp.errors.ImtfpError`."""
    from imtfp.errors import ImtfpError

    try:
        return fn(*args)
    except ImtfpError as exc:
        stop_at_load(exc)


def stop_at_load(exc: BaseException) -> None:
    """A config or data error found as the workflow loads: one line, no traceback, exit status 1.

    The Snakefile and common.smk call what they load through :func:`at_load` (the config's checks,
    the run folder, the manifest, the raw files' presence).
    """
    from imtfp import messages

    print(messages.text("config.error_banner", message=messages.render(exc)), file=sys.stderr)
    raise SystemExit(1)
