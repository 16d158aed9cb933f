"""Events produced by the hazards service (topic `gridgov.hazards`), keyed by hazard id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from libs.common.events.catalogue.common import Count, Note, Sector, Severity, UserId
from libs.common.events.envelope import Event
from libs.common.identifiers import CreditCode, GridCellCode, UnitCode


class HazardSource(StrEnum):
    """How a hazard was found."""

    SELF_CHECK = "self_check"
    GRID_INSPECTION = "grid_inspection"
    DEPARTMENT_INSPECTION = "department_inspection"
    SUPERVISION = "supervision"
    PUBLIC_REPORT = "public_report"
    LOOK_BACK = "look_back"


class RectificationMode(StrEnum):
    """Fixed on the spot (立改立销) or by a deadline (限期整改)."""

    IMMEDIATE = "immediate"
    DEADLINE = "deadline"


class EscalationLevel(StrEnum):
    """Escalation ladder: 交办 → 督办 → 挂牌督办."""

    ASSIGNED = "assigned"
    SUPERVISED = "supervised"
    LISTED = "listed"


class ReferralKind(StrEnum):
    """Where a hazard's entity is referred."""

    LAW_ENFORCEMENT = "law_enforcement"
    SUSPENSION_CANDIDATE = "suspension_candidate"


class _HazardEvent(Event):
    service: ClassVar[str] = "hazards"
    aggregate_field: ClassVar[str] = "hazard_id"

    hazard_id: uuid.UUID = Field(description="The hazard.")
    credit_code: CreditCode | None = Field(
        None, description="The entity, or None for a place no registered entity runs."
    )
    unit_code: UnitCode = Field(description="The unit the hazard is located in.")
    severity: Severity = Field(description="general or major (重大隐患).")


class HazardReported(_HazardEvent):
    """A hazard was entered in the ledger."""

    type: ClassVar[str] = "gridgov.hazards.hazard.reported.v1"

    cell_code: GridCellCode | None = Field(None, description="The grid cell, if known.")
    sector: Sector = Field(description="Industry sector.")
    source: HazardSource = Field(description="How it was found.")
    mode: RectificationMode = Field(description="Immediate (closed at once) or deadline.")
    deadline: AwareDatetime | None = Field(
        None, description="Rectification deadline; required when mode is deadline."
    )
    description: Note = Field(description="What is wrong.")
    inspection_id: uuid.UUID | None = Field(None, description="The inspection that found it.")
    reported_by: UserId = Field(description="The reporter.")
    reported_at: AwareDatetime = Field(description="When it was reported.")

    @model_validator(mode="after")
    def _deadline_when_needed(self) -> HazardReported:
        if self.mode is RectificationMode.DEADLINE and self.deadline is None:
            raise ValueError("a deadline-mode hazard needs a deadline")
        return self


class HazardAssigned(_HazardEvent):
    """A responsible person, measures and a deadline were set for a hazard."""

    type: ClassVar[str] = "gridgov.hazards.hazard.assigned.v1"

    responsible_id: UserId = Field(description="The person responsible for rectification.")
    deadline: AwareDatetime = Field(description="Rectification deadline.")
    assigned_by: UserId = Field(description="Who assigned it.")
    assigned_at: AwareDatetime = Field(description="When it was assigned.")


class HazardSubmitted(_HazardEvent):
    """Rectification evidence was submitted for verification."""

    type: ClassVar[str] = "gridgov.hazards.hazard.submitted.v1"

    evidence_count: Count = Field(description="Number of evidence files attached.")
    submitted_by: UserId = Field(description="The rectifier.")
    submitted_at: AwareDatetime = Field(description="When it was submitted.")


class HazardRejected(_HazardEvent):
    """Submitted rectification was rejected; the hazard is back in rectification."""

    type: ClassVar[str] = "gridgov.hazards.hazard.rejected.v1"

    reason: Note = Field(description="Why the evidence was not accepted.")
    deadline: AwareDatetime = Field(description="The deadline that now applies.")
    rejected_by: UserId = Field(description="The verifier.")
    rejected_at: AwareDatetime = Field(description="When it was rejected.")


class HazardVerified(_HazardEvent):
    """Rectification was verified by someone other than the rectifier."""

    type: ClassVar[str] = "gridgov.hazards.hazard.verified.v1"

    verified_by: UserId = Field(description="The verifier.")
    verified_at: AwareDatetime = Field(description="When it was verified.")


class HazardClosed(_HazardEvent):
    """A hazard was closed (销号)."""

    type: ClassVar[str] = "gridgov.hazards.hazard.closed.v1"

    sector: Sector = Field(description="Industry sector.")
    mode: RectificationMode = Field(description="Immediate or deadline rectification.")
    reported_at: AwareDatetime = Field(description="When it was reported.")
    closed_at: AwareDatetime = Field(description="When it was closed.")
    on_time: bool = Field(description="Whether it was closed by its deadline.")
    repeat_count: Count = Field(description="Times it has been reopened before this closure.")
    closed_by: UserId = Field(description="Who closed it.")


class HazardOverdue(_HazardEvent):
    """A hazard in rectification passed its deadline."""

    type: ClassVar[str] = "gridgov.hazards.hazard.overdue.v1"

    deadline: AwareDatetime = Field(description="The deadline that passed.")
    responsible_id: UserId | None = Field(None, description="The person responsible.")
    detected_at: AwareDatetime = Field(description="When the system found it overdue.")


class HazardEscalated(_HazardEvent):
    """A hazard moved up the escalation ladder."""

    type: ClassVar[str] = "gridgov.hazards.hazard.escalated.v1"

    level: EscalationLevel = Field(description="New level: 交办, 督办 or 挂牌督办.")
    previous_level: EscalationLevel | None = Field(None, description="Level before, if any.")
    reason: Note | None = Field(None, description="Why, e.g. overdue or a major hazard.")
    escalated_at: AwareDatetime = Field(description="When it was escalated.")


class HazardReopened(_HazardEvent):
    """A closed hazard was reopened, e.g. by a look-back (回头看)."""

    type: ClassVar[str] = "gridgov.hazards.hazard.reopened.v1"

    repeat_count: Count = Field(description="Times reopened, including this one.")
    deadline: AwareDatetime = Field(description="The new rectification deadline.")
    reason: Note = Field(description="What was found.")
    reopened_by: UserId = Field(description="Who reopened it.")
    reopened_at: AwareDatetime = Field(description="When it was reopened.")


class HazardReferred(_HazardEvent):
    """A hazard's entity was referred to law enforcement or listed for suspension."""

    type: ClassVar[str] = "gridgov.hazards.hazard.referred.v1"

    referral: ReferralKind = Field(description="Law enforcement, or candidate for 停产整顿.")
    reason: Note = Field(description="Why, e.g. refused to rectify.")
    referred_by: UserId | None = Field(None, description="Who referred it; None if automatic.")
    referred_at: AwareDatetime = Field(description="When it was referred.")
