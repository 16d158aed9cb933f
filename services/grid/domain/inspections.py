"""Inspection record rules (DOMAIN §3; issue "Inspection records").

- Inspectors: a law-enforcement inspection needs at least 2 distinct officers (002:L419), a
  grid member's patrol visit one.
- Life of a record version, one table (`TRANSITIONS`): a draft may be edited or signed; a
  signed version is immutable, and the only thing that can happen to it is being corrected,
  which supersedes it with a new version linked to it (version + 1, `corrects` = the old one).
- Offline submissions: the mobile client gives each submission its own client id and says
  which version it was built on (none for a new record). The same client id with the same
  content is a replay, recorded once; the same client id with other content, or a submission
  built on a version that is no longer the latest, is a conflict (409).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from libs.common.events.catalogue.grid import InspectionKind

from .errors import RecordImmutable, SubmissionConflict, TooFewInspectors

MIN_INSPECTORS = {InspectionKind.LAW_ENFORCEMENT: 2, InspectionKind.PATROL: 1}


def check_inspectors(kind: InspectionKind, inspectors: Iterable[str]) -> tuple[str, ...]:
    """The distinct inspectors, in order of first mention, if enough for `kind`."""
    distinct = tuple(dict.fromkeys(inspectors))
    needed = MIN_INSPECTORS[kind]
    if len(distinct) < needed:
        raise TooFewInspectors(
            f"a {kind} inspection needs at least {needed} distinct inspectors, got {len(distinct)}",
            field="inspectors",
        )
    return distinct


class RecordState(StrEnum):
    """Where one version of an inspection record stands."""

    DRAFT = "draft"
    SIGNED = "signed"
    SUPERSEDED = "superseded"


class RecordAction(StrEnum):
    """What may be asked of a record version."""

    EDIT = "edit"
    SIGN = "sign"
    CORRECT = "correct"


TRANSITIONS: dict[tuple[RecordState, RecordAction], RecordState] = {
    (RecordState.DRAFT, RecordAction.EDIT): RecordState.DRAFT,
    (RecordState.DRAFT, RecordAction.SIGN): RecordState.SIGNED,
    (RecordState.SIGNED, RecordAction.CORRECT): RecordState.SUPERSEDED,
}
"""(state, action) → the version's next state; every pair not listed is refused."""


def next_state(state: RecordState, action: RecordAction) -> RecordState:
    """The state a version takes after `action`, or RecordImmutable."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise RecordImmutable(f"a {state} inspection record cannot be {action}ed") from None


@dataclass(frozen=True)
class RecordVersion:
    """One version of a record: its number, the version it corrects, and its state."""

    version: int
    state: RecordState
    corrects: int | None = None


def correction_of(latest: RecordVersion) -> tuple[RecordVersion, RecordVersion]:
    """Correcting a signed version: (the old one superseded, the new draft linked to it)."""
    superseded = RecordVersion(
        latest.version, next_state(latest.state, RecordAction.CORRECT), latest.corrects
    )
    return superseded, RecordVersion(latest.version + 1, RecordState.DRAFT, latest.version)


def submission_digest(payload: Mapping[str, Any]) -> str:
    """A digest of a submission's content that ignores key order, to tell replays apart."""
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Submission:
    """A client's submission: its client id, content digest and the version it builds on."""

    client_id: str
    digest: str
    based_on: int | None


@dataclass(frozen=True)
class KnownSubmission:
    """A submission already recorded under a client id."""

    client_id: str
    digest: str


class SubmissionOutcome(StrEnum):
    """What to do with a submission that is not a conflict."""

    CREATE = "create"  # a new record, version 1
    EDIT = "edit"  # replace the latest version, still a draft
    CORRECT = "correct"  # supersede the signed latest version with a new one
    REPLAY = "replay"  # already recorded: answer with what was recorded, write nothing


def judge_submission(
    submission: Submission, known: KnownSubmission | None, latest: RecordVersion | None
) -> SubmissionOutcome:
    """Decide a submission against what its client id already recorded and the record's
    latest version (None for a record that does not exist yet)."""
    if known is not None:
        if known.digest == submission.digest:
            return SubmissionOutcome.REPLAY
        raise SubmissionConflict(
            f"client id {submission.client_id} was already used for other content",
            field="client_id",
        )
    if submission.based_on is None:
        if latest is not None:
            raise SubmissionConflict(
                f"the record exists (version {latest.version}); build on it", field="based_on"
            )
        return SubmissionOutcome.CREATE
    if latest is None or submission.based_on != latest.version:
        current = "none" if latest is None else str(latest.version)
        raise SubmissionConflict(
            f"built on version {submission.based_on}, the latest is {current}",
            field="based_on",
        )
    if latest.state is RecordState.DRAFT:
        return SubmissionOutcome.EDIT
    next_state(latest.state, RecordAction.CORRECT)  # a superseded version is never the latest
    return SubmissionOutcome.CORRECT
