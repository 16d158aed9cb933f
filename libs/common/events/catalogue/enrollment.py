"""Events produced by the enrollment service (topic `gridgov.enrollment`)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from libs.common.events.catalogue.common import (
    Count,
    ExternalRef,
    Money,
    Note,
    PersonKey,
    PositiveMoney,
    Slug,
    Year,
)
from libs.common.events.envelope import Event
from libs.common.identifiers import CreditCode, UnitCode


class EnrollmentState(StrEnum):
    """State of a person in a scheme-year."""

    PROSPECT = "prospect"
    REGISTERED = "registered"
    PAID = "paid"
    UNPAID = "unpaid"
    INTERRUPTED = "interrupted"
    RESUMED = "resumed"
    SEALED = "sealed"
    DUPLICATE = "duplicate"
    TERMINATED = "terminated"


class Channel(StrEnum):
    """The path a payment arrived by."""

    REST = "rest"
    TOPIC = "topic"
    FILE = "file"


class TaskKind(StrEnum):
    """What a unit's task counts."""

    PERSONS = "persons"
    AMOUNT = "amount"


class _EnrollmentEvent(Event):
    service: ClassVar[str] = "enrollment"

    unit_code: UnitCode = Field(description="Village or community the person is enrolled in.")
    scheme: Slug = Field(description="Scheme code, e.g. `resident_medical`.")
    year: Year = Field(description="Scheme year.")


class PersonEnrolled(_EnrollmentEvent):
    """A person was enrolled in a scheme for a year."""

    type: ClassVar[str] = "gridgov.enrollment.person.enrolled.v1"
    aggregate_field: ClassVar[str] = "enrollment_id"

    enrollment_id: uuid.UUID = Field(description="The enrollment (person × scheme × year).")
    person_key: PersonKey = Field(description="Keyed hash of the person's resident ID number.")
    tier: Slug | None = Field(None, description="Chosen contribution tier, if already known.")
    state: EnrollmentState = Field(description="State the enrollment starts in.")
    subsidy_category: Slug | None = Field(
        None, description="The one subsidy category applied (highest only), if any."
    )
    enrolled_at: AwareDatetime = Field(description="When the enrollment was created.")


class EnrollmentStatusChanged(_EnrollmentEvent):
    """An enrollment moved from one lifecycle state to another."""

    type: ClassVar[str] = "gridgov.enrollment.enrollment.status_changed.v1"
    aggregate_field: ClassVar[str] = "enrollment_id"

    enrollment_id: uuid.UUID = Field(description="The enrollment.")
    person_key: PersonKey = Field(description="Keyed hash of the person's resident ID number.")
    from_state: EnrollmentState = Field(description="State before the change.")
    to_state: EnrollmentState = Field(description="State after the change.")
    reason: Note | None = Field(None, description="Why, e.g. insured elsewhere.")
    changed_at: AwareDatetime = Field(description="When the change took effect.")


class _PaymentEvent(_EnrollmentEvent):
    """What every event about one payment entry of the ledger carries."""

    aggregate_field: ClassVar[str] = "payment_id"

    payment_id: uuid.UUID = Field(description="The ledger entry.")
    enrollment_id: uuid.UUID = Field(description="The enrollment the payment was matched to.")
    partner_id: Slug = Field(description="The partner system (tax office, bank).")
    partner_txn_id: ExternalRef = Field(description="The partner's transaction or receipt no.")
    person_key: PersonKey = Field(description="Keyed hash of the person's resident ID number.")
    amount: PositiveMoney = Field(description="Amount paid, in yuan.")
    paid_at: AwareDatetime = Field(description="When the person paid.")
    channel: Channel = Field(description="How the payment arrived.")


class PaymentRecorded(_PaymentEvent):
    """A partner payment was recorded in the ledger (once, whatever the delivery count)."""

    type: ClassVar[str] = "gridgov.enrollment.payment.recorded.v1"

    tier: Slug | None = Field(None, description="Tier the payment was made for, if stated.")
    deposited_at: AwareDatetime | None = Field(
        description="When the money reached the fund account; None while unconfirmed."
    )
    completes_person: bool = Field(
        description="Whether this payment made the person count as paid (they did not "
        "before); one event per such move, so counting them counts each person once."
    )


