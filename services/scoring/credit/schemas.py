"""Request and response models of the credit API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, computed_field, field_validator

from libs.common.events.catalogue.scoring import Grade, ScoreKind
from libs.common.identifiers import UnitCode
from services.scoring.domain.credit import CreditGrade, grade_for
from services.scoring.domain.credit_requests import RequestStatus
from services.scoring.domain.credit_rules import CreditDimension


def grade_label(grade: Grade | None) -> str | None:
    """A grade's Chinese name (001:L24), shown beside its code: 优秀 良好 一般 较差 差."""
    return None if grade is None else CreditGrade(grade.value).label_zh


class _Graded(BaseModel):
    """A model with a `grade` code, answered with its Chinese label beside it."""

    grade: Grade | None

    @computed_field(description="The grade's Chinese name: 优秀, 良好, 一般, 较差 or 差.")  # type: ignore[prop-decorator]
    @property
    def grade_label(self) -> str | None:
        return grade_label(self.grade)


DimensionScore = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class BasicInfoCreate(BaseModel):
    """Basic credit information (基础信用信息) posted by the provincial credit platform."""

    unit_code: UnitCode = Field(description="The unit the entity is located in.")
    name: str | None = Field(None, max_length=200, description="Registered name.")
    dimensions: dict[CreditDimension, DimensionScore] = Field(
        description="The five dimension scores, each 0–100: all five are required."
    )

    @field_validator("dimensions")
    @classmethod
    def _all_five_dimensions(
        cls, dimensions: dict[CreditDimension, Decimal]
    ) -> dict[CreditDimension, Decimal]:
        missing = [d.value for d in CreditDimension if d not in dimensions]
        if missing:
            raise ValueError(f"all five dimensions are required; missing: {', '.join(missing)}")
        return dimensions


class OfficialGradeCreate(BaseModel):
    """An official annual grade posted by the provincial credit platform (001:L26)."""

    year: int = Field(ge=2000, le=2100, description="The assessment year graded.")
    grade: Grade
    score: Decimal | None = Field(
        None,
        ge=0,
        le=1000,
        max_digits=6,
        decimal_places=2,
        description="The comprehensive score, if the platform gives it: it must lie in the "
        "grade's band (001:L24: excellent ≥ 650, good ≥ 550, fair ≥ 450, poor ≥ 350).",
    )

    @field_validator("score")
    @classmethod
    def _score_within_the_grade_band(
        cls, score: Decimal | None, info: ValidationInfo
    ) -> Decimal | None:
        grade = info.data.get("grade")
        if score is None or grade is None:
            return score
        banded = grade_for(score)
        if banded != CreditGrade(grade):
            raise ValueError(
                f"score {score} lies in the band of grade {banded.value} "
                f"({banded.label_zh}), not {grade.value}"
            )
        return score


class ExplanationLineRead(BaseModel):
    """One input of a score and its effect in points."""

    input: str
    effect: Decimal
    rule_code: str
    text: str


class OfficialRead(_Graded):
    """The latest official posting."""

    year: int
    grade: Grade
    score: Decimal | None
    posted_at: datetime


class ProvisionalRead(_Graded):
    """The score computed here under the versioned industry rules."""

    score: Decimal
    grade: Grade
    policy_version: str
    as_of: datetime
    explanation: list[ExplanationLineRead]


class SupervisionRead(BaseModel):
    """What the shown grade means for 双随机 spot checks (001:L26)."""

    sampling_ratio_per_quarter: Decimal
    cadence_override: str | None


class CreditRead(_Graded):
    """An entity's credit; `shown` says whether `grade`/`score` are official or provisional."""

    credit_code: str
    unit_code: str | None
    name: str | None
    shown: ScoreKind | None
    grade: Grade | None
    score: Decimal | None
    official: OfficialRead | None
    provisional: ProvisionalRead | None
    supervision: SupervisionRead | None
    basic: dict[str, Decimal] | None


class CreditItemRead(BaseModel):
    """An additional credit item and the event it came from."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    occurred_at: datetime
    source_event_id: str
    source_type: str
    unit_code: str | None
    withdrawn: bool
    cleared_at: datetime | None


class HistoryRead(_Graded):
    """One past score."""

    model_config = ConfigDict(from_attributes=True)

    kind: ScoreKind
    score: Decimal | None
    grade: Grade
    policy_version: str
    cause: str | None
    recorded_at: datetime
    explanation: list[ExplanationLineRead]


class RequestKind(StrEnum):
    """Objection (异议) or credit repair (信用修复)."""

    OBJECTION = "objection"
    REPAIR = "repair"


class CreditRequestCreate(BaseModel):
    """An objection to items or a repair request."""

    kind: RequestKind
    reason: str = Field(min_length=1, max_length=2000)
    item_ids: list[str] = Field(default_factory=list, description="Items objected to.")


class CreditRequestDecision(BaseModel):
    """The outcome; an accepted request removes the items it names from the score."""

    status: RequestStatus = Field(description="accepted or rejected.")
    outcome: str = Field(min_length=1, max_length=2000)


class CreditRequestRead(BaseModel):
    """A request and its outcome."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    credit_code: str
    kind: RequestKind
    reason: str
    item_ids: list[str]
    status: RequestStatus
    outcome: str | None
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
