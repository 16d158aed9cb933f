from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.scoring.domain.cadence import SnapshotCadence
from services.scoring.domain.errors import InvalidSnapshotSeries
from services.scoring.domain.ranking import ScoredUnit, Snapshot, SubjectKind, take_snapshot
from services.scoring.domain.triggers import (
    ActionKind,
    TriggerKind,
    TriggerPolicy,
    fire_triggers,
    fire_triggers_over,
)

POLICY = TriggerPolicy()
WEEKLY, QUARTERLY = SnapshotCadence.WEEKLY_FRIDAY, SnapshotCadence.QUARTERLY
VILLAGES = [f"V{i:02d}" for i in range(1, 11)]
FIRST_FRIDAY = date(2024, 1, 5)


def weekly(week: int, order: list[str]) -> Snapshot:
    """A weekly snapshot where `order` lists the ten villages best first."""
    scored = [ScoredUnit(v, "villages", Decimal(100 - i)) for i, v in enumerate(order)]
    return take_snapshot(f"W{week}", FIRST_FRIDAY + timedelta(weeks=week), WEEKLY, scored)


def fired(found, kind: TriggerKind) -> set[tuple[str, str]]:
    return {(f.unit_id, f.period) for f in found if f.kind is kind}


def moved_to_place(unit: str, place: int) -> list[str]:
    order = [v for v in VILLAGES if v != unit]
    return [*order[: place - 1], unit, *order[place - 1 :]]


def test_t52_bottom_five_twice_running_brings_circular_explanation_and_deadline():
    series = [weekly(1, moved_to_place("V01", 7)), weekly(2, moved_to_place("V01", 6))]
    found = fire_triggers_over(series, POLICY, SubjectKind.VILLAGE)
    assert ("V01", "W2") in fired(found, TriggerKind.BOTTOM_TWICE_CRITICISM)
    assert ("V01", "W2") not in fired(found, TriggerKind.BOTTOM_TWICE_ADMONITION)
    first = next(f for f in found if f.unit_id == "V01")
    assert [a.kind for a in first.actions] == [
        ActionKind.CRITICISM_CIRCULAR,
        ActionKind.WRITTEN_EXPLANATION,
        ActionKind.RECTIFICATION_DEADLINE,
    ]
    assert first.actions[1].responsible_roles == ("village_secretary", "village_head")
    assert first.actions[2].deadline_days == 7


def test_t53_bottom_three_twice_running_adds_an_admonition_talk():
    series = [weekly(1, VILLAGES), weekly(2, VILLAGES)]
    found = fire_triggers(series[1], series[0], POLICY, SubjectKind.VILLAGE)
    assert fired(found, TriggerKind.BOTTOM_TWICE_ADMONITION) == {
        ("V08", "W2"),
        ("V09", "W2"),
        ("V10", "W2"),
    }
    assert len(fired(found, TriggerKind.BOTTOM_TWICE_CRITICISM)) == 5


def test_t54_a_repeat_that_is_not_consecutive_does_not_fire():
    series = [
        weekly(1, moved_to_place("V01", 10)),
        weekly(2, moved_to_place("V01", 2)),
        weekly(3, moved_to_place("V01", 10)),
    ]
    found = fire_triggers_over(series, POLICY, SubjectKind.VILLAGE)
    assert not [f for f in found if f.unit_id == "V01"]


def test_a_unit_missing_from_the_snapshot_between_breaks_the_run():
    gap = [v for v in VILLAGES if v != "V10"]
    series = [weekly(1, VILLAGES), weekly(2, gap), weekly(3, VILLAGES)]
    found = fire_triggers_over(series, POLICY, SubjectKind.VILLAGE)
    assert ("V10", "W3") not in fired(found, TriggerKind.BOTTOM_TWICE_CRITICISM)


def test_a_run_of_three_fires_at_the_second_and_third():
    series = [weekly(w, VILLAGES) for w in (1, 2, 3)]
    found = fire_triggers_over(series, POLICY, SubjectKind.VILLAGE)
    assert {p for u, p in fired(found, TriggerKind.BOTTOM_TWICE_ADMONITION) if u == "V10"} == {
        "W2",
        "W3",
    }


def test_individuals_answer_for_themselves():
    series = [weekly(1, VILLAGES), weekly(2, VILLAGES)]
    found = fire_triggers(series[1], series[0], POLICY, SubjectKind.INDIVIDUAL)
    assert {a.responsible_roles for f in found for a in f.actions} == {("cadre",)}


def quarter(q: int, progress: dict[str, str], expected: str) -> Snapshot:
    scored = [
        ScoredUnit(v, "villages", Decimal(100 - i), Decimal(progress.get(v, "0.9")))
        for i, v in enumerate(VILLAGES)
    ]
    end = date(2024, 3 * q, 30)
    return take_snapshot(f"Q{q}", end, QUARTERLY, scored, expected_progress=Decimal(expected))


def test_t29_bottom_three_and_behind_schedule_explains_at_the_report_meeting():
    found = fire_triggers(quarter(2, {"V10": "0.40"}, "0.50"), None, POLICY, SubjectKind.VILLAGE)
    assert fired(found, TriggerKind.QUARTER_BEHIND) == {("V10", "Q2")}
    assert found[0].actions[0].kind is ActionKind.EXPLAIN_AT_REPORT_MEETING


def test_t30_two_quarters_running_bring_the_discipline_committee_talk():
    q2, q3 = quarter(2, {"V10": "0.40"}, "0.50"), quarter(3, {"V10": "0.60"}, "0.75")
    found = fire_triggers(q3, q2, POLICY, SubjectKind.VILLAGE)
    talk = [f for f in found if f.kind is TriggerKind.QUARTER_BEHIND_TWICE]
    assert [(f.unit_id, f.previous_period) for f in talk] == [("V10", "Q2")]
    assert talk[0].actions[0].by_role == "town_discipline_committee"
    assert talk[0].actions[0].responsible_roles == ("village_principal",)


def test_t31_bottom_three_but_on_schedule_does_not_fire():
    found = fire_triggers(quarter(2, {"V10": "0.50"}, "0.50"), None, POLICY, SubjectKind.VILLAGE)
    assert not fired(found, TriggerKind.QUARTER_BEHIND)


def test_quarterly_triggers_need_a_quarterly_series():
    snapshot = weekly(1, VILLAGES)
    assert not fired(
        fire_triggers(snapshot, None, POLICY, SubjectKind.VILLAGE), TriggerKind.QUARTER_BEHIND
    )


def test_snapshots_of_different_cadences_are_not_consecutive():
    with pytest.raises(InvalidSnapshotSeries):
        fire_triggers(quarter(2, {}, "0.5"), weekly(1, VILLAGES), POLICY, SubjectKind.VILLAGE)


def test_snapshots_must_run_forward_in_time():
    with pytest.raises(InvalidSnapshotSeries):
        fire_triggers_over([weekly(2, VILLAGES), weekly(1, VILLAGES)], POLICY, SubjectKind.VILLAGE)
