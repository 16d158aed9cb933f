"""Triggers over consecutive ranking snapshots of one cadence (000:L192, L501)."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from .cadence import SnapshotCadence
from .errors import InvalidSnapshotSeries
from .policy_base import PolicyModel
from .progress import is_behind_schedule
from .ranking import RankedUnit, Snapshot, SubjectKind, in_bottom


class TriggerKind(StrEnum):
    """The consequences a ranking series can trigger."""

    BOTTOM_TWICE_CRITICISM = "bottom_twice_criticism"
    BOTTOM_TWICE_ADMONITION = "bottom_twice_admonition"
    QUARTER_BEHIND = "quarter_bottom_behind"
    QUARTER_BEHIND_TWICE = "quarter_bottom_behind_twice"


class ActionKind(StrEnum):
    """What must happen once a trigger fires."""

    CRITICISM_CIRCULAR = "criticism_circular"
    WRITTEN_EXPLANATION = "written_explanation"
    RECTIFICATION_DEADLINE = "rectification_deadline"
    ADMONITION_TALK = "admonition_talk"
    EXPLAIN_AT_REPORT_MEETING = "explain_at_report_meeting"
    DISCIPLINE_TALK = "discipline_talk"


class TriggerPolicy(PolicyModel):
    """Bottom-N sizes of each trigger and the rectification deadline."""

    criticism_bottom_n: int = Field(default=5, gt=0)
    admonition_bottom_n: int = Field(default=3, gt=0)
    quarterly_bottom_n: int = Field(default=3, gt=0)
    rectification_days: int = Field(default=7, gt=0)


@dataclass(frozen=True)
class TriggerAction:
    """One action: who issues or conducts it, which persons answer for it, any deadline."""

    kind: ActionKind
    by_role: str
    responsible_roles: tuple[str, ...]
    deadline_days: int | None = None


@dataclass(frozen=True)
class TriggerFired:
    """A trigger fired for one unit at the snapshot of `period`."""

    kind: TriggerKind
    pool: str
    unit_id: str
    period: str
    previous_period: str | None
    actions: tuple[TriggerAction, ...]
    text: str


_LEADERS = {
    SubjectKind.VILLAGE: ("village_secretary", "village_head"),
    SubjectKind.TOWN: ("town_secretary", "town_head"),
    SubjectKind.INDIVIDUAL: ("cadre",),
}
_PRINCIPAL = {
    SubjectKind.VILLAGE: ("village_principal",),
    SubjectKind.TOWN: ("town_principal",),
    SubjectKind.INDIVIDUAL: ("cadre",),
}


def fire_triggers(
    current: Snapshot, previous: Snapshot | None, policy: TriggerPolicy, subject: SubjectKind
) -> tuple[TriggerFired, ...]:
    """Triggers fired at `current`, given the snapshot just before it in the same series."""
    if previous is not None:
        _check_adjacent(previous, current)
    earlier = {} if previous is None else {(e.pool, e.unit_id): e for e in previous.entries}
    fired: list[TriggerFired] = []
    for entry in current.entries:
        before = earlier.get((entry.pool, entry.unit_id))
        fired += _fire_for(entry, before, current, previous, policy, subject)
    return tuple(fired)


def fire_triggers_over(
    series: Sequence[Snapshot], policy: TriggerPolicy, subject: SubjectKind
) -> tuple[TriggerFired, ...]:
    """Every trigger fired along a series; only adjacent snapshots count as consecutive."""
    fired: list[TriggerFired] = []
    for index, current in enumerate(series):
        previous = series[index - 1] if index else None
        fired += fire_triggers(current, previous, policy, subject)
    return tuple(fired)


def is_behind_in(entry: RankedUnit, snapshot: Snapshot) -> bool:
    """Whether `entry`'s progress is below the snapshot's 序时进度 (unknown counts as not)."""
    if entry.progress is None or snapshot.expected_progress is None:
        return False
    return is_behind_schedule(entry.progress, snapshot.expected_progress)


def _check_adjacent(previous: Snapshot, current: Snapshot) -> None:
    if previous.cadence is not current.cadence:
        raise InvalidSnapshotSeries(f"{previous.period} and {current.period} differ in cadence")
    if previous.taken_on >= current.taken_on:
        raise InvalidSnapshotSeries(f"{previous.period} does not precede {current.period}")


def _fire_for(
    entry: RankedUnit,
    before: RankedUnit | None,
    current: Snapshot,
    previous: Snapshot | None,
    policy: TriggerPolicy,
    subject: SubjectKind,
) -> list[TriggerFired]:
    previous_period = None if previous is None else previous.period
    return [
        TriggerFired(
            kind,
            entry.pool,
            entry.unit_id,
            current.period,
            previous_period,
            _actions(kind, policy, subject),
            _TEXTS[kind],
        )
        for kind in _kinds_fired(entry, before, current, previous, policy)
    ]


def _kinds_fired(
    entry: RankedUnit,
    before: RankedUnit | None,
    current: Snapshot,
    previous: Snapshot | None,
    policy: TriggerPolicy,
) -> list[TriggerKind]:
    kinds: list[TriggerKind] = []
    if before is not None and _twice_in_bottom(entry, before, policy.criticism_bottom_n):
        kinds.append(TriggerKind.BOTTOM_TWICE_CRITICISM)
    if before is not None and _twice_in_bottom(entry, before, policy.admonition_bottom_n):
        kinds.append(TriggerKind.BOTTOM_TWICE_ADMONITION)
    n = policy.quarterly_bottom_n
    if current.cadence is SnapshotCadence.QUARTERLY and _bottom_and_behind(entry, current, n):
        kinds.append(TriggerKind.QUARTER_BEHIND)
        if before and previous and _bottom_and_behind(before, previous, n):
            kinds.append(TriggerKind.QUARTER_BEHIND_TWICE)
    return kinds


def _twice_in_bottom(entry: RankedUnit, before: RankedUnit, n: int) -> bool:
    return in_bottom(entry, n) and in_bottom(before, n)


def _bottom_and_behind(entry: RankedUnit, snapshot: Snapshot, n: int) -> bool:
    return in_bottom(entry, n) and is_behind_in(entry, snapshot)


def _actions(
    kind: TriggerKind, policy: TriggerPolicy, subject: SubjectKind
) -> tuple[TriggerAction, ...]:
    leaders, principal = _LEADERS[subject], _PRINCIPAL[subject]
    if kind is TriggerKind.BOTTOM_TWICE_CRITICISM:
        return (
            TriggerAction(ActionKind.CRITICISM_CIRCULAR, "town_government", leaders),
            TriggerAction(ActionKind.WRITTEN_EXPLANATION, "town_government", leaders),
            TriggerAction(
                ActionKind.RECTIFICATION_DEADLINE,
                "town_government",
                leaders,
                policy.rectification_days,
            ),
        )
    if kind is TriggerKind.BOTTOM_TWICE_ADMONITION:
        return (
            TriggerAction(ActionKind.ADMONITION_TALK, "town_party_government_leaders", leaders),
        )
    if kind is TriggerKind.QUARTER_BEHIND:
        return (TriggerAction(ActionKind.EXPLAIN_AT_REPORT_MEETING, "town_government", principal),)
    return (TriggerAction(ActionKind.DISCIPLINE_TALK, "town_discipline_committee", principal),)


_TEXTS = {
    TriggerKind.BOTTOM_TWICE_CRITICISM: "bottom in two consecutive rankings: circular, "
    "written explanation and rectification deadline (000:L501)",
    TriggerKind.BOTTOM_TWICE_ADMONITION: "bottom in two consecutive rankings: 约谈 (000:L501)",
    TriggerKind.QUARTER_BEHIND: "bottom of the quarter and behind 序时进度: explain at the "
    "述职会 (000:L192)",
    TriggerKind.QUARTER_BEHIND_TWICE: "bottom and behind 序时进度 two quarters running: talk "
    "by the town discipline committee (000:L192)",
}
