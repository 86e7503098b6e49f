"""Run Snakemake so that an interrupted run resumes unattended and no job outlives its run.

``python -m imtfp.supervise -- snakemake --cores 2 …`` (what ``make run`` calls):

1. **Stale lock.** Snakemake locks the working directory in ``.snakemake/locks``. After a crash or
   ``kill -9`` the lock stays and every later run fails until ``snakemake --unlock``. The lock is
   removed here only when no Snakemake process whose working directory is this one is alive
   (read from ``/proc``); a live run keeps its lock and this run stops with a message.
2. **Resume.** The caller passes ``--rerun-incomplete``, so outputs a killed job left half-written
   (Snakemake's incomplete markers) are rebuilt.
3. **Jobs die with their run.** Snakemake starts in a new process group, which its jobs inherit.
   A small watchdog process (its own session) kills that whole group as soon as Snakemake or this
   supervisor dies, whatever killed them (``kill -9`` included), so no job keeps writing outputs
   for a run that no longer exists. ``Ctrl-C``/``SIGTERM`` are forwarded to the group.

Linux only for the process checks (``/proc``); elsewhere the lock is left alone and reported.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

LOCKS = Path(".snakemake") / "locks"


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

    Returns what was done (for the console); raises ``RuntimeError`` if a live run holds the lock.
    """
    locks = Path(directory) / LOCKS
    held = sorted(locks.glob("*.lock")) if locks.is_dir() else []
    if not held:
        return "no lock"
    if not Path("/proc").is_dir():
        return "lock present; cannot check for live runs on this system (run `snakemake --unlock` if none)"
    live = snakemake_processes(directory)
    if live:
        raise RuntimeError(
            f"another Snakemake run of {Path(directory).resolve()} is alive (pid {', '.join(map(str, live))}); "
            "wait for it or stop it first"
        )
    for lock in held:
        lock.unlink(missing_ok=True)
    return f"removed a stale lock ({len(held)} files) left by an interrupted run"


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
    except RuntimeError as exc:
        print(f"imtfp.supervise: {exc}", file=sys.stderr)
        return 2
    proc = subprocess.Popen(argv, cwd=directory, start_new_session=True)
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
    return code


def main(args: list[str] | None = None) -> int:
    args = sys.argv[1:] if args is None else args
    if args[:1] == ["--watch"]:
        watch(int(args[1]), int(args[2]))
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
