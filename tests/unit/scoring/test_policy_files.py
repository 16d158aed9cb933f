from datetime import date
from decimal import Decimal

import pytest

from services.scoring.domain.business_calendar import MonthDay, add_months, parse_month_day
from services.scoring.domain.cadence import (
    InspectionCadence,
    SnapshotCadence,
    is_snapshot_day,
    more_frequent,
    period_key,
)
from services.scoring.domain.errors import InvalidPolicy
from services.scoring.domain.policy_base import parse_toml
from services.scoring.policy import load_campaign_policy, load_credit_rules, load_penalty_ladder


def test_every_default_policy_file_loads_with_its_version():
    assert load_credit_rules().version == "credit_rules.v1"
    assert load_campaign_policy().version == "campaign_resident_medical.v1"
    assert load_penalty_ladder().version == "straw_burning_ladder.v1"


def test_toml_numbers_never_pass_through_float():
    assert parse_toml("x = 0.1")["x"] == Decimal("0.1")
    rules = load_credit_rules()
    assert sum(rules.basic.weights.values()) == 1


def test_malformed_toml_is_an_invalid_policy():
    with pytest.raises(InvalidPolicy):
        parse_toml("x = ")


def test_month_days():
    assert parse_month_day("06-30") == MonthDay(6, 30)
    assert MonthDay(2, 29).in_year(2023) == date(2023, 2, 28)
    with pytest.raises(ValueError):
        parse_month_day("6/30")
    with pytest.raises(ValueError):
        MonthDay(4, 31)


def test_add_months_clips_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)


def test_snapshot_days_and_periods():
    assert is_snapshot_day(SnapshotCadence.WEEKLY_FRIDAY, date(2024, 1, 5))
    assert not is_snapshot_day(SnapshotCadence.WEEKLY_FRIDAY, date(2024, 1, 6))
    assert is_snapshot_day(SnapshotCadence.MONTHLY, date(2024, 2, 29))
    assert is_snapshot_day(SnapshotCadence.QUARTERLY, date(2024, 6, 30))
    assert not is_snapshot_day(SnapshotCadence.QUARTERLY, date(2024, 5, 31))
    assert period_key(SnapshotCadence.WEEKLY_FRIDAY, date(2024, 1, 5)) == "2024-W01"
    assert period_key(SnapshotCadence.MONTHLY, date(2024, 3, 9)) == "2024-03"
    assert period_key(SnapshotCadence.QUARTERLY, date(2024, 8, 1)) == "2024-Q3"


def test_more_frequent_cadence():
    assert more_frequent(InspectionCadence.MONTHLY, InspectionCadence.WEEKLY) is (
        InspectionCadence.WEEKLY
    )
