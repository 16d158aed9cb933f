"""Events produced by the grid service (topic `gridgov.grid`)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from libs.common.events.catalogue.common import (
    Count,
    Note,
    Part,
    Sector,
    Severity,
    Slug,
    UserId,
)
from libs.common.events.envelope import Event
from libs.common.identifiers import (
    CreditCode,
    GridCellCode,
    UnitCode,
    UnitLevel,
    cell_village,
    is_within,
    unit_level,
)


class InspectionKind(StrEnum):
    """A grid member's patrol visit or a law-enforcement inspection (≥ 2 officers)."""

    PATROL = "patrol"
    LAW_ENFORCEMENT = "law_enforcement"


class _GridEvent(Event):
    service: ClassVar[str] = "grid"


class UnitUpserted(_GridEvent):
    """An admin unit was created or changed."""

    type: ClassVar[str] = "gridgov.grid.unit.upserted.v1"
    aggregate_field: ClassVar[str] = "code"

    code: UnitCode = Field(description="The unit's division code.")
    name: str = Field(min_length=1, max_length=100, description="Official name.")
    level: UnitLevel = Field(description="Level, consistent with the code.")
    parent_code: UnitCode | None = Field(None, description="Parent unit; None for the root.")
    pool: Slug = Field(description="Ranking pool, e.g. `village`, `community`, `branch_farm`.")
    active: bool = Field(True, description="False once the unit is dissolved.")

    @model_validator(mode="after")
    def _consistent(self) -> UnitUpserted:
        if unit_level(self.code) is not self.level:
            raise ValueError(f"level {self.level} does not match code {self.code}")
        if self.parent_code is not None and (
            self.parent_code == self.code or not is_within(self.code, self.parent_code)
        ):
            raise ValueError(f"{self.parent_code} is not above {self.code}")
        return self


class CellUpserted(_GridEvent):
    """A grid cell was created or changed."""

    type: ClassVar[str] = "gridgov.grid.cell.upserted.v1"
    aggregate_field: ClassVar[str] = "cell_code"

    cell_code: GridCellCode = Field(description="The cell.")
    unit_code: UnitCode = Field(description="The village the cell belongs to.")
    name: str = Field(min_length=1, max_length=100, description="Name of the cell.")
    member_id: UserId | None = Field(None, description="Its responsible grid member, if any.")
    active: bool = Field(True, description="False once the cell is retired.")

    @model_validator(mode="after")
    def _in_village(self) -> CellUpserted:
        if cell_village(self.cell_code) != self.unit_code:
            raise ValueError(f"cell {self.cell_code} is not in village {self.unit_code}")
        return self


class MemberAssigned(_GridEvent):
    """A grid member became the one responsible member of a cell (keyed by cell)."""

    type: ClassVar[str] = "gridgov.grid.member.assigned.v1"
    aggregate_field: ClassVar[str] = "cell_code"

    member_id: UserId = Field(description="The grid member.")
    cell_code: GridCellCode = Field(description="The cell.")
    unit_code: UnitCode = Field(description="The village of the cell.")
    previous_member_id: UserId | None = Field(None, description="The member replaced, if any.")
    full_time: bool = Field(description="Full-time (专职) or part-time member.")
    assigned_at: AwareDatetime = Field(description="When the assignment took effect.")


class EntityUpserted(_GridEvent):
    """A supervised entity was created or changed."""

    type: ClassVar[str] = "gridgov.grid.entity.upserted.v1"
    aggregate_field: ClassVar[str] = "credit_code"

    credit_code: CreditCode = Field(description="The entity's unified social credit code.")
    name: str = Field(min_length=1, max_length=200, description="Registered name.")
    unit_code: UnitCode = Field(description="The unit the entity is located in.")
    cell_code: GridCellCode | None = Field(None, description="Its grid cell, if assigned.")
    key_unit: bool = Field(description="Whether it is a key unit (重点监管单位).")
    sector: Sector = Field(description="Industry sector.")
    active: bool = Field(True, description="False once it closed down.")

    @model_validator(mode="after")
    def _cell_in_unit(self) -> EntityUpserted:
        if self.cell_code is not None and not is_within(self.cell_code, self.unit_code):
            raise ValueError(f"cell {self.cell_code} is not in unit {self.unit_code}")
        return self


class InspectionFinding(Part):
    """One finding of an inspection; those not fixed on the spot become deadline hazards."""

    finding_id: uuid.UUID = Field(description="The finding (the hazard's source reference).")
    description: Note = Field(description="What is wrong.")
    sector: Sector = Field(description="Industry sector.")
    severity: Severity = Field(description="general or major.")
    fixed_on_spot: bool = Field(description="Fixed on the spot (立改立销).")


