"""`make up`: the whole system on one machine, embedded servers unless real ones are set.

Like the `gridgov` command that starts it, a composition root: it runs every service and loads
the demo, so it lives in `services/` (libs/common never imports a service).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from libs.common import auth, embedded, processes
from libs.common.settings import DEFAULT_PORTS, SERVICES
from services import stackfile

DEMO_PARTNER = "demo-bank"
BROKER_PORT = 9092


def ensure_secrets(var: Path) -> dict[str, str]:
    """Development secrets, generated once and kept in var/secrets.json (never committed)."""
    path = var / "secrets.json"
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text())
        return data
    data = {
        "jwt_secret": secrets.token_urlsafe(32),
        "pii_key": secrets.token_urlsafe(32),
        "partner_secret": secrets.token_urlsafe(24),
    }
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)
    return data


def stack_environment(var: Path, database_url: str, bootstrap: str) -> dict[str, str]:
    """The environment every service process of the dev stack gets."""
    keys = ensure_secrets(var)
    service_token = auth.mint_token(
        keys["jwt_secret"],
        subject="gridgov-services",
        roles=[auth.Role.SERVICE],
        jurisdiction="000000000000",
        ttl=timedelta(days=365),
    )
    env = {
        "GRIDGOV_ENV": "development",
        "GRIDGOV_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "GRIDGOV_JWT_SECRET": keys["jwt_secret"],
        "GRIDGOV_PII_KEY": keys["pii_key"],
        "GRIDGOV_PARTNER_SECRETS": json.dumps({DEMO_PARTNER: keys["partner_secret"]}),
        "GRIDGOV_SERVICE_TOKEN": service_token,
    }
    for service, port in DEFAULT_PORTS.items():
        env[f"GRIDGOV_{service.upper()}_URL"] = f"http://127.0.0.1:{port}"
    return env


def use_running_stack(var: Path = Path("var")) -> None:
    """Point `gridgov` commands at the stack `make up` runs, unless servers are configured."""
    path = var / "stack.json"
    if "GRIDGOV_DATABASE_URL" in os.environ or not path.exists():
        return
    for name, value in json.loads(path.read_text()).items():
        os.environ.setdefault(name, value)


def run(var: Path) -> None:
    """Start everything, load the demo on first start, keep the services running (a service
    that dies is started again), and stop it all on Ctrl-C or SIGTERM."""
    # Installed explicitly: a shell starting this in the background hands it SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    var.mkdir(parents=True, exist_ok=True)
    (var / "logs").mkdir(exist_ok=True)
    stackfile.claim(var)
    database_url = os.environ.get("GRIDGOV_DATABASE_URL")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    stackfile.ensure_ports_free(DEFAULT_PORTS | ({} if bootstrap else {"broker": BROKER_PORT}))
    pg_server = None
    if not database_url:
        database_url, pg_server = embedded.start_postgres(var / "pg")
    broker = None
    if not bootstrap:
        broker = embedded.start_broker(BROKER_PORT, var / "logs" / "broker.log")
        bootstrap = broker.bootstrap_servers
    stack = stack_environment(var, database_url, bootstrap)
    (var / "stack.json").write_text(json.dumps(stack, indent=2))
    (var / "stack.json").chmod(0o600)
    env = os.environ | stack
    children = Children(env, var, broker)
    try:
        _wait_healthy(children)
        _load_demo_once(var, env)
        _print_banner(env)
        _supervise(children)
    finally:
        children.stop()
        if pg_server is not None:
            pg_server.cleanup()
        stackfile.remove(var, os.getpid())
        print("gridgov stopped.", flush=True)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


class Children:
    """What `gridgov up` started and keeps running: the four services and, unless a broker
    is configured, the embedded broker; recorded in var/stack.pid as they (re)start."""

    def __init__(self, env: dict[str, str], var: Path, broker: embedded.EmbeddedBroker | None):
        self.env = env
        self.var = var
        self.broker = broker
        self.started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.processes = {service: self._spawn_service(service) for service in SERVICES}
        if broker is not None:
            self.processes["broker"] = broker.process
        self.record()

    def start_again(self, name: str) -> None:
        """Start a child that exited (a broker on its own port: it comes back empty, and
        the relays re-create their topics)."""
        if name == "broker":
            assert self.broker is not None
            self.broker = embedded.start_broker(self.broker.port, self.var / "logs" / "broker.log")
            self.processes[name] = self.broker.process
        else:
            self.processes[name] = self._spawn_service(name)
        self.record()

    def record(self) -> None:
        """Write var/stack.pid naming this stack and its children."""
        children = {name: child.pid for name, child in self.processes.items()}
        stackfile.write(self.var, stackfile.StackRecord(os.getpid(), self.started_at, children))

    def stop(self) -> None:
        """SIGTERM the services, then the broker; wait, and kill what does not end."""
        services = [child for name, child in self.processes.items() if name != "broker"]
        _stop(services)
        if self.broker is not None:
            self.broker.stop()

    def _spawn_service(self, service: str) -> subprocess.Popen[bytes]:
        log = open(self.var / "logs" / f"{service}.log", "ab")  # noqa: SIM115
        command = [sys.executable, "-m", "services.cli", "serve", service, "--host", "127.0.0.1"]
        # Each service ends with this process, even one killed outright (processes.py).
        env = self.env | {processes.PARENT_ENV: str(os.getpid())}
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


RESTART_BACKOFF = (1.0, 30.0)
"""The first and the longest wait before a dead service is started again (doubling)."""
STABLE_SECONDS = 60.0
"""A service that ran this long since its last start is restarted after the shortest wait."""


def _wait_healthy(children: Children, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(DEFAULT_PORTS)
    while pending:
        for service, port in list(pending.items()):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    del pending[service]
            except httpx.HTTPError:
                pass
        exited = [name for name, child in children.processes.items() if child.poll() is not None]
        if exited:
            raise SystemExit(f"{', '.join(exited)} exited during start: see var/logs/")
        if time.monotonic() > deadline:
            raise SystemExit(f"not healthy after {timeout:.0f}s: {', '.join(pending)}")
        time.sleep(0.3)


def _load_demo_once(var: Path, env: dict[str, str]) -> None:
    marker = var / "demo-loaded"
    if marker.exists():
        return
    from services import demo

    demo.load(env)
    marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))


def _print_banner(env: dict[str, str]) -> None:
    token = auth.mint_token(
        env["GRIDGOV_JWT_SECRET"],
        subject="demo-district-admin",
        roles=[auth.Role.DISTRICT_ADMIN],
        jurisdiction="320115000000",
    )
    lines = ["", "gridgov is up:"]
    for service, port in DEFAULT_PORTS.items():
        lines.append(f"  {service:<11} http://127.0.0.1:{port}   docs http://127.0.0.1:{port}/docs")
    lines += [
        f"  broker      {env['KAFKA_BOOTSTRAP_SERVERS']}",
        "  logs        var/logs/",
        "",
        "A district-admin token for the demo district (8 h; more with `gridgov token`):",
        f"  {token}",
        "",
        "Try: curl -H 'Authorization: Bearer <token>' "
        "http://127.0.0.1:8004/v1/units/320115101001/payments",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def _supervise(children: Children) -> None:
    """Until Ctrl-C or SIGTERM: a service or the embedded broker that exits is started again
    after a wait that doubles while it keeps dying (RESTART_BACKOFF), and the others keep
    serving."""
    first, longest = RESTART_BACKOFF
    started = dict.fromkeys(children.processes, time.monotonic())
    wait = dict.fromkeys(children.processes, first)
    due: dict[str, float] = {}
    try:
        while True:
            now = time.monotonic()
            for name, child in children.processes.items():
                if name in due or child.poll() is None:
                    continue
                if now - started[name] >= STABLE_SECONDS:
                    wait[name] = first
                due[name] = now + wait[name]
                print(
                    f"{name} exited with code {child.returncode}; starting it again in "
                    f"{wait[name]:.0f} s (see var/logs/{name}.log)",
                    flush=True,
                )
                wait[name] = min(wait[name] * 2, longest)
            for name, at in list(due.items()):
                if now >= at:
                    del due[name]
                    try:
                        children.start_again(name)
                    except (OSError, RuntimeError) as exc:  # e.g. its port still held
                        print(f"{name} could not be started again: {exc}", flush=True)
                        due[name] = now + wait[name]
                        continue
                    started[name] = now
                    print(f"{name} started again", flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
