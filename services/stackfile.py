"""`var/stack.pid`: which `gridgov up` runs from a var directory, and what it started.

Written when the stack starts and removed when it stops. A later `gridgov up` reads it: a
stack still running is named and left alone; one that died without stopping (killed with
SIGKILL, a machine that lost power) is named and what it left behind is ended before the
new stack starts. Its services and broker end with it on their own (parent-death signal,
libs/common/processes.py); the embedded PostgreSQL runs as a daemon and is taken over by the
new stack, which stops it on exit.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from libs.common import embedded

FILE = "stack.pid"


@dataclass(frozen=True)
class StackRecord:
    """One `gridgov up`: its own pid and the pids of what it started."""

    pid: int
    started_at: str
    children: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """The stack in one line, for an operator."""
        started = ", ".join(f"{name} {pid}" for name, pid in sorted(self.children.items()))
        return f"pid {self.pid}, started {self.started_at}" + (f"; {started}" if started else "")


def write(var: Path, record: StackRecord) -> None:
    """Record the running stack (replacing the file atomically)."""
    temporary = var / f"{FILE}.tmp"
    temporary.write_text(json.dumps(asdict(record), indent=2))
    temporary.replace(var / FILE)


def read(var: Path) -> StackRecord | None:
    """The recorded stack, or None when there is none (or the file is unreadable)."""
    try:
        data = json.loads((var / FILE).read_text())
        return StackRecord(int(data["pid"]), str(data["started_at"]), dict(data["children"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove(var: Path, pid: int) -> None:
    """Forget the stack, if the file still names this one."""
    record = read(var)
    if record is not None and record.pid == pid:
        (var / FILE).unlink(missing_ok=True)


def _is_stack(pid: int) -> bool:
    """True when `pid` is a live `gridgov up` (and not a recycled pid of something else)."""
    try:
        process = psutil.Process(pid)
        command = " ".join(process.cmdline())
        return (
            process.status() != psutil.STATUS_ZOMBIE
            and " up" in command
            and ("services.cli" in command or "gridgov" in command)
        )
    except psutil.Error:
        return False


def _end_leftover(name: str, pid: int) -> bool:
    """SIGTERM a leftover child if that pid is still the process the stack started."""
    try:
        process = psutil.Process(pid)
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    expected = "broker" if name == "broker" else f"serve {name}"
    if expected not in command or process.status() == psutil.STATUS_ZOMBIE:
        return False
    os.kill(pid, signal.SIGTERM)
    try:
        process.wait(10)
    except psutil.TimeoutExpired:
        process.kill()
    return True


def claim(var: Path) -> None:
    """Refuse to start beside a running stack; end what a dead one left behind.

    Raises SystemExit naming the running stack; prints what was ended otherwise."""
    record = read(var)
    if record is None or record.pid == os.getpid():
        return
    if _is_stack(record.pid):
        raise SystemExit(
            f"a gridgov stack already runs from {var} ({record.describe()}): "
            f"stop it with Ctrl-C where it runs, or `kill {record.pid}`"
        )
    ended = [name for name, pid in record.children.items() if _end_leftover(name, pid)]
    print(
        f"found a stack from an earlier run that did not stop ({record.describe()})"
        + (f"; ended what it left running: {', '.join(sorted(ended))}" if ended else "")
        + "; its PostgreSQL data directory is taken over",
        flush=True,
    )
    (var / FILE).unlink(missing_ok=True)


def ensure_ports_free(ports: dict[str, int]) -> None:
    """Raise SystemExit naming each port that is taken and the process that holds it."""
    taken = {name: port for name, port in ports.items() if embedded.port_open(port)}
    if not taken:
        return
    lines = [f"  port {port} ({name}) is taken by {_holder(port)}" for name, port in taken.items()]
    raise SystemExit(
        "gridgov cannot start: its ports are taken\n"
        + "\n".join(lines)
        + "\nstop what holds them (an earlier stack: see var/stack.pid), then run it again"
    )


def _holder(port: int) -> str:
    """The process listening on `port`, as `pid N (command)`, as far as this user can see."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return "another process"
    for connection in connections:
        if (
            connection.status == psutil.CONN_LISTEN
            and connection.laddr
            and connection.laddr.port == port
            and connection.pid
        ):
            try:
                command = " ".join(psutil.Process(connection.pid).cmdline())[:120]
            except psutil.Error:
                command = "?"
            return f"pid {connection.pid} ({command})"
    return "another process (not visible to this user)"
