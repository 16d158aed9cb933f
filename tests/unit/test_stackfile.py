"""`var/stack.pid`: a running stack is named and left alone, a dead one's leftovers are ended,
and a taken port is named with the process that holds it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services import stackfile
from tests.unit.common.test_processes import alive


def sleeper(*marks: str) -> subprocess.Popen[bytes]:
    """A process whose command line carries `marks` (as a stack or its child's would)."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", *marks])


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def test_a_running_stack_is_named_and_nothing_is_touched(tmp_path: Path, processes) -> None:
    stack = sleeper("services.cli", "up")
    service = sleeper("services.cli", "serve", "enrollment")
    processes += [stack, service]
    record = stackfile.StackRecord(stack.pid, "2026-12-04T10:00:00", {"enrollment": service.pid})
    stackfile.write(tmp_path, record)
    with pytest.raises(SystemExit) as refused:
        stackfile.claim(tmp_path)
    assert f"pid {stack.pid}" in str(refused.value)
    assert f"kill {stack.pid}" in str(refused.value)
    assert alive(service.pid)
    assert stackfile.read(tmp_path) == record


def test_a_dead_stacks_leftovers_are_ended_and_its_record_dropped(
    tmp_path: Path, processes, capsys
) -> None:
    service = sleeper("services.cli", "serve", "scoring")
    unrelated = sleeper("something", "else")  # a recycled pid must not be killed
    processes += [service, unrelated]
    dead = sleeper()
    dead.kill()
    dead.wait()
    children = {"scoring": service.pid, "enrollment": unrelated.pid}
    stackfile.write(tmp_path, stackfile.StackRecord(dead.pid, "2026-12-04T10:00:00", children))
    stackfile.claim(tmp_path)
    deadline = time.monotonic() + 10
    while alive(service.pid):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert alive(unrelated.pid)
    assert stackfile.read(tmp_path) is None
    said = capsys.readouterr().out
    assert f"pid {dead.pid}" in said and "ended what it left running: scoring" in said


def test_an_unreadable_record_is_no_stack(tmp_path: Path) -> None:
    (tmp_path / stackfile.FILE).write_text("{not json")
    assert stackfile.read(tmp_path) is None
    stackfile.claim(tmp_path)


def test_a_taken_port_is_named_with_its_holder() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(SystemExit) as refused:
            stackfile.ensure_ports_free({"enrollment": port})
    message = str(refused.value)
    assert f"port {port} (enrollment) is taken by pid {os.getpid()}" in message
    stackfile.ensure_ports_free({"enrollment": port})  # free again: no error
