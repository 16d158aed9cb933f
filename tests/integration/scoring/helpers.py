"""Events, codes and campaign definitions the scoring tests share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from libs.common.event_handlers import Delivery
from libs.common.events.catalogue.enrollment import (
    ArrearsAssessed,
    ArrearsCleared,
    PaymentRecorded,
    PaymentReversed,
    ProgressChanged,
)
from libs.common.events.catalogue.hazards import HazardClosed, HazardOverdue, HazardReported
from libs.common.events.envelope import Envelope, Event
from libs.common.identifiers import credit_code_check_char
from libs.common.platform_schema import outbox
from libs.common.service import Runtime
from tests.conftest import bearer

DISTRICT = "320115000000"
TOWN = "320115101000"
OTHER_TOWN = "320115102000"
VILLAGES = [
    "320115101001",
    "320115101002",
    "320115102001",
    "320115102002",
    "320115103001",
    "320115103002",
]
ADMIN = bearer(["district_admin"], DISTRICT)
YEAR = 2027
SCHEME = "resident-medical"
PENSION_SCHEME = "resident-pension"


def at(month: int, day: int, year: int = YEAR) -> datetime:
    """Noon UTC of a day in the campaign year."""
    return datetime(year, month, day, 4, tzinfo=UTC)


def credit_code(n: int) -> str:
    """A valid unified social credit code."""
    first17 = f"91320115MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def progress(
    unit: str,
    completed: int,
    task: int,
    when: datetime,
    amount: Decimal | None = None,
    task_kind: str = "persons",
    scheme: str = SCHEME,
) -> ProgressChanged:
    """A progress.changed as enrollment emits it after a deposited completion (scoring
    takes the task from it; persons and yuan come from the payments' deposits)."""
    return ProgressChanged(
        unit_code=unit,
        scheme=scheme,
        year=YEAR,
        completed_persons=completed,
        enrolled_persons=max(completed, 1),
        task_kind=task_kind,
        task=Decimal(task),
        deposited_amount=amount if amount is not None else Decimal(completed * 380),
        as_of=when,
    )


def payment(
    unit: str, amount: str, when: datetime, completes: bool = True, scheme: str = SCHEME
) -> PaymentRecorded:
    """A payment.recorded of one person."""
    return PaymentRecorded(
        payment_id=uuid.uuid4(),
        enrollment_id=uuid.uuid4(),
        partner_id="test-bank",
        partner_txn_id=uuid.uuid4().hex[:20],
        person_key="a" * 64,
        unit_code=unit,
        scheme=scheme,
        year=YEAR,
        amount=Decimal(amount),
        paid_at=when,
        deposited_at=when,
        completes_person=completes,
        channel="rest",
    )


def deposits(
    unit: str,
    persons: int,
    when: datetime,
    per_capita: str = "600.00",
    task: int | None = None,
    scheme: str = SCHEME,
) -> list[Event]:
    """`persons` persons of `unit` completed by money deposited at `when`, one payment each
    (what the persons and money metrics count, by deposit time); with `task`, enrollment's
    figures stating the unit's task first."""
    paid: list[Event] = [payment(unit, per_capita, when, scheme=scheme) for _ in range(persons)]
    return paid if task is None else [progress(unit, 0, task, when, scheme=scheme), *paid]


def reversal(paid: PaymentRecorded, when: datetime) -> PaymentReversed:
    """The payment.reversed (冲正) of a whole payment."""
    return PaymentReversed(
        reversal_id=uuid.uuid4(),
        payment_id=paid.payment_id,
        enrollment_id=paid.enrollment_id,
        partner_id=paid.partner_id,
        partner_txn_id=f"R{paid.partner_txn_id}"[:64],
        original_partner_txn_id=paid.partner_txn_id,
        person_key=paid.person_key,
        unit_code=paid.unit_code,
        scheme=paid.scheme,
        year=paid.year,
        amount=paid.amount,
        reopens_person=paid.completes_person,
        reversed_at=when,
        channel="rest",
    )


def arrears(unit: str, code: str, when: datetime, arrears_id: uuid.UUID) -> ArrearsAssessed:
    """An entity's contribution arrears assessed."""
    return ArrearsAssessed(
        arrears_id=arrears_id,
        credit_code=code,
        unit_code=unit,
        scheme=SCHEME,
        year=YEAR,
        amount_due=Decimal("5000.00"),
        assessed_at=when,
    )


def arrears_cleared(unit: str, code: str, when: datetime, arrears_id: uuid.UUID) -> ArrearsCleared:
    """The same arrears paid off."""
    return ArrearsCleared(
        arrears_id=arrears_id,
        credit_code=code,
        unit_code=unit,
        scheme=SCHEME,
        year=YEAR,
        amount_paid=Decimal("5000.00"),
        cleared_at=when,
    )


def hazard_overdue(unit: str, code: str | None, when: datetime) -> Any:
    """A hazard.overdue (a credit item; the overdue-hazards metric)."""
    return HazardOverdue(
        hazard_id=uuid.uuid4(),
        credit_code=code,
        unit_code=unit,
        severity="general",
        deadline=when,
        detected_at=when,
    )


def hazard_reported(unit: str, code: str | None, when: datetime, major: bool = False) -> Any:
    """A hazard.reported (major ones become credit items)."""
    return HazardReported(
        hazard_id=uuid.uuid4(),
        credit_code=code,
        unit_code=unit,
        severity="major" if major else "general",
        sector="gas",
        source="grid_inspection",
        mode="deadline",
        deadline=when,
        description="leaking valve",
        reported_by="gm-1",
        reported_at=when,
    )


def hazard_closed(unit: str, code: str | None, when: datetime, on_time: bool = True) -> Any:
    """A hazard.closed as the hazards service emits it."""
    return HazardClosed(
        hazard_id=uuid.uuid4(),
        credit_code=code,
        unit_code=unit,
        severity="general",
        sector="gas",
        mode="deadline",
        reported_at=when,
        closed_at=when,
        on_time=on_time,
        repeat_count=0,
        closed_by="gm-1",
    )


def delivery(event: Event | Envelope) -> Delivery:
    """A Kafka delivery of an event."""
    envelope = event if isinstance(event, Envelope) else Envelope.wrap(event)
    return Delivery(
        topic=f"gridgov.{envelope.source.rsplit('/', 1)[-1]}",
        value=envelope.model_dump_json().encode(),
        key=envelope.subject.encode(),
    )


async def apply(runtime: Runtime, *events: Event | Envelope) -> list[str]:
    """Feed events to the scoring applier as one batch."""
    return await runtime.applier().apply([delivery(e) for e in events])


async def emitted(runtime: Runtime, type_suffix: str) -> list[dict[str, Any]]:
    """The envelopes scoring wrote to its outbox whose type contains `type_suffix`."""
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.type, outbox.c.envelope))).all()
    return [r.envelope for r in rows if type_suffix in r.type]


