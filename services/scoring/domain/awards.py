"""Date-bucket awards and deductions for completing the target (000:L170–L190)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import Field, model_validator

from .business_calendar import MonthDayField
from .explanation import ExplanationLine, total_effect
from .policy_base import PolicyModel


class DateBucket(PolicyModel):
    """Completing by `by`: yuan per village cadre, or a share of the county subsidy lost."""

    by: MonthDayField
    per_cadre: Decimal = Field(default=Decimal(0), ge=0)
    subsidy_deduction: Decimal = Field(default=Decimal(0), ge=0, le=1)


class DateBucketAwards(PolicyModel):
    """The completion rule, the buckets (earliest first) and the per-capita award.

    The per-capita figures are the resident pension's (000:L132, L184): a campaign over a
    scheme with another premium states its own. `min_per_capita = 0` is a campaign without a
    per-capita condition (the rate alone completes); `excess_award = 0` names no per-capita
    award.
    """

    required_rate: Decimal = Field(default=Decimal(1), gt=0)
    min_per_capita: Decimal = Field(default=Decimal(500), ge=0)
    excess_per_capita: Decimal = Field(default=Decimal(600), ge=0)
    excess_award: Decimal = Field(default=Decimal(2000), ge=0)
    subsidy_per_person: Decimal = Field(default=Decimal(1), ge=0)
    not_completed_deduction: Decimal = Field(default=Decimal(1), ge=0, le=1)
    buckets: tuple[DateBucket, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _buckets_run_forward(self) -> "DateBucketAwards":
        days = [bucket.by for bucket in self.buckets]
        if days != sorted(set(days)):
            raise ValueError("buckets must be in strictly increasing date order")
        return self


@dataclass(frozen=True)
class ProgressReading:
    """A unit's enrollment rate (a fraction) and per-capita contribution on one day."""

    on: date
    rate: Decimal
    per_capita: Decimal


@dataclass(frozen=True)
class VillageCompletion:
    """What the awards need to know about one village at the end of the campaign."""

    unit_id: str
    completed_on: date | None
    per_capita: Decimal
    cadre_ids: tuple[str, ...]
    contact_cadre_ids: tuple[str, ...]
    subsidy_persons: int


@dataclass(frozen=True)
class AwardOutcome:
    """Yuan awarded to each cadre and to the village, yuan deducted, and the honours bar."""

    unit_id: str
    per_cadre: Decimal
    cadre_awards: tuple[tuple[str, Decimal], ...]
    village_award: Decimal
    subsidy_deduction: Decimal
    honours_barred: bool
    barred_person_ids: tuple[str, ...]
    explanation: tuple[ExplanationLine, ...]


def is_complete(reading: ProgressReading, policy: DateBucketAwards) -> bool:
    """Completion: the full rate AND the minimum per-capita contribution (000:L174)."""
    return reading.rate >= policy.required_rate and reading.per_capita >= policy.min_per_capita


def first_completion_date(
    readings: Iterable[ProgressReading], policy: DateBucketAwards
) -> date | None:
    """The first day on which both completion conditions held, if any."""
    done = [reading.on for reading in readings if is_complete(reading, policy)]
    return min(done, default=None)


def settle_date_bucket_awards(
    village: VillageCompletion, policy: DateBucketAwards, year: int
) -> AwardOutcome:
    """Award or deduct by the bucket the completion date falls in (000:L176–L190)."""
    bucket = _bucket_for(village.completed_on, policy, year)
    subsidy = policy.subsidy_per_person * village.subsidy_persons
    if bucket is None:
        return _not_completed(village, policy, subsidy)
    lines = []
    if bucket.per_cadre:
        text = f"completed by {bucket.by}: {bucket.per_cadre} per cadre"
        lines.append(_line(village, bucket.per_cadre * len(village.cadre_ids), "AW-BUCKET", text))
    if bucket.subsidy_deduction:
        text = f"completed by {bucket.by}: {bucket.subsidy_deduction:%} of the county subsidy"
        lines.append(_line(village, _deduction(subsidy, bucket.subsidy_deduction), "AW-LATE", text))
    if policy.excess_award and village.per_capita >= policy.excess_per_capita:
        text = f"per-capita {village.per_capita} ≥ {policy.excess_per_capita}"
        lines.append(_line(village, policy.excess_award, "AW-EXCESS", text))
    return _outcome(village, bucket.per_cadre, lines, barred=False)


def _bucket_for(
    completed_on: date | None, policy: DateBucketAwards, year: int
) -> DateBucket | None:
    if completed_on is None:
        return None
    return next((b for b in policy.buckets if completed_on <= b.by.in_year(year)), None)


def _not_completed(
    village: VillageCompletion, policy: DateBucketAwards, subsidy: Decimal
) -> AwardOutcome:
    lines = [_line(village, Decimal(0), "AW-HONOURS-BAR", "not completed: 不得评先评优 (L190)")]
    if policy.not_completed_deduction:
        text = f"not completed: {policy.not_completed_deduction:%} of the county subsidy"
        deduction = _deduction(subsidy, policy.not_completed_deduction)
        lines.append(_line(village, deduction, "AW-LATE", text))
    return _outcome(village, Decimal(0), lines, barred=True)


def _deduction(subsidy: Decimal, share: Decimal) -> Decimal:
    return Decimal(0) - subsidy * share


def _line(village: VillageCompletion, effect: Decimal, code: str, text: str) -> ExplanationLine:
    return ExplanationLine(f"unit:{village.unit_id}", effect, code, text)


def _outcome(
    village: VillageCompletion, per_cadre: Decimal, lines: list[ExplanationLine], *, barred: bool
) -> AwardOutcome:
    by_code = {code: total_effect(ln for ln in lines if ln.rule_code == code) for code in _CODES}
    barred_ids = (*village.cadre_ids, *village.contact_cadre_ids) if barred else ()
    return AwardOutcome(
        unit_id=village.unit_id,
        per_cadre=per_cadre,
        cadre_awards=tuple((cadre, per_cadre) for cadre in village.cadre_ids),
        village_award=by_code["AW-EXCESS"],
        subsidy_deduction=Decimal(0) - by_code["AW-LATE"],
        honours_barred=barred,
        barred_person_ids=tuple(dict.fromkeys(barred_ids)),
        explanation=tuple(lines),
    )


_CODES = ("AW-BUCKET", "AW-LATE", "AW-EXCESS")
