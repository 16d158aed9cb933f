"""Event handlers of the enrollment service: thin adapters from events to use cases.

Partner payment events go into the same ledger use case as the webhook and the file.
"""

from __future__ import annotations

import os
from functools import lru_cache

from libs.common.consumer import Handler
from libs.common.db import UnitOfWork
from libs.common.events.catalogue.grid import UnitUpserted
from libs.common.events.catalogue.partner import PartnerPaymentMade, PartnerPaymentReversed
from libs.common.events.envelope import Envelope
from libs.common.pii import PiiVault
from libs.common.settings import load_settings
from services.enrollment.payments import service as payments
from services.enrollment.units import service as units


@lru_cache(maxsize=4)
def _vault(key: str) -> PiiVault:
    return PiiVault(key)


def vault() -> PiiVault:
    """The PII vault of this process (handlers receive no settings: see docs/enrollment.md)."""
    key = (
        os.environ.get("GRIDGOV_PII_KEY") or load_settings("enrollment").pii_key.get_secret_value()
    )
    return _vault(key)


async def on_unit_upserted(uow: UnitOfWork, event: UnitUpserted, _: Envelope) -> None:
    """Grid's units are the ones payments and tasks may name."""
    await units.learn_unit(uow, event)


async def on_partner_payment(
    uow: UnitOfWork, event: PartnerPaymentMade | PartnerPaymentReversed, envelope: Envelope
) -> None:
    """A partner's payment or reversal from the topic, into the one ledger."""
    await payments.record_from_topic(uow, event, envelope.id, vault())


HANDLERS: dict[str, Handler] = {
    UnitUpserted.type: on_unit_upserted,
    PartnerPaymentMade.type: on_partner_payment,
    PartnerPaymentReversed.type: on_partner_payment,
}
