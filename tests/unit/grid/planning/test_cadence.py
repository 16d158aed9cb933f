import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from libs.common.events.catalogue.common import Sector
from libs.common.events.catalogue.scoring import Grade
from services.grid.domain.cadence import (
    CadencePolicy,
    CadenceSpan,
    EntityProfile,
    cadence_in_force,
    due_after,
    mandatory_cadence,
    missed_periods,
    missed_periods_over,
    next_due,
    owed_periods,
    parse_cadence_policy,
    record_cadence,
)
from services.grid.domain.errors import InvalidInput, InvalidPolicy
from services.grid.domain.local_time import CHINA
from services.grid.domain.periods import Cadence, Period, first_period_from, period_containing
from services.grid.policy import load_cadence_policy

POLICY = load_cadence_policy()
cadences = st.sampled_from(Cadence)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def test_default_policy_sets_the_domain_defaults():
    assert POLICY.key_unit is Cadence.MONTHLY
    assert POLICY.default is Cadence.QUARTERLY
    assert POLICY.by_grade == {Grade.POOR: Cadence.MONTHLY, Grade.BAD: Cadence.MONTHLY}


@pytest.mark.parametrize(
    ("key_unit", "grade", "cadence"),
    [
        (True, None, Cadence.MONTHLY),
        (False, None, Cadence.QUARTERLY),
        (True, Grade.EXCELLENT, Cadence.MONTHLY),  # a key unit rated 优秀 keeps its monthly one
        (False, Grade.EXCELLENT, Cadence.QUARTERLY),
        (False, Grade.GOOD, Cadence.QUARTERLY),
        (False, Grade.FAIR, Cadence.QUARTERLY),
        (False, Grade.POOR, Cadence.MONTHLY),  # 较差 gets the monthly cadence
        (False, Grade.BAD, Cadence.MONTHLY),  # 差 too
        (True, Grade.BAD, Cadence.MONTHLY),
    ],
)
def test_cadence_by_key_unit_and_grade(key_unit, grade, cadence):
    entity = EntityProfile(key_unit=key_unit, sector=Sector.OTHER, grade=grade)
    assert mandatory_cadence(entity, POLICY) is cadence


def test_a_policy_sets_faster_cadences_per_sector_and_flag():
    policy = parse_cadence_policy(
        'version = "t"\n[by_sector]\nhazardous_chemicals = "semimonthly"\n'
        '[by_flag]\nnear_school = "weekly"\n'
    )
    chemicals = EntityProfile(key_unit=True, sector=Sector.HAZARDOUS_CHEMICALS)
    assert mandatory_cadence(chemicals, policy) is Cadence.SEMIMONTHLY
    flagged = EntityProfile(key_unit=False, sector=Sector.GAS, flags=frozenset({"near_school"}))
    assert mandatory_cadence(flagged, policy) is Cadence.WEEKLY
    other = EntityProfile(key_unit=False, sector=Sector.GAS, flags=frozenset({"unknown"}))
    assert mandatory_cadence(other, policy) is Cadence.QUARTERLY


@pytest.mark.parametrize(
    "text",
    [
        'version = "t"\n[by_grade]\nexcellent = "quarterly"\ndefault = "monthly"',
        'version = "t"\ndefault = "monthly"\n[by_grade]\nexcellent = "quarterly"',
        'version = "t"\ndefault = "monthly"\nkey_unit = "quarterly"',
        'version = "t"\ndefault = "monthly"\n[by_sector]\ngas = "quarterly"',
        'version = "t"\ndefault = "yearly"',
        'version = "t"\nsurprise = 1',
        "version = ",
        'version = ""',
    ],
)
def test_a_policy_cannot_lower_a_cadence_nor_be_malformed(text):
    with pytest.raises(InvalidPolicy):
        parse_cadence_policy(text)


@given(
    key_unit=st.booleans(),
    sector=st.sampled_from(Sector),
    grade=st.sampled_from(Grade),
    default=st.sampled_from([Cadence.MONTHLY, Cadence.QUARTERLY]),
    by_grade=st.dictionaries(st.sampled_from(Grade), st.sampled_from(Cadence)),
    by_sector=st.dictionaries(st.sampled_from(Sector), st.sampled_from(Cadence)),
)
def test_credit_never_lowers_the_cadence(key_unit, sector, grade, default, by_grade, by_sector):
    if any(c.per_year < default.per_year for c in [*by_grade.values(), *by_sector.values()]):
        assume(False)  # such a policy is refused by its own validation (tested above)
    policy = CadencePolicy(version="h", default=default, by_grade=by_grade, by_sector=by_sector)
    ungraded = mandatory_cadence(EntityProfile(key_unit, sector), policy)
    graded = mandatory_cadence(EntityProfile(key_unit, sector, grade), policy)
    assert graded.per_year >= ungraded.per_year
    if key_unit:
        assert graded.per_year >= policy.key_unit.per_year


