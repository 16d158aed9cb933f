"""A grid member's duty report over an assessment period (DOMAIN §3, 004:L171).

The two figures are averages over the whole period, not a floor for each day or month:
- daily average patrol hours = patrol hours in the period ÷ days on duty, against 2 h (日均);
- monthly average matters reported = matters reported in the period ÷ months on duty, against
  10 (月均), where a partial month counts as its share of days (10 of 31 days = 10/31 month),
  so a whole-month period gives whole months.

Conventions (ours; the source gives none):
- days are Asia/Shanghai days; the period and a member's days on duty are inclusive day ranges;
- a patrol counts by its hours: one crossing midnight counts whole, since the figure is an
  average over the period; only the part inside the member's days on duty counts;
- a patrol's matters count when the patrol *starts* inside the member's days on duty;
- a member's days on duty are the period's days during which they were a cell's responsible
  member (the caller passes them from the assignment history), so a reassignment never moves
  figures of days already past.
Figures are exact fractions compared with the thresholds; they are rounded to 2 places only
for display.
"""

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from pydantic import Field

from libs.common.identifiers import is_within

from .errors import InvalidInput
from .local_time import end_of_day, ensure_aware, local_day, start_of_day
from .periods import days_in_month
from .policy_base import PolicyModel, parse_policy


class DutyPolicy(PolicyModel):
    """The two duty thresholds (004:L171)."""

    version: str = Field(min_length=1, max_length=64)
    min_daily_average_hours: Decimal = Field(gt=0, le=24)
    min_monthly_average_matters: Decimal = Field(ge=0)


def parse_duty_policy(text: str) -> DutyPolicy:
    """Parse and validate a duty policy from TOML text."""
    return parse_policy(DutyPolicy, text)


@dataclass(frozen=True)
class DayRange:
    """Local days `first` to `last`, both inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput(f"{self.last} is before {self.first}", field="last")

    @property
    def days(self) -> int:
        """How many days the range holds."""
        return (self.last - self.first).days + 1

    def intersect(self, other: "DayRange") -> "DayRange | None":
        """The days both ranges hold, if any."""
        first, last = max(self.first, other.first), min(self.last, other.last)
        return DayRange(first, last) if first <= last else None


@dataclass(frozen=True)
class Patrol:
    """A patrol record's figures: who, when, and how many matters they reported."""

    member_id: str
    started_at: datetime
    ended_at: datetime
    matters_reported: int

    def __post_init__(self) -> None:
        ensure_aware(self.started_at, "started_at")
        if ensure_aware(self.ended_at, "ended_at") < self.started_at:
            raise InvalidInput("a patrol cannot end before it starts", field="ended_at")
        if self.matters_reported < 0:
            raise InvalidInput("matters reported cannot be negative", field="matters_reported")


@dataclass(frozen=True)
class MemberDuty:
    """A grid member, the village unit they serve and their days on duty in the period."""

    member_id: str
    unit_code: str
    on_duty: tuple[DayRange, ...]


@dataclass(frozen=True)
class DutyFigures:
    """Totals and averages over some days on duty, and whether they meet the thresholds."""

    days: int
    months: Fraction
    patrol_seconds: int
    matters: int
    daily_average_hours: Fraction | None
    monthly_average_matters: Fraction | None
    meets_hours: bool
    meets_matters: bool

    @property
    def meets_both(self) -> bool:
        """Whether both thresholds are met."""
        return self.meets_hours and self.meets_matters


@dataclass(frozen=True)
class MemberDutyReport:
    """One member's duty report over the period."""

    member_id: str
    unit_code: str
    figures: DutyFigures


@dataclass(frozen=True)
class UnitDutyReport:
    """The members of a unit subtree: pooled figures, and how many met each threshold."""

    unit_code: str
    members: int
    members_meeting_hours: int
    members_meeting_matters: int
    members_meeting_both: int
    pooled: DutyFigures


def display(value: Fraction | None) -> Decimal | None:
    """A figure rounded half-up to 2 decimal places, for reports."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def months_in(days: DayRange) -> Fraction:
    """The calendar months `days` covers, a partial month as its share of its days."""
    months = Fraction(0)
    day = days.first
    while day <= days.last:
        month_days = days_in_month(day.year, day.month)
        month_last = day.replace(day=month_days)
        covered = (min(month_last, days.last) - day).days + 1
        months += Fraction(covered, month_days)
        day = month_last + timedelta(days=1)
    return months


def _overlap_seconds(patrol: Patrol, days: DayRange) -> int:
    start = max(patrol.started_at, start_of_day(days.first))
    end = min(patrol.ended_at, end_of_day(days.last))
    return max(0, int((end - start).total_seconds()))


def _figures(
    days: int, months: Fraction, seconds: int, matters: int, policy: DutyPolicy
) -> DutyFigures:
    hours = Fraction(seconds, 3600) / days if days else None
    per_month = Fraction(matters) / months if months else None
    return DutyFigures(
        days=days,
        months=months,
        patrol_seconds=seconds,
        matters=matters,
        daily_average_hours=hours,
        monthly_average_matters=per_month,
        meets_hours=hours is not None and hours >= Fraction(policy.min_daily_average_hours),
        meets_matters=per_month is not None
        and per_month >= Fraction(policy.min_monthly_average_matters),
    )


def member_report(
    member: MemberDuty, period: DayRange, patrols: Iterable[Patrol], policy: DutyPolicy
) -> MemberDutyReport:
    """`member`'s duty figures over `period`, from their own patrols on their days on duty."""
    spans = [s for s in (r.intersect(period) for r in member.on_duty) if s is not None]
    spans.sort(key=lambda span: span.first)
    for earlier, later in itertools.pairwise(spans):
        if later.first <= earlier.last:
            raise InvalidInput(f"{member.member_id}'s days on duty overlap", field="on_duty")
    own = [p for p in patrols if p.member_id == member.member_id]
    seconds = sum(_overlap_seconds(p, span) for p in own for span in spans)
    matters = sum(
        p.matters_reported
        for p in own
        if any(span.first <= local_day(p.started_at) <= span.last for span in spans)
    )
    days = sum(span.days for span in spans)
    months = sum((months_in(span) for span in spans), Fraction(0))
    figures = _figures(days, months, seconds, matters, policy)
    return MemberDutyReport(member.member_id, member.unit_code, figures)


def unit_report(
    unit_code: str, reports: Iterable[MemberDutyReport], policy: DutyPolicy
) -> UnitDutyReport:
    """The reports of members whose unit lies in `unit_code`'s subtree, rolled up: counts of
    members meeting each threshold, and pooled figures (all hours ÷ all member-days, all
    matters ÷ all member-months)."""
    inside = [r for r in reports if is_within(r.unit_code, unit_code)]
    pooled = _figures(
        sum(r.figures.days for r in inside),
        sum((r.figures.months for r in inside), Fraction(0)),
        sum(r.figures.patrol_seconds for r in inside),
        sum(r.figures.matters for r in inside),
        policy,
    )
    return UnitDutyReport(
        unit_code=unit_code,
        members=len(inside),
        members_meeting_hours=sum(r.figures.meets_hours for r in inside),
        members_meeting_matters=sum(r.figures.meets_matters for r in inside),
        members_meeting_both=sum(r.figures.meets_both for r in inside),
        pooled=pooled,
    )
