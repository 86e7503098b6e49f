"""Run Snakemake so that an interrupted run resumes unattended and no job outlives its run.

``python -m imtfp.supervise -- snakemake --cores 2 …`` (what ``make run`` calls):

1. **Stale lock.** Snakemake locks the working directory in ``.snakemake/locks``. After a crash or
   ``kill -9`` the lock stays and every later run fails until ``snakemake --unlock``. The lock is
   removed here only when no Snakemake process whose working directory is this one is alive
   (read from ``/proc``); a live run keeps its lock and this run stops with a message.
2. **Resume.** The caller passes ``--rerun-incomplete``, so outputs a killed job left half-written
   (Snakemake's incomplete markers) are rebuilt.
3. **Damaged outputs.** Before Snakemake schedules anything, :func:`verify_outputs` checks the
   outputs of the project and of every ``runs/<name>/`` folder: an output whose bytes differ from
   the run's output manifest (``data/derived/manifest.json``: a table truncated or edited by hand),
   a Parquet file that does not open and a DuckDB file that does not open get a modification time
   older than any input, so that Snakemake's own rerun trigger (an output older than its inputs)
   rebuilds them and everything downstream. (Removing them would not do: Snakemake does not
   remake a missing intermediate file while the outputs after it exist.) Nobody deletes files by
   hand, and a damaged file is never accepted or hashed into a new manifest. Every path the
   manifest lists must lie inside its run folder (:func:`imtfp.config.contained_path`); a
   manifest that names any other path, or does not parse, is itself marked (the run writes it
   again) and nothing it lists is touched.
4. **Jobs die with their run.** Snakemake starts in a new process group, which its jobs inherit.
   A small watchdog process (its own session) kills that whole group as soon as Snakemake or this
   supervisor dies, whatever killed them (``kill -9`` included), so no job keeps writing outputs
   for a run that no longer exists. ``Ctrl-C``/``SIGTERM`` are forwarded to the group.

Linux only for the process checks (``/proc``); elsewhere the lock is left alone and reported.

Why here and not in the Snakefile: the check must run once, before the DAG is built, only for a
real run (never for ``snakemake -n``, ``--lint`` or ``--report``), never inside a job (cluster
executors parse the Snakefile again in every job, which would then remove files other jobs are
writing) and only after no other run of the folder is alive (the lock check above). The
supervisor is the one place where all four hold. ``python -m imtfp.supervise --verify-outputs``
runs the check alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from base64 import urlsafe_b64encode
from pathlib import Path

from imtfp.errors import ConfigError, ImtfpError

LOCKS = Path(".snakemake") / "locks"
DERIVED = Path("data") / "derived"
OUTPUT_MANIFEST = DERIVED / "manifest.json"


class RunInProgressError(ImtfpError, RuntimeError):
    """Another Snakemake run of the folder is alive (it keeps its lock)."""


def _alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def snakemake_processes(directory: str | Path) -> list[int]:
    """Pids of live Snakemake processes whose working directory is ``directory``."""
    target = Path(directory).resolve()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(entry / "cwd")).resolve()
        except OSError:
            continue
        # the snakemake entry point is argv[0] or argv[1] (python …/snakemake), or `python -m snakemake`
        words = [a.decode(errors="replace") for a in cmd[:3]]
        is_snakemake = any(Path(w).name == "snakemake" for w in words[:2]) or words[1:3] == [
            "-m",
            "snakemake",
        ]
        if is_snakemake and cwd == target:
            if _alive(int(entry.name)):
                found.append(int(entry.name))
    return sorted(found)


def clear_stale_lock(directory: str | Path = ".") -> str:
    """Remove Snakemake's lock of ``directory`` if no Snakemake process of it is alive.

    Returns what was done (for the console); raises :class:`RunInProgressError` if a live run
    holds the lock.
    """
    locks = Path(directory) / LOCKS
    held = sorted(locks.glob("*.lock")) if locks.is_dir() else []
    if not held:
        return "no lock"
    if not Path("/proc").is_dir():
        return "lock present; cannot check for live runs on this system (run `snakemake --unlock` if none)"
    live = snakemake_processes(directory)
    if live:
        raise RunInProgressError(
            f"another Snakemake run of {Path(directory).resolve()} is alive (pid {', '.join(map(str, live))}); "
            "wait for it or stop it first"
        )
    for lock in held:
        lock.unlink(missing_ok=True)
    return f"removed a stale lock ({len(held)} files) left by an interrupted run"


# ---- damaged outputs -----------------------------------------------------------------------------


def run_folders(directory: str | Path = ".") -> list[Path]:
    """The project and every ``runs/<name>/`` folder that holds ``data/derived``."""
    directory = Path(directory)
    runs = sorted(p for p in (directory / "runs").glob("*") if (p / DERIVED).is_dir())
    return [d for d in (directory, *runs) if (d / DERIVED).is_dir()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _listed_outputs(folder: Path) -> tuple[dict[Path, str], str | None]:
    """The output manifest's entries (path inside ``folder`` -> sha256), or why it is not trusted."""
    from imtfp.config import contained_path

    manifest = folder / OUTPUT_MANIFEST
    if not manifest.is_file():
        return {}, None
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {}, f"it does not parse ({type(exc).__name__})"
    if not isinstance(doc, dict) or not all(isinstance(v, str) for v in doc.values()):
        return {}, "it is not a mapping of paths to SHA-256 digests"
    listed = {}
    for rel, sha in doc.items():
        try:
            listed[contained_path(rel, folder, key="outputs")] = sha
        except ConfigError:
            return {}, f"it lists {rel!r}, outside the run folder {folder}"
    return listed, None


