"""Prometheus metrics shared by every service, and the HTTP middleware that feeds them."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.common.asgi import HttpMiddleware

HTTP_REQUESTS = Counter(
    "http_requests", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_unpublished_age_seconds",
    "Age of the oldest outbox row not yet published (0 when none waits)",
    ["service"],
)
RELAY_PUBLISH_FAILURES = Counter(
    "relay_publish_failures",
    "Times the outbox relay failed to publish (database or broker error) and backed off",
    ["service"],
)
EVENTS_PUBLISHED = Counter("events_published", "Events published", ["service", "type"])
EVENTS_CONSUMED = Counter(
    "events_consumed", "Events consumed, by outcome", ["service", "type", "outcome"]
)
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered", "Events sent to the dead-letter topic", ["service", "type"]
)
CONSUMER_LAG = Gauge(
    "consumer_lag", "Messages behind the log end", ["service", "topic", "partition"]
)
CONSUMER_LAST_PROGRESS = Gauge(
    "consumer_last_progress_timestamp_seconds",
    "Unix time the Kafka consumer last applied a batch (or started consuming)",
    ["service"],
)
EVENT_PROCESSING = Histogram(
    "event_processing_seconds",
    "Time from an event's creation to its effect being committed",
    ["service"],
    buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30),
)


class MetricsMiddleware(HttpMiddleware):
    """Counts requests and times them by route template (not raw path) and status."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        super().__init__(app)
        self.service = service

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = {"code": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_template(scope)
            labels: dict[str, Any] = {"service": self.service, "method": scope["method"]}
            HTTP_LATENCY.labels(route=route, **labels).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(route=route, status=str(status["code"]), **labels).inc()


def _route_template(scope: Scope) -> str:
    """The matched route's template with its router's prefix, e.g. `/v1/units/{unit_code}`.

    An included router's routes know only their own path; the prefix is static, so it is
    the leading segments of the request path that the template does not account for.
    """
    template = getattr(scope.get("route"), "path", None)
    if not template:
        return "unmatched"
    path_parts = scope["path"].strip("/").split("/")
    template_parts = template.strip("/").split("/")
    prefix = path_parts[: max(len(path_parts) - len(template_parts), 0)]
    return "/" + "/".join([*prefix, *template_parts]) if prefix else template
