"""Re-settlement's own judgements: completeness by deposited money, and the window."""

from dataclasses import replace
from decimal import Decimal

from services.enrollment.domain.payments import Payment, settle
from services.enrollment.domain.resettlement import is_complete, standing, window_closed
from tests.unit.enrollment.policies import VARIANT_A, at, person

NOV_1 = at(2025, 11, 1)
ADULT = person(30)
PAID = Payment("P1", Decimal("320.00"), NOV_1, deposited_at=at(2025, 11, 2))


def _complete(entries: list[Payment]) -> bool:
    return is_complete(settle(VARIANT_A, ADULT, entries, NOV_1), entries)


def test_a_payment_deposited_in_full_completes_the_person():
    assert _complete([PAID])


def test_a_payment_not_yet_deposited_does_not():
    assert not _complete([replace(PAID, deposited_at=None)])


def test_a_partial_payment_does_not():
    assert not _complete([replace(PAID, amount=Decimal("200.00"))])


def test_a_reversed_payment_stands_no_more():
    reversal = Payment("R1", Decimal("320.00"), NOV_1, deposited_at=NOV_1, reverses="P1")
    assert standing([PAID, reversal]) == []
    assert not _complete([PAID, reversal])


def test_a_reversal_after_the_window_closes_it_whatever_the_clock():
    late = Payment("R1", Decimal("320.00"), at(2026, 1, 5), reverses="P1")
    in_time = replace(late, paid_at=at(2025, 12, 31, 23))
    assert window_closed(VARIANT_A, [PAID, late], now=NOV_1)
    assert not window_closed(VARIANT_A, [PAID, in_time], now=at(2026, 3, 1))


def test_without_a_reversal_the_clock_decides():
    assert window_closed(VARIANT_A, [PAID], now=at(2026, 1, 1))
    assert not window_closed(VARIANT_A, [PAID], now=at(2025, 12, 31))


def test_a_policy_without_a_window_never_closes_it():
    assert not window_closed(
        VARIANT_A.model_copy(update={"window": None}), [PAID], now=at(2030, 1, 1)
    )
