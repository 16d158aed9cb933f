"""What a service declares about the events it consumes, and what a delivery is.

A service names, in its `consumers.py`, one handler per event class it consumes and,
optionally, what it does once per batch (`EventHandlers`). The platform decodes each
delivery, looks its class up here and calls the handler with a unit of work in the batch's
transaction; then, in the same transaction and before the commit, it calls `end_batch` with
what the handlers of the events applied returned. Nothing else runs at commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import UnitOfWork
from libs.common.events.envelope import Envelope, Event

Handler = Callable[[UnitOfWork, Any, Envelope], Awaitable[Any]]
"""`handler(uow, event, envelope)`: runs the event's use case; what it returns is handed to
the service's `end_batch` once the event is applied."""

EndBatch = Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]
"""`end_batch(session, results)`: the results of the events applied in this batch, in the
order they were applied, written in the batch's transaction before it commits."""


async def nothing_at_batch_end(session: AsyncSession, results: Sequence[Any]) -> None:
    """The batch end of a service whose handlers write everything themselves."""


@dataclass(frozen=True)
class EventHandlers:
    """The events a service consumes: a handler per event class, and its batch end."""

    on: Mapping[type[Event], Handler]
    end_batch: EndBatch = nothing_at_batch_end
    by_type: Mapping[str, Handler] = field(init=False, repr=False)
    """The handlers by CloudEvents `type`, as deliveries name them."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_type", {model.type: h for model, h in self.on.items()})


@dataclass(frozen=True)
class Delivery:
    """One message as received, before decoding."""

    topic: str
    value: bytes
    key: bytes | None = None
    partition: int | None = None
    offset: int | None = None


TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "08000", "08003", "08006"})
"""Serialization failure, deadlock, lock timeout, admin shutdown, connection failures."""


def is_transient(exc: BaseException) -> bool:
    """True for a database error that says nothing about the event: try the batch again."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return sqlstate in TRANSIENT_SQLSTATES
    return isinstance(exc, ConnectionError | TimeoutError)