def _opens(path: Path) -> str | None:
    """Why a Parquet or DuckDB file does not open (None if it does)."""
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.read_table(path)
        else:
            from imtfp.database import connect

            with connect(path, read_only=True) as con:
                con.execute("SELECT count(*) FROM information_schema.tables").fetchall()
    except Exception as exc:  # any library error means: not a file the run can read
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    return None


#: The modification time given to a damaged output: older than any input, so Snakemake's own rerun
#: trigger (an output older than its inputs) rebuilds it and everything downstream.
STALE = 0


def _mark(path: Path, why: str, base: Path) -> str:
    """Mark ``path`` for rebuilding (see :data:`STALE`); a line for the console."""
    os.utime(path, (STALE, STALE))
    name = path.relative_to(base) if path.is_relative_to(base) else path
    return f"{name}: {why}; marked to be rebuilt"


def verify_outputs(directory: str | Path = ".") -> list[str]:
    """Mark the damaged outputs of every run folder so that the next run rebuilds them.

    Damaged: bytes that differ from the output manifest (``data/derived/manifest.json``, paths
    relative to the run folder), a ``.parquet`` or ``.duckdb`` file under ``data/derived`` that
    does not open. A manifest that does not parse or lists a path outside its run folder is
    marked itself, and nothing it lists is touched. Marked: its modification time set to
    :data:`STALE`, so Snakemake rebuilds it and everything after it (a missing intermediate file
    would not be rebuilt while the outputs after it exist). Returns one line per file marked.
    """
    directory = Path(directory)
    done = []
    for folder in run_folders(directory):
        listed, distrust = _listed_outputs(folder)
        if distrust:
            done.append(
                _mark(
                    folder / OUTPUT_MANIFEST,
                    f"the output manifest is not trusted: {distrust}",
                    directory,
                )
            )
        for path, sha in listed.items():
            if path.is_file() and _sha256(path) != sha:
                done.append(_mark(path, f"bytes differ from {OUTPUT_MANIFEST}", directory))
        for path in sorted((folder / DERIVED).rglob("*")):
            if path.suffix in (".parquet", ".duckdb") and path.is_file():
                if why := _opens(path):
                    done.append(_mark(path, f"does not open ({why})", directory))
    return done


