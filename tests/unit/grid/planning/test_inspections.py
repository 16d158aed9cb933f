import itertools

import pytest

from libs.common.events.catalogue.grid import InspectionKind
from services.grid.domain.errors import RecordImmutable, SubmissionConflict, TooFewInspectors
from services.grid.domain.inspections import (
    TRANSITIONS,
    KnownSubmission,
    RecordAction,
    RecordState,
    RecordVersion,
    Submission,
    SubmissionOutcome,
    check_inspectors,
    correction_of,
    judge_submission,
    next_state,
    submission_digest,
)


def test_law_enforcement_needs_two_distinct_officers():
    assert check_inspectors(InspectionKind.LAW_ENFORCEMENT, ["a", "b", "a"]) == ("a", "b")
    with pytest.raises(TooFewInspectors):
        check_inspectors(InspectionKind.LAW_ENFORCEMENT, ["a", "a"])
    with pytest.raises(TooFewInspectors):
        check_inspectors(InspectionKind.LAW_ENFORCEMENT, ["a"])


def test_a_patrol_visit_needs_one():
    assert check_inspectors(InspectionKind.PATROL, ["m"]) == ("m",)
    with pytest.raises(TooFewInspectors):
        check_inspectors(InspectionKind.PATROL, [])


EXPECTED = {
    (RecordState.DRAFT, RecordAction.EDIT): RecordState.DRAFT,
    (RecordState.DRAFT, RecordAction.SIGN): RecordState.SIGNED,
    (RecordState.SIGNED, RecordAction.CORRECT): RecordState.SUPERSEDED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(RecordState, RecordAction)))
def test_every_state_and_action(state, action):
    if (state, action) in EXPECTED:
        assert next_state(state, action) is EXPECTED[(state, action)]
    else:
        with pytest.raises(RecordImmutable):
            next_state(state, action)


def test_the_table_is_the_expected_one():
    assert TRANSITIONS == EXPECTED


def test_a_correction_is_a_new_version_linked_to_the_old():
    old, new = correction_of(RecordVersion(2, RecordState.SIGNED, corrects=1))
    assert old == RecordVersion(2, RecordState.SUPERSEDED, corrects=1)
    assert new == RecordVersion(3, RecordState.DRAFT, corrects=2)
    with pytest.raises(RecordImmutable):
        correction_of(RecordVersion(1, RecordState.DRAFT))


def test_the_digest_ignores_key_order():
    assert submission_digest({"a": 1, "b": [1, 2]}) == submission_digest({"b": [1, 2], "a": 1})
    assert submission_digest({"a": 1}) != submission_digest({"a": 2})


SIGNED_2 = RecordVersion(2, RecordState.SIGNED, corrects=1)
DRAFT_2 = RecordVersion(2, RecordState.DRAFT, corrects=1)


@pytest.mark.parametrize(
    ("submission", "known", "latest", "outcome"),
    [
        (Submission("c1", "d", None), None, None, SubmissionOutcome.CREATE),
        (
            Submission("c1", "d", None),
            KnownSubmission("c1", "d"),
            SIGNED_2,
            SubmissionOutcome.REPLAY,
        ),
        (Submission("c1", "d", 1), KnownSubmission("c1", "d"), SIGNED_2, SubmissionOutcome.REPLAY),
        (Submission("c1", "d", 2), None, SIGNED_2, SubmissionOutcome.CORRECT),
        (Submission("c1", "d", 2), None, DRAFT_2, SubmissionOutcome.EDIT),
    ],
)
def test_submissions_accepted(submission, known, latest, outcome):
    assert judge_submission(submission, known, latest) is outcome


@pytest.mark.parametrize(
    ("submission", "known", "latest", "field"),
    [
        (Submission("c1", "other", None), KnownSubmission("c1", "d"), SIGNED_2, "client_id"),
        (Submission("c1", "d", 1), None, SIGNED_2, "based_on"),  # built on an old version
        (Submission("c1", "d", 3), None, SIGNED_2, "based_on"),
        (Submission("c1", "d", None), None, SIGNED_2, "based_on"),
        (Submission("c1", "d", 1), None, None, "based_on"),
    ],
)
def test_submissions_in_conflict(submission, known, latest, field):
    with pytest.raises(SubmissionConflict) as refused:
        judge_submission(submission, known, latest)
    assert refused.value.field == field


def test_a_superseded_latest_version_is_refused():
    with pytest.raises(RecordImmutable):
        judge_submission(Submission("c", "d", 2), None, RecordVersion(2, RecordState.SUPERSEDED))
