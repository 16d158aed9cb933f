"""`gridgov up` (what `make up` runs) on a cold start: four healthy services and the demo; a
service or the broker that dies is started again while the others serve; Ctrl-C stops it
all even when the shell that started it had SIGINT ignored (a background job); `kill -9`
leaves no service or broker behind and the next start names the stack that did not stop;
a taken port is a clear error naming its holder.

It starts its own embedded PostgreSQL and broker in a fresh data directory, exactly as on
a new machine, on the services' default ports; the test is skipped when something already
listens there (a developer's running stack).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from libs.common import auth, embedded
from libs.common.settings import DEFAULT_PORTS
from services import stackfile
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e
COLD_START_SECONDS = 90


@pytest.mark.timeout(900)
def test_a_cold_start_serves_all_four_services_and_the_demo_and_heals(tmp_path: Path) -> None:
    busy = [port for port in (*DEFAULT_PORTS.values(), 9092) if embedded.port_open(port)]
    if busy:
        pytest.skip(f"ports {busy} are taken (a stack is running here)")
    log = tmp_path / "up.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "KAFKA_"))}
    up = [sys.executable, "-m", "services.cli", "up", "--var", str(tmp_path / "var")]
    # Started as a background job is: SIGINT ignored, which `gridgov up` must override.
    command = ["bash", "-c", 'trap "" INT; exec "$@"', "up", *up]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        started = time.monotonic()
        _wait_for(log, "gridgov is up", process, COLD_START_SECONDS + 60)
        took = time.monotonic() - started
        for port in DEFAULT_PORTS.values():
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        assert took < COLD_START_SECONDS * 2, f"up (demo included) after {took:.0f}s"
        _demo_is_there(tmp_path / "var")
        _a_killed_service_comes_back(process.pid, log)
        _a_killed_broker_comes_back(tmp_path / "var", log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
    assert "gridgov stopped." in log.read_text(errors="replace")
    assert not any(embedded.port_open(port) for port in (*DEFAULT_PORTS.values(), 9092))
    _killed_outright_leaves_nothing_and_is_named_next_time(up, env, tmp_path)


def _start(up: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(up, cwd=ROOT, env=env, stdout=out, stderr=out)


def _killed_outright_leaves_nothing_and_is_named_next_time(
    up: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    """`kill -9` of gridgov up: its services and broker end with it; the next start names
    the stack that did not stop and starts cleanly on the same data."""
    first_log, second_log = tmp_path / "up-killed.log", tmp_path / "up-after.log"
    killed = _start(up, env, first_log)
    _wait_for(first_log, "gridgov is up", killed, COLD_START_SECONDS)
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    deadline = time.monotonic() + 20
    while held := [p for p in (*DEFAULT_PORTS.values(), 9092) if embedded.port_open(p)]:
        assert time.monotonic() < deadline, f"ports {held} still held after kill -9"
        time.sleep(0.2)
    after = _start(up, env, second_log)
    try:
        _wait_for(second_log, "gridgov is up", after, COLD_START_SECONDS)
        said = second_log.read_text(errors="replace")
        assert f"found a stack from an earlier run that did not stop (pid {killed.pid}" in said
        _demo_is_there(tmp_path / "var")
    finally:
        after.send_signal(signal.SIGINT)
        after.wait(60)
    assert not (tmp_path / "var" / "stack.pid").exists()


def test_a_taken_port_is_a_clear_error_naming_it_and_its_holder(tmp_path: Path) -> None:
    busy = [port for port in (*DEFAULT_PORTS.values(), 9092) if embedded.port_open(port)]
    if busy:
        pytest.skip(f"ports {busy} are taken (a stack is running here)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "KAFKA_"))}
    up = [sys.executable, "-m", "services.cli", "up", "--var", str(tmp_path / "var")]
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        holder.bind(("127.0.0.1", DEFAULT_PORTS["hazards"]))
        holder.listen()
        done = subprocess.run(up, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"port {DEFAULT_PORTS['hazards']} (hazards) is taken by pid {os.getpid()}" in (
        done.stderr
    )
    assert not any(embedded.port_open(port) for port in (*DEFAULT_PORTS.values(), 9092))


def _a_killed_service_comes_back(up_pid: int, log: Path) -> None:
    found = subprocess.run(
        ["pgrep", "-P", str(up_pid), "-f", "services.cli serve scoring"],
        capture_output=True,
        text=True,
    )
    [scoring_pid] = found.stdout.split()
    os.kill(int(scoring_pid), signal.SIGKILL)
    deadline = time.monotonic() + 60
    while "scoring started again" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        enrollment = httpx.get("http://127.0.0.1:8001/healthz", timeout=5)
        assert enrollment.status_code == 200, "the other services keep serving"
        time.sleep(0.5)
    assert "scoring exited with code -9" in log.read_text(errors="replace")
    while True:
        try:
            if httpx.get("http://127.0.0.1:8004/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "scoring did not come back"
        time.sleep(0.5)


def _a_killed_broker_comes_back(var: Path, log: Path) -> None:
    record = stackfile.read(var)
    assert record is not None, "gridgov up names itself in var/stack.pid"
    os.kill(record.children["broker"], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while "broker started again" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.5)
    assert embedded.port_open(9092)
    renewed = stackfile.read(var)
    assert renewed is not None and renewed.children["broker"] != record.children["broker"]


def _wait_for(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if process.poll() is not None:
            raise AssertionError(f"gridgov up exited:\n{log.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not up in {timeout:.0f}s:\n{log.read_text(errors='replace')}")
        time.sleep(0.5)


def _demo_is_there(var: Path) -> None:
    import json

    secret = json.loads((var / "secrets.json").read_text())["jwt_secret"]
    token = auth.mint_token(
        secret, subject="t", roles=["district_admin"], jurisdiction="320115000000"
    )
    headers = {"Authorization": f"Bearer {token}"}
    units = httpx.get("http://127.0.0.1:8001/v1/units", headers=headers, timeout=5).json()
    assert len(units) >= 9, units
    counted = httpx.get(
        "http://127.0.0.1:8004/v1/units/320115101001/payments", headers=headers, timeout=5
    )
    assert counted.status_code == 200, counted.text