def watch(leader: int, supervisor: int, *, interval: float = 0.2) -> None:
    """Kill process group ``leader`` once the leader or the supervisor is gone."""
    while _alive(leader) and _alive(supervisor):
        time.sleep(interval)
    try:
        os.killpg(leader, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(argv: list[str], directory: str | Path = ".") -> int:
    """Clear a stale lock, run ``argv`` in its own process group under a watchdog, return its code."""
    try:
        print(f"imtfp.supervise: {clear_stale_lock(directory)}", file=sys.stderr)
    except ImtfpError as exc:
        print(f"imtfp.supervise: {exc}", file=sys.stderr)
        return 2
    for line in verify_outputs(directory):
        print(f"imtfp.supervise: {line}", file=sys.stderr)
    try:
        proc = subprocess.Popen(argv, cwd=directory, start_new_session=True)
    except OSError as exc:
        print(f"imtfp.supervise: cannot start {argv[0]} ({exc.strerror or exc})", file=sys.stderr)
        return 2
    watchdog = subprocess.Popen(
        [sys.executable, "-m", "imtfp.supervise", "--watch", str(proc.pid), str(os.getpid())],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    )

    def forward(signum, _frame):
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    code = proc.wait()
    watchdog.wait(timeout=30)
    if code != 0:  # Ctrl-C or a crash skip Snakemake's onerror: put back what the run removed
        restore_after_failure(directory)
    return code


# ---- one guard for every Snakemake call, and outputs kept through a failed run (issue 22) ---------
#
# Why outputs vanish: Snakemake removes a job's existing outputs when the job starts
# (``Job.prepare`` → ``remove_existing_output``) and the outputs of a job that fails. A changed
# config reruns every job whose params changed (a rerun trigger), so an experiment that fails
# halfway has already removed the results of every job it started, results the previous successful
# run of the same config made; and Snakemake does not remake a missing intermediate file while the
# outputs after it exist. So before the first job starts (``onstart``) the run folder's outputs are
# kept as hard links (no copy) with Snakemake's metadata records; when the run fails (``onerror``,
# or here after a Ctrl-C, or at the next start after a kill -9) every output the run removed and did
# not make again is put back with its record, so Snakemake still sees it as made from the old config
# and rebuilds it next time; outputs the run completed are the new ones. A successful run drops the
# kept copy (``onsuccess``).

KEPT = Path(".snakemake") / "imtfp" / "kept"
OUTPUTS = Path("data") / "derived"
METADATA = Path(".snakemake") / "metadata"


def _ancestors(pid: int) -> set[int]:
    """``pid`` and its parents (read from ``/proc``)."""
    out = set()
    while pid > 1 and pid not in out:
        out.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[-1].split()[1])
    return out


def other_runs(directory: str | Path = ".") -> list[int]:
    """Live Snakemake processes of ``directory`` other than this process and its parents."""
    if not Path("/proc").is_dir():
        return []
    mine = _ancestors(os.getpid())
    return [p for p in snakemake_processes(directory) if p not in mine]


def guard(directory: str | Path = ".") -> str:
    """What ``make run`` checks, for a plain ``snakemake`` call too (the Snakefile calls this).

    Another live Snakemake run of this folder: refuse with a message (never advise ``--unlock``
    or ``--cleanup-metadata``, which would damage the live run). Else a lock left by an interrupted
    run is removed. Returns what was done.
    """
    from imtfp import messages

    live = other_runs(directory)
    if live:
        print(
            messages.text(
                "supervise.live_run",
                folder=Path(directory).resolve(),
                pids=", ".join(map(str, live)),
            ),
            file=sys.stderr,
        )
        raise SystemExit(1)
    locks = Path(directory) / LOCKS
    held = sorted(locks.glob("*.lock")) if locks.is_dir() else []
    if not held or not Path("/proc").is_dir():
        return "no lock"
    for lock in held:
        lock.unlink(missing_ok=True)
    line = messages.text("supervise.stale_lock", n=len(held))
    print(line, file=sys.stderr)
    return line


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: a copy keeps the bytes
        shutil.copy2(src, dst)


