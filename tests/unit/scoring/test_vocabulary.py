"""One vocabulary: trigger kinds, actions and the event catalogue spell things the same way;
grades carry their Chinese label beside the code."""

import uuid
from datetime import UTC, datetime

import pytest

from libs.common.events.catalogue import scoring as catalogue
from services.scoring.credit.schemas import CreditRead, HistoryRead, OfficialRead
from services.scoring.domain.credit import CreditGrade
from services.scoring.domain.ranking import SubjectKind
from services.scoring.domain.triggers import ActionKind, TriggerKind, TriggerPolicy, _actions
from services.scoring.snapshots.triggers import EVENT_KIND

NOW = datetime(2027, 4, 9, tzinfo=UTC)


def test_the_events_rule_names_are_the_apis_trigger_kinds():
    assert {r.value for r in catalogue.TriggerRule} == {k.value for k in TriggerKind}


def test_the_events_action_names_are_the_apis_action_kinds():
    assert {a.value for a in catalogue.TriggerAction} == {a.value for a in ActionKind}


@pytest.mark.parametrize("kind", list(TriggerKind))
def test_the_events_kind_is_one_of_the_triggers_own_actions(kind):
    actions = {a.kind.value for a in _actions(kind, TriggerPolicy(), SubjectKind.VILLAGE)}
    assert EVENT_KIND[kind].value in actions


def test_an_earlier_producers_report_meeting_reads_as_todays_name():
    event = catalogue.TriggerFired(
        trigger_id=uuid.uuid4(),
        campaign="rm-2027",
        unit_code="320115101001",
        kind="report_meeting",
        rule="quarter_bottom_behind",
        snapshot_ids=(uuid.uuid4(),),
        fired_at=NOW,
    )
    assert event.kind is catalogue.TriggerKind.EXPLAIN_AT_REPORT_MEETING
    assert event.actions == ()


@pytest.mark.parametrize(
    ("grade", "label"),
    [("excellent", "优秀"), ("good", "良好"), ("fair", "一般"), ("poor", "较差"), ("bad", "差")],
)
def test_grades_are_answered_with_their_chinese_label(grade, label):
    official = OfficialRead(year=2026, grade=grade, score=None, posted_at=NOW)
    assert official.model_dump(mode="json")["grade_label"] == label
    assert CreditGrade(grade).label_zh == label
    history = HistoryRead(
        kind="official",
        score=None,
        grade=grade,
        policy_version="platform",
        cause=None,
        recorded_at=NOW,
        explanation=[],
    )
    assert history.model_dump()["grade_label"] == label


def test_no_grade_has_no_label():
    read = CreditRead(
        credit_code="x",
        unit_code=None,
        name=None,
        shown=None,
        grade=None,
        score=None,
        official=None,
        provisional=None,
        supervision=None,
        basic=None,
    )
    assert read.model_dump()["grade_label"] is None