def units(names: list[str] | None = None, task: int = 100, **extra: Any) -> list[dict[str, Any]]:
    """Campaign units over the demo villages (all in the `villages` pool)."""
    return [
        {"unit_code": code, "name": f"村{i}", "category": "village", "task": task, **extra}
        for i, code in enumerate(names or VILLAGES)
    ]


def medical_campaign(code: str = "rm-2027", **overrides: Any) -> dict[str, Any]:
    """The resident-medical enrollment campaign on the bundled policy."""
    body: dict[str, Any] = {
        "code": code,
        "name": "居民医保参保征缴",
        "scope_unit": DISTRICT,
        "year": YEAR,
        "scheme": SCHEME,
        "policy_file": "campaign_resident_medical.v1",
        "units": units(),
    }
    body.update(overrides)
    return body


def pension_campaign(code: str = "rm-2027", **overrides: Any) -> dict[str, Any]:
    """The resident-pension enrollment campaign on its bundled policy (per-capita rules)."""
    body = medical_campaign(
        code,
        name="城乡居民养老保险参(续)保",
        scheme=PENSION_SCHEME,
        policy_file="campaign_resident_pension.v1",
    )
    body.update(overrides)
    return body


def safety_policy() -> dict[str, Any]:
    """A safety campaign: villages ranked by hazards closed on time (a count)."""
    return {
        "version": "campaign_safety.v1",
        "name": "安全生产隐患销号",
        "subject": "village",
        "metric": "hazards_closed_on_time",
        "formula": "count",
        "cadences": ["weekly_friday", "monthly", "quarterly"],
        "pools": [{"code": "villages", "label": "村(居)", "unit_categories": ["village"]}],
        "phase": {"starts": "01-01", "ends": "12-31"},
    }


def safety_campaign(code: str = "safety-2027") -> dict[str, Any]:
    """The safety campaign over the six villages."""
    return {
        "code": code,
        "name": "安全生产",
        "scope_unit": DISTRICT,
        "year": YEAR,
        "policy": safety_policy(),
        "units": units(task=10),
    }


def ranking_of(body: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """unit code → (rank, score) of a ranking response."""
    return {u["unit_code"]: (u["rank"], u["score"]) for u in body["units"]}
