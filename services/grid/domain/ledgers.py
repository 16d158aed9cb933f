"""Weekly campaign work ledgers (DOMAIN §3, 000:L570): during a campaign each community
submits its weekly work ledger, signed by the community leader, to the town's enforcement
office by Friday 15:00 Asia/Shanghai.

Conventions (ours):
- weeks are ISO weeks (Monday–Sunday); a campaign owes a ledger for every week whose deadline
  day lies within the campaign's days;
- only a ledger signed by the community leader counts as submitted; the earliest signed one
  decides: on time when submitted at or before the deadline, late after it;
- with no signed ledger, the week is *pending* until the deadline passes, then *missing*.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import Field

from .errors import InvalidInput
from .local_time import CHINA, ensure_aware
from .policy_base import PolicyModel, parse_policy


class LedgerPolicy(PolicyModel):
    """The weekly deadline: weekday (0 Monday … 6 Sunday) and local time."""

    version: str = Field(min_length=1, max_length=64)
    deadline_weekday: int = Field(ge=0, le=6)
    deadline_time: time


def parse_ledger_policy(text: str) -> LedgerPolicy:
    """Parse and validate a ledger policy from TOML text."""
    return parse_policy(LedgerPolicy, text)


class LedgerStatus(StrEnum):
    """Where a community's ledger for a week stands."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week."""

    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError as exc:
            raise InvalidInput(f"no ISO week {self.year}-W{self.week}", field="week") from exc

    @property
    def label(self) -> str:
        """ "2026-W05"."""
        return f"{self.year}-W{self.week:02d}"

    def day(self, weekday: int) -> date:
        """The local day of this week with `weekday` (0 Monday … 6 Sunday)."""
        return date.fromisocalendar(self.year, self.week, weekday + 1)


def week_of(day: date) -> Week:
    """The ISO week holding `day`."""
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def deadline(week: Week, policy: LedgerPolicy) -> datetime:
    """The instant the week's ledger is due (default Friday 15:00 Asia/Shanghai)."""
    return datetime.combine(week.day(policy.deadline_weekday), policy.deadline_time, CHINA)


def campaign_weeks(first_day: date, last_day: date, policy: LedgerPolicy) -> list[Week]:
    """The weeks whose deadline day lies within the campaign's days, in order."""
    if last_day < first_day:
        raise InvalidInput("a campaign cannot end before it starts", field="last_day")
    weeks = []
    week = week_of(first_day)
    while week.day(policy.deadline_weekday) <= last_day:
        if week.day(policy.deadline_weekday) >= first_day:
            weeks.append(week)
        week = week_of(week.day(0) + timedelta(days=7))
    return weeks


@dataclass(frozen=True)
class LedgerSubmission:
    """A community's ledger for a week, when it was submitted, and whether the community
    leader signed it."""

    community_code: str
    week: Week
    submitted_at: datetime
    signed_by_leader: bool

    def __post_init__(self) -> None:
        ensure_aware(self.submitted_at, "submitted_at")


@dataclass(frozen=True)
class LedgerVerdict:
    """A community's ledger status for a week, and the submission that decided it."""

    community_code: str
    week: Week
    status: LedgerStatus
    deadline: datetime
    submitted_at: datetime | None


def classify(
    community_code: str,
    week: Week,
    submissions: Iterable[LedgerSubmission],
    as_of: datetime,
    policy: LedgerPolicy,
) -> LedgerVerdict:
    """Whether `community_code`'s ledger for `week` was on time, late, missing or pending."""
    due = deadline(week, policy)
    signed = [
        s.submitted_at
        for s in submissions
        if s.community_code == community_code and s.week == week and s.signed_by_leader
    ]
    if signed:
        first = min(signed)
        status = LedgerStatus.ON_TIME if first <= due else LedgerStatus.LATE
        return LedgerVerdict(community_code, week, status, due, first)
    status = LedgerStatus.MISSING if ensure_aware(as_of, "as_of") > due else LedgerStatus.PENDING
    return LedgerVerdict(community_code, week, status, due, None)


def ledger_board(
    communities: Iterable[str],
    weeks: Iterable[Week],
    submissions: Iterable[LedgerSubmission],
    as_of: datetime,
    policy: LedgerPolicy,
) -> list[LedgerVerdict]:
    """Every community's verdict for every week, by week then community."""
    subs = list(submissions)
    return [
        classify(code, week, subs, as_of, policy)
        for week in sorted(set(weeks))
        for code in sorted(set(communities))
    ]