class PaymentDeposited(_PaymentEvent):
    """A payment recorded without its deposit was later confirmed deposited in the fund."""

    type: ClassVar[str] = "gridgov.enrollment.payment.deposited.v1"

    deposited_at: AwareDatetime = Field(description="When the money reached the fund account.")
    completes_person: bool = Field(
        description="Whether this deposit made the person count as paid (they did not "
        "before); one event per such move."
    )


class PaymentReversed(_EnrollmentEvent):
    """A recorded payment was reversed (冲正) by a compensating entry."""

    type: ClassVar[str] = "gridgov.enrollment.payment.reversed.v1"
    aggregate_field: ClassVar[str] = "payment_id"

    reversal_id: uuid.UUID = Field(description="The compensating ledger entry.")
    payment_id: uuid.UUID = Field(description="The original payment that is reversed.")
    enrollment_id: uuid.UUID = Field(description="The enrollment of the original payment.")
    partner_id: Slug = Field(description="The partner system.")
    partner_txn_id: ExternalRef = Field(description="The partner's id of the reversal.")
    original_partner_txn_id: ExternalRef = Field(description="The partner's id of the original.")
    person_key: PersonKey = Field(description="Keyed hash of the person's resident ID number.")
    amount: PositiveMoney = Field(description="Amount reversed, in yuan.")
    reopens_person: bool = Field(
        description="Whether this reversal made the person no longer count as paid (they "
        "did before); one event per such move."
    )
    deposit_reversed: bool = Field(
        True,
        description="Whether the reversed payment's money had reached the fund account, so "
        "the reversal takes it back out of the yuan deposited (false: it never counted). "
        "True on events published before this field.",
    )
    reason: Note | None = Field(None, description="Reason given by the partner.")
    reversed_at: AwareDatetime = Field(description="When the reversal took effect.")
    channel: Channel = Field(description="How the reversal arrived.")


class _ArrearsEvent(_EnrollmentEvent):
    arrears_id: uuid.UUID = Field(description="The arrears record.")
    person_key: PersonKey | None = Field(None, description="The person in arrears, if a person.")
    credit_code: CreditCode | None = Field(None, description="The entity in arrears, if one.")

    @model_validator(mode="after")
    def _one_debtor(self) -> _ArrearsEvent:
        if (self.person_key is None) == (self.credit_code is None):
            raise ValueError("exactly one of person_key and credit_code is required")
        return self


class ArrearsAssessed(_ArrearsEvent):
    """Arrears (unpaid after the window, or an entity's unpaid contributions) were assessed."""

    type: ClassVar[str] = "gridgov.enrollment.arrears.assessed.v1"
    aggregate_field: ClassVar[str] = "arrears_id"

    amount_due: PositiveMoney = Field(description="Amount owed, in yuan.")
    late_fee_deferred: bool = Field(False, description="Late fees deferred during a campaign.")
    assessed_at: AwareDatetime = Field(description="When the arrears were assessed.")


class ArrearsCleared(_ArrearsEvent):
    """Assessed arrears were paid off or otherwise cleared."""

    type: ClassVar[str] = "gridgov.enrollment.arrears.cleared.v1"
    aggregate_field: ClassVar[str] = "arrears_id"

    amount_paid: Money = Field(description="Amount paid to clear them, in yuan.")
    payment_id: uuid.UUID | None = Field(None, description="The payment that cleared them.")
    cleared_at: AwareDatetime = Field(description="When the arrears were cleared.")


class ProgressChanged(_EnrollmentEvent):
    """A unit's progress toward its task changed (counts cover the unit's whole subtree)."""

    type: ClassVar[str] = "gridgov.enrollment.progress.changed.v1"
    aggregate_field: ClassVar[str] = "unit_code"

    unit_code: UnitCode = Field(description="The unit (any level) the counts are for.")
    completed_persons: Count = Field(description="Persons whose payment was deposited in time.")
    enrolled_persons: Count = Field(description="Persons enrolled for the scheme-year.")
    task_kind: TaskKind = Field(description="Whether the task counts persons or yuan.")
    task: Money = Field(description="The task (任务数) set by the level above.")
    deposited_amount: Money = Field(description="Yuan deposited in the fund account.")
    as_of: AwareDatetime = Field(description="The time the counts are valid at.")
