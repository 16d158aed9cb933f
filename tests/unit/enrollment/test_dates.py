"""The Asia/Shanghai business calendar: dates, ages, windows, cut-offs, phases."""

from datetime import UTC, date, datetime

import pytest

from services.enrollment.domain.dates import (
    SHANGHAI,
    age_on,
    counting_cutoff,
    local_date,
    phase_on,
    window_dates,
    within_window,
)
from services.enrollment.domain.errors import NaiveDatetime, PolicyError

from .policies import EMPLOYEE, VARIANT_A, VARIANT_B


def test_local_date_is_the_shanghai_date():
    assert local_date(datetime(2025, 12, 31, 16, 30, tzinfo=UTC)) == date(2026, 1, 1)
    with pytest.raises(NaiveDatetime):
        local_date(datetime(2025, 12, 31, 12, 0))


def test_age_in_completed_years_and_leap_day_birthdays():
    assert age_on(date(1965, 11, 1), date(2025, 10, 31)) == 59
    assert age_on(date(1965, 11, 1), date(2025, 11, 1)) == 60
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_windows_and_cutoff():
    assert window_dates(VARIANT_A) == (date(2025, 10, 25), date(2025, 12, 31))
    assert window_dates(VARIANT_B) == (date(2025, 9, 1), date(2025, 12, 31))
    assert counting_cutoff(VARIANT_B) == datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert within_window(VARIANT_B, date(2025, 9, 1))
    assert not within_window(VARIANT_B, date(2025, 8, 31))


def test_a_window_across_new_year_and_an_explicit_cutoff():
    assert VARIANT_B.window is not None
    window = VARIANT_B.window.model_copy(update={"start": "12-01", "end": "03-31"})
    policy = VARIANT_B.model_copy(update={"window": window})
    assert window_dates(policy) == (date(2025, 12, 1), date(2026, 3, 31))
    early = policy.model_copy(update={"window": window.model_copy(update={"cutoff": "03-20"})})
    assert counting_cutoff(early) == datetime(2026, 3, 21, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (date(2025, 8, 1), "collection 集中征缴"),
        (date(2025, 10, 5), "inspection 检查验收"),
        (date(2025, 6, 20), "publicity 宣传发动"),
        (date(2025, 11, 1), None),
    ],
)
def test_enterprise_campaign_phases(day, phase):
    found = phase_on(EMPLOYEE, day)
    assert (found.name if found else None) == phase


def test_no_window_is_a_policy_error_for_cutoffs():
    with pytest.raises(PolicyError):
        counting_cutoff(VARIANT_B.model_copy(update={"window": None}))
