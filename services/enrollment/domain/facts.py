"""What the rules need to know about a person; gathered by the service layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MINOR_UNDER = 18  # 未满18周岁: a minor is under 18 completed years


class Sex(StrEnum):
    """Sex as recorded on the resident ID."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class PersonFacts:
    """A person's facts relevant to eligibility, tiers and subsidies.

    `tags` are identity categories confirmed by the departments (低保 `dibao`, disability
    grades, …); the policy files name which tags qualify for which subsidy.
    """

    birth_date: date
    sex: Sex
    tags: frozenset[str] = frozenset()
    student: bool = False
    in_employee_scheme: bool = False
    local_hukou: bool = True
    residence_permit: bool = False
    new_nonlocal_student: bool = False
    contribution_years: int = 0

    def is_minor_or_student(self, age: int) -> bool:
        """Whether the person is under 18 or a student in school."""
        return age < MINOR_UNDER or self.student
