"""How enrollment's payment events move the money and persons metrics: by deposit time."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from libs.common.events.catalogue.enrollment import (
    PaymentDeposited,
    PaymentRecorded,
    PaymentReversed,
)
from services.scoring.domain.live_metric import UnitMetric, apply_metric_changes
from services.scoring.domain.metrics import MetricKind
from services.scoring.metric_changes import METRIC_EVENTS, change_of
from services.scoring.policy import load_campaign_policy

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
BOTH = (MetricKind.MONEY_COLLECTED, MetricKind.DEPOSITED_ENROLLMENTS)


def test_money_and_the_person_count_when_deposited_not_when_paid():
    paid = change_of(PaymentRecorded(**PAYMENT, deposited_at=None, completes_person=False))
    deposit = change_of(PaymentDeposited(**PAYMENT, deposited_at=DEPOSITED, completes_person=True))
    assert paid is None  # not in the fund account yet (DOMAIN §1)
    assert deposit is not None
    assert (deposit.metrics, deposit.at) == (BOTH, DEPOSITED)
    assert (deposit.delta, deposit.amount_delta, deposit.persons_delta) == (0, 320, 1)
    assert PaymentDeposited.type in METRIC_EVENTS[MetricKind.MONEY_COLLECTED]
    assert PaymentDeposited.type in METRIC_EVENTS[MetricKind.DEPOSITED_ENROLLMENTS]


def test_a_payment_recorded_deposited_counts_at_its_deposit_time():
    recorded = PaymentRecorded(**PAYMENT, deposited_at=DEPOSITED, completes_person=True)
    change = change_of(recorded)
    assert change is not None and change.at == DEPOSITED
    assert (change.amount_delta, change.persons_delta) == (320, 1)


def test_a_deposit_confirmation_moves_money_by_its_amount_and_the_person_once():
    money = load_campaign_policy().model_copy(
        update={"metric": MetricKind.MONEY_COLLECTED, "date_bucket_awards": None}
    )
    persons = load_campaign_policy()
    recorded = change_of(PaymentRecorded(**PAYMENT, deposited_at=None, completes_person=False))
    confirmed = change_of(
        PaymentDeposited(**PAYMENT, deposited_at=DEPOSITED, completes_person=True)
    )
    facts = [c for c in (recorded, confirmed) if c is not None]
    for policy, value in ((money, Decimal("320.00")), (persons, Decimal("1.00"))):
        unit = apply_metric_changes(UnitMetric(task=Decimal(1000)), facts, policy, 2027)
        assert (unit.value, unit.amount, unit.persons) == (value, 320, 1)


def test_a_deposit_that_completes_no_one_adds_only_its_money():
    deposit = change_of(PaymentDeposited(**PAYMENT, deposited_at=DEPOSITED, completes_person=False))
    assert deposit is not None and not deposit.is_reading
    assert (deposit.amount_delta, deposit.persons_delta) == (320, 0)


def test_a_reversal_takes_the_money_and_the_person_back_at_its_own_time():
    reversed_at = datetime(2027, 2, 1, 9, tzinfo=UTC)
    reversal = PaymentReversed(
        **{k: v for k, v in PAYMENT.items() if k != "paid_at"},
        reversal_id=uuid.uuid4(),
        original_partner_txn_id="T-1",
        reopens_person=True,
        reversed_at=reversed_at,
    )
    change = change_of(reversal)
    assert change is not None and change.metrics == BOTH and change.at == reversed_at
    assert (change.amount_delta, change.persons_delta) == (-320, -1)


def test_reversing_money_never_deposited_takes_no_money_back():
    reversal = PaymentReversed(
        **{k: v for k, v in PAYMENT.items() if k != "paid_at"},
        reversal_id=uuid.uuid4(),
        original_partner_txn_id="T-1",
        reopens_person=False,
        deposit_reversed=False,
        reversed_at=DEPOSITED,
    )
    change = change_of(reversal)
    assert change is not None and (change.amount_delta, change.persons_delta) == (0, 0)
