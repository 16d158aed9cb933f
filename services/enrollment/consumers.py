"""Event handlers of the enrollment service: thin adapters from events to use cases.

Partner payment events go into the same ledger use case as the webhook and the file; a
partner's event counts only when it carries the partner's signature (the envelope
extension `partnersignature`, see docs/enrollment.md), since anyone able to produce to
the topic could otherwise post or reverse payments in a partner's name.
"""

from __future__ import annotations

from collections.abc import Mapping

from libs.common import auth
from libs.common.consumer import Handler
from libs.common.db import UnitOfWork
from libs.common.events.catalogue.grid import UnitUpserted
from libs.common.events.catalogue.partner import PartnerPaymentMade, PartnerPaymentReversed
from libs.common.events.envelope import Envelope
from libs.common.pii import PiiVault
from libs.common.settings import ServiceSettings
from services.enrollment.payments import service as payments
from services.enrollment.units import service as units

PartnerEvent = PartnerPaymentMade | PartnerPaymentReversed


async def on_unit_upserted(uow: UnitOfWork, event: UnitUpserted, _: Envelope) -> None:
    """Grid's units are the ones payments and tasks may name."""
    await units.learn_unit(uow, event)


def make_handlers(settings: ServiceSettings) -> Mapping[str, Handler]:
    """The handlers, with this service's PII key and partner secrets."""
    vault = PiiVault(settings.pii_key.get_secret_value())
    secrets = {k: v.get_secret_value() for k, v in settings.partner_secrets.items()}

    async def on_partner_payment(uow: UnitOfWork, event: PartnerEvent, envelope: Envelope) -> None:
        """A partner's signed payment or reversal from the topic, into the one ledger."""
        signature = (envelope.model_extra or {}).get("partnersignature")
        auth.verify_event_signature(secrets, event.partner_id, envelope.data, signature)
        await payments.record_from_topic(uow, event, envelope.id, vault)

    return {
        UnitUpserted.type: on_unit_upserted,
        PartnerPaymentMade.type: on_partner_payment,
        PartnerPaymentReversed.type: on_partner_payment,
    }