class InspectionRecorded(_GridEvent):
    """An inspection of an entity was recorded."""

    type: ClassVar[str] = "gridgov.grid.inspection.recorded.v1"
    aggregate_field: ClassVar[str] = "inspection_id"

    inspection_id: uuid.UUID = Field(description="The inspection.")
    credit_code: CreditCode = Field(description="The inspected entity.")
    cell_code: GridCellCode | None = Field(None, description="The entity's cell.")
    unit_code: UnitCode = Field(description="The entity's unit.")
    inspectors: tuple[UserId, ...] = Field(min_length=1, description="Who inspected.")
    kind: InspectionKind = Field(description="Patrol visit or law-enforcement inspection.")
    passed_items: Count = Field(description="Checklist items passed.")
    failed_items: Count = Field(description="Checklist items failed.")
    findings: tuple[InspectionFinding, ...] = Field((), description="The findings.")
    inspected_at: AwareDatetime = Field(description="When the inspection took place.")

    @property
    def findings_count(self) -> int:
        """Number of findings."""
        return len(self.findings)

    @model_validator(mode="after")
    def _enough_officers(self) -> InspectionRecorded:
        if self.kind is InspectionKind.LAW_ENFORCEMENT and len(set(self.inspectors)) < 2:
            raise ValueError("a law-enforcement inspection needs at least two officers")
        return self


class InspectionOverdue(_GridEvent):
    """An entity's mandatory inspection is past due."""

    type: ClassVar[str] = "gridgov.grid.inspection.overdue.v1"
    aggregate_field: ClassVar[str] = "credit_code"

    credit_code: CreditCode = Field(description="The entity.")
    unit_code: UnitCode = Field(description="The entity's unit.")
    cell_code: GridCellCode | None = Field(None, description="The entity's cell.")
    member_id: UserId | None = Field(None, description="The cell's grid member.")
    key_unit: bool = Field(description="Whether it is a key unit.")
    due_at: AwareDatetime = Field(description="When the inspection was due.")
    last_inspected_at: AwareDatetime | None = Field(None, description="The last inspection.")
    detected_at: AwareDatetime = Field(description="When the system found it overdue.")


class PatrolRecorded(_GridEvent):
    """A grid member's patrol (巡查) was recorded."""

    type: ClassVar[str] = "gridgov.grid.patrol.recorded.v1"
    aggregate_field: ClassVar[str] = "patrol_id"

    patrol_id: uuid.UUID = Field(description="The patrol.")
    member_id: UserId = Field(description="The grid member.")
    cell_code: GridCellCode = Field(description="The cell patrolled.")
    unit_code: UnitCode = Field(description="The village of the cell.")
    started_at: AwareDatetime = Field(description="Start of the patrol.")
    ended_at: AwareDatetime = Field(description="End of the patrol.")
    matters_reported: Count = Field(description="Matters (事项) reported during the patrol.")

    @model_validator(mode="after")
    def _ends_after_start(self) -> PatrolRecorded:
        if self.ended_at <= self.started_at:
            raise ValueError("a patrol must end after it starts")
        return self


class LedgerSubmitted(_GridEvent):
    """A community submitted its weekly campaign work ledger (keyed by unit)."""

    type: ClassVar[str] = "gridgov.grid.ledger.submitted.v1"
    aggregate_field: ClassVar[str] = "unit_code"

    ledger_id: uuid.UUID = Field(description="The ledger.")
    campaign: Slug = Field(description="The campaign.")
    unit_code: UnitCode = Field(description="The submitting community.")
    period_start: date = Field(description="First day of the week covered.")
    due_at: AwareDatetime = Field(description="Deadline (default Friday 15:00).")
    submitted_at: AwareDatetime = Field(description="When it was submitted.")
    signed_by: UserId = Field(description="The community leader who signed.")
    late: bool = Field(description="Whether it arrived after the deadline.")


class LedgerLate(_GridEvent):
    """A community's weekly campaign ledger was missing at its deadline (keyed by unit)."""

    type: ClassVar[str] = "gridgov.grid.ledger.late.v1"
    aggregate_field: ClassVar[str] = "unit_code"

    campaign: Slug = Field(description="The campaign.")
    unit_code: UnitCode = Field(description="The community.")
    period_start: date = Field(description="First day of the week covered.")
    due_at: AwareDatetime = Field(description="The deadline that passed.")
    detected_at: AwareDatetime = Field(description="When the system flagged it.")