@given(cadences, days)
def test_periods_tile_the_calendar(cadence, day):
    period = period_containing(cadence, day)
    assert period.contains(day)
    assert period.next().start == period.until
    assert period_containing(cadence, period.last_day) == period
    assert period_containing(cadence, period.until) == period.next()
    assert first_period_from(cadence, day).start >= day
    assert first_period_from(cadence, day).start - day < period.until - period.start


@pytest.mark.parametrize(
    ("cadence", "day", "label", "start", "until"),
    [
        (Cadence.QUARTERLY, date(2026, 3, 31), "2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        (Cadence.QUARTERLY, date(2026, 12, 5), "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        (Cadence.MONTHLY, date(2026, 12, 31), "2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        (Cadence.SEMIMONTHLY, date(2026, 2, 15), "2026-02-H1", date(2026, 2, 1), date(2026, 2, 16)),
        (Cadence.SEMIMONTHLY, date(2026, 2, 16), "2026-02-H2", date(2026, 2, 16), date(2026, 3, 1)),
        (Cadence.WEEKLY, date(2026, 1, 1), "2026-W01", date(2025, 12, 29), date(2026, 1, 5)),
    ],
)
def test_period_labels_and_bounds(cadence, day, label, start, until):
    assert period_containing(cadence, day) == Period(start, until, cadence)
    assert period_containing(cadence, day).label == label


def test_next_due_is_the_end_of_the_period_after_the_last_inspection():
    due = next_due(shanghai(2026, 2, 10, 9), date(2025, 1, 1), Cadence.MONTHLY)
    assert due.period.label == "2026-03"
    assert due.due_by == shanghai(2026, 4, 1)
    assert not due.overdue_at(shanghai(2026, 3, 31, 23, 59))
    assert due.overdue_at(shanghai(2026, 4, 1))


def test_an_inspection_is_dated_by_its_day_in_shanghai():
    # 31 Jan 17:00 UTC is 1 Feb 01:00 in Shanghai: it satisfies February, not January.
    due = next_due(datetime(2026, 1, 31, 17, tzinfo=UTC), date(2025, 1, 1), Cadence.MONTHLY)
    assert due.period.label == "2026-03"


def test_never_inspected_is_due_in_the_first_counted_period():
    assert next_due(None, date(2026, 3, 30), Cadence.QUARTERLY).period.label == "2026-Q2"
    assert next_due(None, date(2026, 4, 1), Cadence.QUARTERLY).period.label == "2026-Q2"


def test_a_cadence_change_counts_from_the_next_period():
    # Inspected in January under the quarterly cadence, graded 差 on 15 Jan: February is owed.
    due = next_due(shanghai(2026, 1, 10), date(2026, 1, 15), Cadence.MONTHLY)
    assert due.period.label == "2026-02"


def test_a_key_unit_not_inspected_for_a_month_is_overdue_once():
    inspected = [shanghai(2026, 1, 20)]
    as_of = shanghai(2026, 3, 1, 0, 0)
    missed = missed_periods(inspected, date(2026, 1, 1), Cadence.MONTHLY, as_of)
    assert [p.label for p in missed] == ["2026-02"]
    assert (
        missed_periods(inspected, date(2026, 1, 1), Cadence.MONTHLY, as_of - timedelta(seconds=1))
        == []
    )


@given(
    cadences,
    days,
    st.lists(days, max_size=8),
    st.integers(min_value=0, max_value=800),
)
def test_missed_periods_are_exactly_the_ended_periods_with_no_inspection(
    cadence, counted_from, inspected, span
):
    as_of_day = counted_from + timedelta(days=span)
    at = [datetime.combine(day, datetime.min.time(), CHINA) for day in inspected]
    missed = missed_periods(
        at, counted_from, cadence, datetime.combine(as_of_day, datetime.min.time(), CHINA)
    )
    assert missed == sorted(set(missed))
    for period in missed:
        assert period.start >= counted_from and period.until <= as_of_day
        assert not any(period.contains(day) for day in inspected)
    period = first_period_from(cadence, counted_from)
    while period.until <= as_of_day:
        if period not in missed:
            assert any(period.contains(day) for day in inspected)
        period = period.next()


def test_naive_times_are_refused():
    with pytest.raises(InvalidInput):
        next_due(datetime(2026, 1, 1), date(2026, 1, 1), Cadence.MONTHLY)


def labels(history, count: int) -> list[str]:
    return [p.label for p in itertools.islice(owed_periods(history), count)]


def test_a_cadence_change_neither_drops_nor_doubles_periods():
    history = [
        CadenceSpan(Cadence.QUARTERLY, date(2025, 12, 1)),  # registered, ordinary
        CadenceSpan(Cadence.MONTHLY, date(2026, 1, 15)),  # graded 差
        CadenceSpan(Cadence.QUARTERLY, date(2026, 2, 10)),  # regraded 优秀
    ]
    assert labels(history, 4) == ["2026-02", "2026-03", "2026-Q2", "2026-Q3"]
    assert due_after(history, shanghai(2026, 2, 20)).period.label == "2026-03"
    missed = missed_periods_over(history, [shanghai(2026, 2, 20)], shanghai(2026, 7, 1))
    assert [p.label for p in missed] == ["2026-03", "2026-Q2"]


def test_a_faster_span_stops_a_slower_period_that_would_overlap_it():
    history = [
        CadenceSpan(Cadence.QUARTERLY, date(2026, 1, 1)),
        CadenceSpan(Cadence.QUARTERLY, date(2026, 3, 5)),
        CadenceSpan(Cadence.WEEKLY, date(2026, 3, 6)),
    ]
    assert labels(history, 2) == ["2026-W11", "2026-W12"]  # Q1 would overlap March's weeks


def test_a_history_needs_one_span_and_distinct_days():
    with pytest.raises(InvalidInput):
        next(owed_periods([]))
    with pytest.raises(InvalidInput):
        next(owed_periods([CadenceSpan(Cadence.MONTHLY, date(2026, 1, 1))] * 2))


spans = st.builds(CadenceSpan, cadences, days)


@given(st.lists(spans, min_size=1, max_size=5, unique_by=lambda s: s.effective_from))
def test_owed_periods_are_ordered_and_never_overlap(history):
    owed = list(itertools.islice(owed_periods(history), 60))
    for earlier, later in itertools.pairwise(owed):
        assert earlier.until <= later.start
    assert owed[0].start >= min(span.effective_from for span in history)


@given(st.lists(spans, min_size=1, max_size=4, unique_by=lambda s: s.effective_from), days)
def test_recomputing_the_same_cadence_changes_nothing(history, day):
    ordered = sorted(history, key=lambda span: span.effective_from)
    assume(day > ordered[0].effective_from and day not in {s.effective_from for s in history})
    in_force = [span for span in ordered if span.effective_from < day][-1]
    with_repeat = [*history, CadenceSpan(in_force.cadence, day)]
    assert labels(with_repeat, 60) == labels(history, 60)


def test_recording_a_recomputed_cadence():
    registered = (CadenceSpan(Cadence.QUARTERLY, date(2026, 1, 1)),)
    same = record_cadence(registered, Cadence.QUARTERLY, date(2026, 2, 1))
    assert same == registered
    graded_bad = record_cadence(registered, Cadence.MONTHLY, date(2026, 2, 1))
    assert graded_bad == (*registered, CadenceSpan(Cadence.MONTHLY, date(2026, 2, 1)))
    assert cadence_in_force(graded_bad, date(2026, 1, 31)) is Cadence.QUARTERLY
    assert cadence_in_force(graded_bad, date(2026, 2, 1)) is Cadence.MONTHLY
    assert cadence_in_force(graded_bad, date(2025, 12, 31)) is None
    # a second recomputation the same day wins; back to the former cadence merges the spans
    assert record_cadence(graded_bad, Cadence.QUARTERLY, date(2026, 2, 1)) == registered


@given(
    st.lists(spans, min_size=1, max_size=4, unique_by=lambda s: s.effective_from),
    cadences,
    days,
)
def test_recording_keeps_the_owed_periods_of_the_plain_history(history, cadence, day):
    recorded = record_cadence(history, cadence, day)
    plain = [s for s in history if s.effective_from != day] + [CadenceSpan(cadence, day)]
    assert labels(recorded, 40) == labels(plain, 40)
    for earlier, later in itertools.pairwise(recorded):
        assert earlier.cadence is not later.cadence
