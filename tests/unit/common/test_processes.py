"""A service started by `gridgov up` ends when `gridgov up` is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from libs.common.processes import PARENT_ENV
from tests.conftest import ROOT

SUPERVISOR = f"""
import os, subprocess, sys, time
env = dict(os.environ, {PARENT_ENV}=str(os.getpid()), PYTHONPATH={str(ROOT)!r})
child = subprocess.Popen([sys.executable, "-c",
    "from libs.common.processes import end_with_parent; end_with_parent(); "
    "import time; time.sleep(120)"], env=env)
print(child.pid, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is as good as gone
        return stat.read().split()[2] != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_child_ends_when_its_supervisor_is_killed_outright() -> None:
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISOR], stdout=subprocess.PIPE)
    assert supervisor.stdout is not None
    child = int(supervisor.stdout.readline())
    time.sleep(1.0)  # the child has asked for the signal
    assert alive(child)
    supervisor.send_signal(signal.SIGKILL)
    supervisor.wait(10)
    deadline = time.monotonic() + 10
    while alive(child):
        assert time.monotonic() < deadline, "the child outlived its supervisor"
        time.sleep(0.1)


BROKER_STARTER = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from libs.common import embedded
broker = embedded.start_broker()
print(broker.process.pid, broker.port, flush=True)
import time
time.sleep(120)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_the_embedded_broker_ends_when_what_started_it_is_killed_outright() -> None:
    """The broker is a program that cannot ask for the signal itself: it is started through
    `python -m libs.common.processes`, which asks, then becomes the broker."""
    starter = subprocess.Popen([sys.executable, "-c", BROKER_STARTER], stdout=subprocess.PIPE)
    assert starter.stdout is not None
    pid, _ = map(int, starter.stdout.readline().split())
    with open(f"/proc/{pid}/cmdline") as cmdline:
        assert "broker" in cmdline.read(), "the wrapper became the broker"
    starter.send_signal(signal.SIGKILL)
    starter.wait(10)
    deadline = time.monotonic() + 10
    while alive(pid):
        assert time.monotonic() < deadline, "the broker outlived what started it"
        time.sleep(0.1)
