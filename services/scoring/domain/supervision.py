"""What supervision does with a grade: official or provisional, sampling ratio and cadence."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .business_calendar import ensure_aware
from .cadence import InspectionCadence, more_frequent
from .credit import CreditGrade, ensure_score_in_range
from .credit_rules import SupervisionPolicy
from .errors import InvalidProgress
from .provisional_score import ProvisionalScore


class GradeSource(StrEnum):
    """Whether a grade is the provincial platform's annual one or this system's estimate."""

    OFFICIAL = "official"
    PROVISIONAL = "provisional"


@dataclass(frozen=True)
class OfficialGrade:
    """An annual grade posted by the provincial credit platform (001:L26)."""

    year: int
    grade: CreditGrade
    posted_at: datetime
    score: Decimal | None = None


@dataclass(frozen=True)
class SupervisionGrade:
    """The grade supervision acts on, and where it comes from."""

    grade: CreditGrade
    source: GradeSource
    score: Decimal | None
    policy_version: str | None


def choose_supervision_grade(
    year: int, postings: Iterable[OfficialGrade], provisional: ProvisionalScore
) -> SupervisionGrade:
    """The official grade posted for `year` (the latest posting wins), else the provisional."""
    for_year = [posting for posting in postings if posting.year == year]
    if not for_year:
        return SupervisionGrade(
            provisional.grade,
            GradeSource.PROVISIONAL,
            provisional.score,
            provisional.policy_version,
        )
    latest = max(for_year, key=lambda posting: ensure_aware(posting.posted_at))
    score = None if latest.score is None else ensure_score_in_range(latest.score)
    return SupervisionGrade(latest.grade, GradeSource.OFFICIAL, score, None)


def sampling_ratio(grade: CreditGrade, policy: SupervisionPolicy) -> Decimal:
    """The share of entities of `grade` drawn for 双随机 spot checks each quarter."""
    return policy.sampling_ratio_per_quarter[grade]


def sample_size(population: int, ratio: Decimal) -> int:
    """How many of `population` entities to draw at `ratio`, rounded up."""
    if population < 0 or not 0 <= ratio <= 1:
        raise InvalidProgress(f"cannot sample {ratio} of {population} entities")
    return math.ceil(population * ratio)


def cadence_override(grade: CreditGrade, policy: SupervisionPolicy) -> InspectionCadence | None:
    """The inspection cadence a grade imposes (poor/bad: the key-unit monthly one), if any."""
    return policy.cadence_override.get(grade)


def effective_cadence(
    mandatory: InspectionCadence, grade: CreditGrade, policy: SupervisionPolicy
) -> InspectionCadence:
    """The cadence to apply: credit may raise a mandatory cadence but never lowers it."""
    override = cadence_override(grade, policy)
    return mandatory if override is None else more_frequent(mandatory, override)
