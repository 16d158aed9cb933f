"""The business calendar: Asia/Shanghai dates, ages, windows, cut-offs and phases."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from .errors import NaiveDatetime, PolicyError
from .policy import Phase, SchemePolicy, Window

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(at: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware instant."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetime(f"{at.isoformat()} has no timezone")
    return at.astimezone(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Asia/Shanghai."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def age_on(birth_date: date, day: date) -> int:
    """Age in completed years (周岁) on `day`; a 29 Feb birthday counts from 1 Mar."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


@cache
def month_day(year: int, value: str) -> date:
    """The date of a "MM-DD" month-day in `year`."""
    month, _, day = value.partition("-")
    return date(year, int(month), int(day))


def window_dates(policy: SchemePolicy) -> tuple[date, date]:
    """First and last day (inclusive) of the policy year's collection window."""
    window = _window(policy)
    return _span(policy.year, window.start, window.end)


def window_closes(policy: SchemePolicy) -> date | None:
    """The window's last day: after it, the unpaid fall into arrears. None without one."""
    return None if policy.window is None else window_dates(policy)[1]


@cache  # settling a bank file asks it of every line; the answer is a few dates per policy
def _span(year: int, first: str, last: str) -> tuple[date, date]:
    start, end = month_day(year, first), month_day(year, last)
    # A window such as Dec → Mar runs into the next year.
    return (start, end) if end >= start else (start, month_day(year + 1, last))


def within_window(policy: SchemePolicy, day: date) -> bool:
    """Whether `day` falls inside the concentrated collection window."""
    if policy.window is None:
        return True
    start, end = window_dates(policy)
    return start <= day <= end


def counting_cutoff(policy: SchemePolicy) -> datetime:
    """The unified cut-off: money deposited strictly before it counts (000:L421)."""
    window = _window(policy)
    return _cutoff(policy.year, window.start, window.end, window.cutoff)


@cache
def _cutoff(year: int, first: str, last: str, cutoff: str | None) -> datetime:
    start, end = _span(year, first, last)
    last_day = end
    if cutoff is not None:
        last_day = month_day(start.year, cutoff)
        if last_day < start:
            last_day = month_day(start.year + 1, cutoff)
    return start_of_day(last_day + timedelta(days=1))


def phase_on(policy: SchemePolicy, day: date) -> Phase | None:
    """The campaign phase `day` falls in, if any."""
    for phase in _window(policy).phases:
        start = month_day(policy.year, phase.start)
        end = month_day(policy.year, phase.end)
        if start <= day <= end:
            return phase
    return None


def campaign_phase(policy: SchemePolicy, day: date) -> str | None:
    """The name of the campaign phase `day` falls in; None outside every phase or without
    a window."""
    phase = phase_on(policy, day) if policy.window is not None else None
    return phase.name if phase is not None else None


def _window(policy: SchemePolicy) -> Window:
    if policy.window is None:
        raise PolicyError(f"{policy.scheme_code} has no collection window")
    return policy.window


def age_reference_day(policy: SchemePolicy, paid_on: date) -> date:
    """The day on which ages are counted for this policy's age bands."""
    if policy.age_reference == "year_start":
        return date(policy.year, 1, 1)
    if policy.age_reference == "year_end":
        return date(policy.year, 12, 31)
    return paid_on
