"""A child process that ends with the process that started it (`gridgov up`'s services)."""

from __future__ import annotations

import os
import signal
import sys

PARENT_ENV = "GRIDGOV_END_WITH_PARENT"
"""Set by a supervisor to its pid: the child asks the kernel for SIGTERM when it dies."""
PR_SET_PDEATHSIG = 1


def end_with_parent() -> None:
    """If started by a supervisor that asked for it, be sent SIGTERM when that supervisor
    dies, even by SIGKILL (Linux; elsewhere nothing), and leave at once if it already has.

    Done by the child itself once it runs, not in a `preexec_fn`, which is unsafe in a
    parent with threads."""
    parent = os.environ.get(PARENT_ENV)
    if not parent or sys.platform != "linux":
        return
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(parent):  # the supervisor died before the request took effect
        raise SystemExit(f"the process that started this one ({parent}) is gone")


def exec_ending_with_parent(command: list[str]) -> None:
    """Become `command` (exec), having first asked to end with the process that started
    this one: the way a program that cannot ask for itself (the embedded broker) is tied to
    its supervisor. The request survives exec."""
    end_with_parent()
    os.execvp(command[0], command)


def ending_with_parent(command: list[str]) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start `command` so that it ends with this
    process, even one killed outright."""
    wrapped = [sys.executable, "-m", "libs.common.processes", *command]
    return wrapped, os.environ | {PARENT_ENV: str(os.getpid())}


if __name__ == "__main__":
    exec_ending_with_parent(sys.argv[1:])
