"""Events produced by the scoring service (topic `gridgov.scoring`)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field, field_validator, model_validator

from libs.common.events.catalogue.common import Part, Slug, UserId
from libs.common.events.envelope import Event
from libs.common.identifiers import CreditCode, UnitCode

CreditScore = Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)]


class Grade(StrEnum):
    """Credit grade: 优秀, 良好, 一般, 较差, 差."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    BAD = "bad"


class ScoreKind(StrEnum):
    """Computed here between postings, or posted by the provincial platform."""

    PROVISIONAL = "provisional"
    OFFICIAL = "official"


class Cadence(StrEnum):
    """How often a ranking snapshot is taken."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    FINAL = "final"


class TriggerKind(StrEnum):
    """The consequence a trigger over consecutive rankings sets off: the name of its main
    action, as the scoring API's `actions[].kind` spells it."""

    CRITICISM_CIRCULAR = "criticism_circular"
    ADMONITION_TALK = "admonition_talk"
    EXPLAIN_AT_REPORT_MEETING = "explain_at_report_meeting"
    DISCIPLINE_TALK = "discipline_talk"
    HONOURS_BARRED = "honours_barred"


LEGACY_TRIGGER_KINDS = {"report_meeting": TriggerKind.EXPLAIN_AT_REPORT_MEETING}
"""Names earlier producers of `trigger.fired.v1` used, read as today's."""


class TriggerRule(StrEnum):
    """Which trigger fired (000:L192, L501), as the scoring API's trigger `kind` spells it."""

    BOTTOM_TWICE_CRITICISM = "bottom_twice_criticism"
    BOTTOM_TWICE_ADMONITION = "bottom_twice_admonition"
    QUARTER_BOTTOM_BEHIND = "quarter_bottom_behind"
    QUARTER_BOTTOM_BEHIND_TWICE = "quarter_bottom_behind_twice"


class TriggerAction(StrEnum):
    """An action a trigger requires, as the scoring API's `actions[].kind` spells it."""

    CRITICISM_CIRCULAR = "criticism_circular"
    WRITTEN_EXPLANATION = "written_explanation"
    RECTIFICATION_DEADLINE = "rectification_deadline"
    ADMONITION_TALK = "admonition_talk"
    EXPLAIN_AT_REPORT_MEETING = "explain_at_report_meeting"
    DISCIPLINE_TALK = "discipline_talk"


class _ScoringEvent(Event):
    service: ClassVar[str] = "scoring"


class CreditScoreChanged(_ScoringEvent):
    """An entity's credit score changed."""

    type: ClassVar[str] = "gridgov.scoring.credit.score_changed.v1"
    aggregate_field: ClassVar[str] = "credit_code"

    credit_code: CreditCode = Field(description="The entity.")
    score: CreditScore = Field(description="New score, 0–1000.")
    previous_score: CreditScore | None = Field(None, description="Score before; None if first.")
    grade: Grade = Field(description="Grade of the new score.")
    kind: ScoreKind = Field(description="Provisional (computed here) or official (platform).")
    policy_version: Slug = Field(description="Evaluation rules, or platform posting, used.")
    cause_event_id: str | None = Field(None, description="Id of the event that moved it.")
    changed_at: AwareDatetime = Field(description="When the score changed.")


class CreditGradeChanged(_ScoringEvent):
    """An entity's credit grade changed (drives its random spot-check rate)."""

    type: ClassVar[str] = "gridgov.scoring.credit.grade_changed.v1"
    aggregate_field: ClassVar[str] = "credit_code"

    credit_code: CreditCode = Field(description="The entity.")
    from_grade: Grade | None = Field(None, description="Grade before; None if first.")
    to_grade: Grade = Field(description="Grade now.")
    kind: ScoreKind = Field(description="Whether the grade is provisional or official.")
    changed_at: AwareDatetime = Field(description="When the grade changed.")


class RankingEntry(Part):
    """One ranked unit or cadre in a snapshot."""

    subject_id: str = Field(max_length=64, description="Unit code or cadre user id.")
    rank: int = Field(ge=1, description="Rank; ties share a rank.")
    score: Decimal = Field(description="The campaign metric's score.")


class RankingPublished(_ScoringEvent):
    """A ranking snapshot of a campaign pool was published (keyed by campaign)."""

    type: ClassVar[str] = "gridgov.scoring.ranking.published.v1"
    aggregate_field: ClassVar[str] = "campaign"

    campaign: Slug = Field(description="The assessment campaign.")
    pool: Slug = Field(description="The pool ranked, e.g. `village` or `branch_farm`.")
    cadence: Cadence = Field(description="Which snapshot series it belongs to.")
    snapshot_id: uuid.UUID = Field(description="The snapshot.")
    period_start: date = Field(description="First day of the period.")
    period_end: date = Field(description="Last day of the period.")
    entries: tuple[RankingEntry, ...] = Field(description="The ranking, best first.")
    published_at: AwareDatetime = Field(description="When it was published.")

    @model_validator(mode="after")
    def _period_in_order(self) -> RankingPublished:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class TriggerFired(_ScoringEvent):
    """A trigger over consecutive rankings fired for a unit or a cadre."""

    type: ClassVar[str] = "gridgov.scoring.trigger.fired.v1"
    aggregate_field: ClassVar[str] = "trigger_id"

    trigger_id: uuid.UUID = Field(description="This firing.")
    campaign: Slug = Field(description="The assessment campaign.")
    unit_code: UnitCode = Field(description="The unit, or the cadre's unit.")
    cadre_id: UserId | None = Field(None, description="The cadre, when a person is ranked.")
    kind: TriggerKind = Field(
        description="The consequence: the trigger's main action (`report_meeting` of earlier "
        "producers reads as `explain_at_report_meeting`)."
    )
    rule: Slug = Field(
        description="The trigger that fired, as the API's trigger `kind`: "
        "`bottom_twice_criticism`, `bottom_twice_admonition`, `quarter_bottom_behind`, "
        "`quarter_bottom_behind_twice`."
    )
    actions: tuple[TriggerAction, ...] = Field(
        (), description="Every action the trigger requires, as the API's `actions[].kind`."
    )
    snapshot_ids: tuple[uuid.UUID, ...] = Field(
        min_length=1, description="The ranking snapshots involved."
    )
    fired_at: AwareDatetime = Field(description="When it fired.")

    @field_validator("kind", mode="before")
    @classmethod
    def _legacy_kind(cls, value: object) -> object:
        return LEGACY_TRIGGER_KINDS.get(value, value) if isinstance(value, str) else value