def keep_outputs(directory: str | Path = ".") -> int:
    """Before a run's first job (``onstart``): keep its outputs and their metadata records.

    Outputs as hard links (Snakemake writes a job's outputs as new files, so the kept bytes never
    change), records as copies (Snakemake rewrites them in place). Returns the outputs kept.
    """
    directory = Path(directory)
    restore_outputs(directory)  # a run that ended without onerror (kill -9) left its copy
    kept = directory / KEPT
    shutil.rmtree(kept, ignore_errors=True)
    outputs, records = directory / OUTPUTS, directory / METADATA
    files = _files(outputs) if outputs.is_dir() else []
    for rel in files:
        _link(outputs / rel, kept / "outputs" / rel)
    if records.is_dir():
        shutil.copytree(records, kept / "metadata")
    kept.mkdir(parents=True, exist_ok=True)
    return len(files)


def restore_outputs(directory: str | Path = ".") -> list[str]:
    """After a failed run: put back every kept output the run removed, with its record.

    Outputs the failed run made anew stay (they are complete); an output put back keeps its old
    time stamp and record, so Snakemake reruns it when its config or inputs changed. Returns the
    paths put back (relative to ``data/derived``); the kept copy is then dropped.
    """
    from imtfp import messages

    directory = Path(directory)
    kept = directory / KEPT
    if not kept.is_dir():
        return []
    outputs, records = directory / OUTPUTS, directory / METADATA
    restored: list[str] = []
    for rel in _files(kept / "outputs") if (kept / "outputs").is_dir() else []:
        if not (outputs / rel).exists():
            _link(kept / "outputs" / rel, outputs / rel)
            restored.append(rel.as_posix())
    for rel in restored:  # the record of the run that made it (a failed job leaves its own)
        record = record_path(OUTPUTS / rel, max_len=_name_max(records))
        if (kept / "metadata" / record).is_file():
            (records / record).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(kept / "metadata" / record, records / record)
        else:
            (records / record).unlink(missing_ok=True)
    shutil.rmtree(kept, ignore_errors=True)
    if restored:
        example = ", ".join(restored[:3]) + (" …" if len(restored) > 3 else "")
        print(
            messages.text("supervise.restored", n=len(restored), example=example), file=sys.stderr
        )
    return restored


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX") or 255
    except (OSError, ValueError, AttributeError):
        return 255


def record_path(output: str | Path, *, max_len: int = 255) -> Path:
    """Where Snakemake keeps the metadata record of ``output`` under ``.snakemake/metadata``.

    Snakemake's file persistence (``FilePersistence._record_path``): the path's URL-safe base64,
    cut into file-name-sized pieces, all but the last prefixed with ``@``.
    """
    b64 = urlsafe_b64encode(Path(output).as_posix().encode()).decode()
    parts = [b64[i : i + max_len - 1] for i in range(0, len(b64), max_len - 1)]
    return Path(*["@" + p for p in parts[:-1]], parts[-1])


def discard_kept(directory: str | Path = ".") -> None:
    """After a successful run (``onsuccess``): the kept copy is no longer needed."""
    shutil.rmtree(Path(directory) / KEPT, ignore_errors=True)


def restore_after_failure(directory: str | Path = ".") -> list[str]:
    """The supervisor after a failed call: restore the project's and every run folder's outputs
    that a run which never reached ``onerror`` (Ctrl-C, a crash) removed; live runs are left alone."""
    directory = Path(directory)
    restored = []
    runs = directory / "runs"
    for folder in [directory, *(sorted(runs.iterdir()) if runs.is_dir() else [])]:
        if (folder / KEPT).is_dir() and not other_runs(folder):
            restored += restore_outputs(folder)
    return restored


def main(args: list[str] | None = None) -> int:
    args = sys.argv[1:] if args is None else args
    if args[:1] == ["--watch"]:
        if len(args) != 3 or not all(a.isdigit() for a in args[1:]):
            print(
                "usage: python -m imtfp.supervise --watch LEADER_PID SUPERVISOR_PID",
                file=sys.stderr,
            )
            return 2
        watch(int(args[1]), int(args[2]))
        return 0
    if args[:1] == ["--verify-outputs"]:
        for line in verify_outputs(args[1] if len(args) > 1 else "."):
            print(line)
        return 0
    if args[:1] == ["--unlock-stale"]:
        print(clear_stale_lock(args[1] if len(args) > 1 else "."))
        return 0
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("usage: python -m imtfp.supervise -- snakemake [ARGS…]", file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
