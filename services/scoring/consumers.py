"""Event handlers of the scoring service: thin adapters from events to use cases."""

from __future__ import annotations

from libs.common.consumer import Handler
from libs.common.db import UnitOfWork
from libs.common.events.catalogue.enrollment import PaymentRecorded
from libs.common.events.envelope import Envelope
from services.scoring import service


async def on_payment_recorded(uow: UnitOfWork, event: PaymentRecorded, _: Envelope) -> None:
    """A payment moves its unit's metrics."""
    await service.count_payment(uow, event)


HANDLERS: dict[str, Handler] = {
    PaymentRecorded.type: on_payment_recorded,
}
