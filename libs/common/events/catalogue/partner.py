"""Events partner tax and bank systems produce to `gridgov.partner.payments`.

A payment notice carries the raw resident ID number: only enrollment consumes this topic, and
it stores the number encrypted and passes on only its keyed hash.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from libs.common.events.catalogue.common import ExternalRef, Note, PositiveMoney, Slug, Year
from libs.common.events.envelope import Event
from libs.common.identifiers import ResidentId, UnitCode

PARTNER_PAYMENTS_TOPIC = "gridgov.partner.payments"


class _PartnerEvent(Event):
    service: ClassVar[str] = "partner"

    partner_id: Slug = Field(description="The partner system, as registered with gridgov.")
    partner_txn_id: ExternalRef = Field(
        description="The partner's transaction or receipt number; unique per partner."
    )

    @classmethod
    def topic(cls) -> str:
        """Partners share one topic for payments."""
        return PARTNER_PAYMENTS_TOPIC


class PartnerPaymentMade(_PartnerEvent):
    """A partner collected a contribution (keyed by its transaction number)."""

    type: ClassVar[str] = "gridgov.partner.payment.made.v1"
    aggregate_field: ClassVar[str] = "partner_txn_id"

    resident_id: ResidentId | None = Field(
        None, description="The payer's resident ID number, if no enrollment reference."
    )
    enrollment_ref: ExternalRef | None = Field(
        None, description="The enrollment id gridgov gave the payer, if no ID number."
    )
    unit_code: UnitCode = Field(description="The payer's village or community.")
    scheme: Slug = Field(description="Scheme code.")
    year: Year = Field(description="Scheme year.")
    tier: Slug | None = Field(None, description="Tier paid for, if the partner knows it.")
    amount: PositiveMoney = Field(description="Amount paid, in yuan (a decimal string).")
    paid_at: AwareDatetime = Field(description="When the payer paid.")
    deposited_at: AwareDatetime = Field(description="When the money reached the fund account.")

    @model_validator(mode="after")
    def _one_payer_reference(self) -> PartnerPaymentMade:
        if (self.resident_id is None) == (self.enrollment_ref is None):
            raise ValueError("exactly one of resident_id and enrollment_ref is required")
        return self


class PartnerPaymentReversed(_PartnerEvent):
    """A partner reversed (冲正) an earlier payment (keyed by the original's number)."""

    type: ClassVar[str] = "gridgov.partner.payment.reversed.v1"
    aggregate_field: ClassVar[str] = "original_txn_id"

    original_txn_id: ExternalRef = Field(description="The reversed payment's `partner_txn_id`.")
    amount: PositiveMoney = Field(description="Amount reversed, in yuan.")
    reason: Note | None = Field(None, description="Why the payment was reversed.")
    reversed_at: AwareDatetime = Field(description="When the reversal took effect.")
