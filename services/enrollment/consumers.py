"""The events enrollment consumes, and the use case each goes to.

Partner payment events go into the same ledger use case as the webhook and the file; a
partner's event counts only when it carries the partner's signature (the envelope
extension `partnersignature`, see docs/enrollment.md), since anyone able to produce to
the topic could otherwise post or reverse payments in a partner's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from libs.common import auth
from libs.common.db import UnitOfWork
from libs.common.event_handlers import EventHandlers
from libs.common.events.catalogue.grid import UnitUpserted
from libs.common.events.catalogue.partner import PartnerPaymentMade, PartnerPaymentReversed
from libs.common.events.envelope import Envelope
from libs.common.pii import PiiVault
from libs.common.settings import ServiceSettings
from services.enrollment.partners.directory import (
    PartnerCache,
    Snapshot,
    configured_secrets,
    load,
)
from services.enrollment.partners.keys import SecretBox
from services.enrollment.payments import service as payments
from services.enrollment.units import service as units

PartnerEvent = PartnerPaymentMade | PartnerPaymentReversed


async def on_unit_upserted(uow: UnitOfWork, event: UnitUpserted, _: Envelope) -> None:
    """Grid's units are the ones payments and tasks may name."""
    await units.learn_unit(uow, event)


@dataclass(frozen=True)
class PartnerPayments:
    """Partner payment events, checked with the partners' secrets as the partner table has
    them (through a cache, as the API reads them): a disabled or unknown partner's event
    is refused like an unsigned one, and dead-lettered."""

    vault: PiiVault
    box: SecretBox
    configured: dict[str, str]
    cache: PartnerCache = field(compare=False)

    async def on_payment(self, uow: UnitOfWork, event: PartnerEvent, envelope: Envelope) -> None:
        """A partner's signed payment or reversal from the topic, into the one ledger."""
        signature = (envelope.model_extra or {}).get("partnersignature")

        async def read(now: float) -> Snapshot:
            return await load(uow.session, self.box, self.configured, now)

        secrets = await self.cache.secrets(read)
        auth.verify_event_signature(secrets, event.partner_id, envelope.data, signature)
        await payments.record_from_topic(uow, event, envelope.id, self.vault)


def event_handlers(settings: ServiceSettings) -> EventHandlers:
    """Enrollment's handlers, with this service's PII key and partner directory."""
    key = settings.pii_key.get_secret_value()
    partners = PartnerPayments(
        PiiVault(key),
        SecretBox(key),
        configured_secrets(settings),
        PartnerCache(settings.partner_cache_seconds),
    )
    return EventHandlers(
        on={
            UnitUpserted: on_unit_upserted,
            PartnerPaymentMade: partners.on_payment,
            PartnerPaymentReversed: partners.on_payment,
        }
    )
