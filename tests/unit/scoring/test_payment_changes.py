"""How enrollment's payment events move a money-collected campaign metric."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from libs.common.events.catalogue.enrollment import PaymentDeposited, PaymentRecorded
from services.scoring.domain.metrics import MetricKind
from services.scoring.metric_changes import METRIC_EVENTS, change_of

PAID = datetime(2026, 11, 3, 9, tzinfo=UTC)
DEPOSITED = datetime(2026, 11, 5, 9, tzinfo=UTC)
PAYMENT = {
    "payment_id": uuid.uuid4(),
    "enrollment_id": uuid.uuid4(),
    "partner_id": "tax",
    "partner_txn_id": "T-1",
    "person_key": "a" * 64,
    "unit_code": "320115101001",
    "scheme": "resident_medical",
    "year": 2027,
    "amount": Decimal("320.00"),
    "paid_at": PAID,
    "channel": "rest",
}


def test_money_counts_when_paid_and_the_person_when_deposited():
    paid = change_of(PaymentRecorded(**PAYMENT, deposited_at=None, completes_person=False))
    deposit = change_of(PaymentDeposited(**PAYMENT, deposited_at=DEPOSITED, completes_person=True))
    assert paid is not None and deposit is not None
    assert (paid.amount_delta, paid.persons_delta) == (Decimal("320.00"), 0)
    assert (deposit.metric, deposit.at) == (MetricKind.MONEY_COLLECTED, DEPOSITED)
    assert (deposit.delta, deposit.amount_delta, deposit.persons_delta) == (0, 0, 1)
    assert PaymentDeposited.type in METRIC_EVENTS[MetricKind.MONEY_COLLECTED]


def test_a_deposit_that_completes_no_one_moves_nothing():
    deposit = change_of(PaymentDeposited(**PAYMENT, deposited_at=DEPOSITED, completes_person=False))
    assert deposit is not None and not deposit.counts and not deposit.is_reading
