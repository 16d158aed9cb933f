from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.grid.domain.errors import InvalidInput, InvalidPolicy
from services.grid.domain.ledgers import (
    LedgerStatus,
    LedgerSubmission,
    Week,
    campaign_weeks,
    classify,
    deadline,
    ledger_board,
    parse_ledger_policy,
    week_of,
)
from services.grid.domain.local_time import CHINA
from services.grid.policy import load_ledger_policy

POLICY = load_ledger_policy()
WEEK = Week(2026, 23)  # 1–7 June 2026, Friday 5 June
COMMUNITY = "320115103201"
FRIDAY_1500 = datetime(2026, 6, 5, 15, tzinfo=CHINA)


def submitted(at: datetime, signed: bool = True, week: Week = WEEK, code: str = COMMUNITY):
    return LedgerSubmission(code, week, at, signed)


def test_the_deadline_is_friday_15_00_in_shanghai():
    assert deadline(WEEK, POLICY) == FRIDAY_1500
    assert deadline(WEEK, POLICY) == datetime(2026, 6, 5, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (timedelta(0), LedgerStatus.ON_TIME),
        (timedelta(days=-2), LedgerStatus.ON_TIME),
        (timedelta(seconds=1), LedgerStatus.LATE),
        (timedelta(days=3), LedgerStatus.LATE),
    ],
)
def test_on_time_up_to_the_deadline_late_after(offset, status):
    verdict = classify(
        COMMUNITY, WEEK, [submitted(FRIDAY_1500 + offset)], FRIDAY_1500 + timedelta(days=9), POLICY
    )
    assert verdict.status is status


def test_with_no_signed_ledger_a_week_is_pending_then_missing():
    unsigned = [submitted(FRIDAY_1500 - timedelta(hours=1), signed=False)]
    assert classify(COMMUNITY, WEEK, unsigned, FRIDAY_1500, POLICY).status is LedgerStatus.PENDING
    after = FRIDAY_1500 + timedelta(seconds=1)
    assert classify(COMMUNITY, WEEK, unsigned, after, POLICY).status is LedgerStatus.MISSING


def test_the_earliest_signed_ledger_decides_and_other_weeks_or_communities_do_not_count():
    subs = [
        submitted(FRIDAY_1500 + timedelta(hours=1)),
        submitted(FRIDAY_1500 - timedelta(hours=5)),
        submitted(FRIDAY_1500 - timedelta(hours=9), week=Week(2026, 22)),
        submitted(FRIDAY_1500 - timedelta(hours=9), code="320115103202"),
    ]
    verdict = classify(COMMUNITY, WEEK, subs, FRIDAY_1500, POLICY)
    assert verdict.status is LedgerStatus.ON_TIME
    assert verdict.submitted_at == FRIDAY_1500 - timedelta(hours=5)
    assert (
        classify(COMMUNITY, WEEK, subs[2:3], FRIDAY_1500 + timedelta(1), POLICY).status
        is LedgerStatus.MISSING
    )


def test_the_board_lists_every_community_and_week():
    board = ledger_board(
        ["b", "a", "a"],
        [Week(2026, 24), WEEK],
        [submitted(FRIDAY_1500, code="a")],
        datetime(2026, 6, 12, 14, tzinfo=CHINA),
        POLICY,
    )
    assert [(v.week.week, v.community_code, v.status) for v in board] == [
        (23, "a", LedgerStatus.ON_TIME),
        (23, "b", LedgerStatus.MISSING),
        (24, "a", LedgerStatus.PENDING),
        (24, "b", LedgerStatus.PENDING),
    ]


def test_campaign_weeks_are_those_whose_friday_lies_in_the_campaign():
    weeks = campaign_weeks(date(2026, 6, 6), date(2026, 6, 26), POLICY)  # Saturday to Friday
    assert [w.label for w in weeks] == ["2026-W24", "2026-W25", "2026-W26"]
    assert campaign_weeks(date(2026, 6, 6), date(2026, 6, 11), POLICY) == []


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), st.integers(0, 200))
def test_campaign_weeks_hold_every_deadline_day_in_the_campaign(first, length):
    last = first + timedelta(days=length)
    weeks = campaign_weeks(first, last, POLICY)
    fridays = [
        first + timedelta(days=i)
        for i in range(length + 1)
        if (first + timedelta(days=i)).weekday() == 4
    ]
    assert [w.day(4) for w in weeks] == fridays
    assert all(week_of(day) in weeks for day in fridays)


def test_bad_inputs_are_refused():
    with pytest.raises(InvalidInput):
        Week(2026, 54)
    with pytest.raises(InvalidInput):
        submitted(datetime(2026, 6, 5, 15))
    with pytest.raises(InvalidInput):
        campaign_weeks(date(2026, 6, 2), date(2026, 6, 1), POLICY)
    with pytest.raises(InvalidPolicy):
        parse_ledger_policy('version = "t"\ndeadline_weekday = 7\ndeadline_time = 15:00:00')
    assert parse_ledger_policy(
        'version = "t"\ndeadline_weekday = 3\ndeadline_time = 12:00:00'
    ).deadline_time == time(12)
