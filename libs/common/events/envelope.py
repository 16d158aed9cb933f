"""CloudEvents 1.0 envelope and the base class of every gridgov event.

An event type is a pydantic model that subclasses `Event` and names, as class variables,
its versioned CloudEvents `type`, the producing service and the field that identifies its
aggregate. The aggregate id becomes the CloudEvents `subject` and the Kafka message key, so
that one record's events stay in order on one partition.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


def topic_of(service: str) -> str:
    """The Kafka topic a service produces its events to."""
    return f"gridgov.{service}"


class Event(BaseModel):
    """Base of every event's `data`: immutable, named in the past tense, versioned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    """Versioned CloudEvents type, e.g. `gridgov.hazards.hazard.closed.v1`."""
    service: ClassVar[str]
    """The producing service (enrollment, hazards, grid, scoring, partner)."""
    aggregate_field: ClassVar[str]
    """Name of the field whose value is the aggregate id (subject and message key)."""

    def subject(self) -> str:
        """The aggregate id this event is about."""
        return str(getattr(self, self.aggregate_field))

    @classmethod
    def topic(cls) -> str:
        """The topic this event type is published to."""
        return topic_of(cls.service)


class Envelope(BaseModel):
    """CloudEvents 1.0 structured-mode envelope, serialised as the Kafka message value."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    specversion: str = SPEC_VERSION
    datacontenttype: str = CONTENT_TYPE
    data: dict[str, Any]
    requestid: str | None = None
    """CloudEvents extension: the request id that caused the event, carried into logs."""

    @classmethod
    def wrap(cls, event: Event, *, request_id: str | None = None) -> Envelope:
        """Wrap an event in a new envelope with a fresh id and the current time."""
        return cls(
            source=f"/gridgov/{event.service}",
            type=event.type,
            subject=event.subject(),
            data=event.model_dump(mode="json"),
            requestid=request_id,
        )
