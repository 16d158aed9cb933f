"""What `/readyz` checks beyond reachability: that the service can publish its events and
that its consumers move.

A service whose database and broker answer can still be useless to the others: its relay
cannot publish (a broker that refuses produce requests, a relay in backoff), or its consumer
is stuck behind a batch it never finishes. Each check returns its verdict and the figures
that led to it, for the problem document `/readyz` answers with and for the gauges.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from libs.common import outbox as outbox_rows
from libs.common.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE

if TYPE_CHECKING:
    from libs.common.service import Runtime


@dataclass(frozen=True)
class Check:
    """One readiness check: passed or not, why, and its figures."""

    ok: bool
    reason: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


async def outbox_check(runtime: Runtime) -> Check:
    """Fails when the oldest unpublished outbox row has waited longer than the bound: the
    relay cannot publish (a healthy relay publishes within milliseconds of the commit).
    Sets the backlog gauges on the way."""
    async with runtime.engine.connect() as conn:
        backlog, oldest_age = await outbox_rows.pending(conn)
    service = runtime.spec.name
    OUTBOX_BACKLOG.labels(service).set(backlog)
    OUTBOX_OLDEST_AGE.labels(service).set(oldest_age)
    bound = runtime.settings.ready_outbox_max_age_seconds
    figures = {
        "backlog": backlog,
        "oldest_unpublished_age_seconds": round(oldest_age, 1),
        "bound_seconds": bound,
    }
    if oldest_age <= bound:
        return Check(True, figures=figures)
    reason = (
        f"cannot publish: {backlog} outbox event(s) unpublished, the oldest for "
        f"{oldest_age:.0f} s (bound {bound:g} s)"
    )
    return Check(False, reason, figures)


def consumer_check(runtime: Runtime, now: float | None = None) -> Check:
    """Fails when the consumer is behind and has applied no batch for longer than the bound.
    A service that consumes nothing, or whose workers run elsewhere, passes."""
    consumer = runtime.consumer
    if consumer is None:
        return Check(True, figures={"running": False})
    now = time.time() if now is None else now
    stalled = consumer.stalled_seconds(now)
    behind = consumer.behind()
    bound = runtime.settings.ready_consumer_stall_seconds
    figures = {
        "running": True,
        "behind": behind,
        "in_flight": consumer.in_flight,
        "seconds_since_progress": round(max(now - consumer.last_progress, 0.0), 1),
        "bound_seconds": bound,
    }
    if stalled <= bound:
        return Check(True, figures=figures)
    reason = (
        f"consumer stuck: {behind} message(s) not applied and no batch applied for "
        f"{stalled:.0f} s (bound {bound:g} s)"
    )
    return Check(False, reason, figures)


@dataclass(frozen=True)
class Report:
    """Every check's verdict, the figures behind them, and why the service is not ready."""

    checks: dict[str, bool]
    figures: dict[str, dict[str, Any]]
    reasons: dict[str, str]

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(self.checks.values())

    @property
    def detail(self) -> str:
        """The failed checks and why, in one sentence for the problem document."""
        return "; ".join(f"{name}: {reason}" for name, reason in self.reasons.items())


async def evaluate(runtime: Runtime, *, database: bool, broker: bool) -> Report:
    """The readiness report, given the reachability of the database and the broker."""
    checks = {"database": database, "broker": broker}
    reasons: dict[str, str] = {}
    figures: dict[str, dict[str, Any]] = {}
    if not database:
        reasons["database"] = "unreachable"
    if not broker:
        reasons["broker"] = f"unreachable at {runtime.settings.kafka_bootstrap_servers}"
    if database:
        try:
            outbox = await outbox_check(runtime)
        except Exception as exc:  # the database went away between the two checks
            outbox = Check(False, f"not measured: {exc!r}"[:300])
    else:
        outbox = Check(False, "not measured: the database is unreachable")
    consumers = consumer_check(runtime)
    for name, check in (("outbox", outbox), ("consumers", consumers)):
        checks[name] = check.ok
        figures[name] = check.figures
        if not check.ok:
            reasons[name] = check.reason
    return Report(checks, figures, reasons)
