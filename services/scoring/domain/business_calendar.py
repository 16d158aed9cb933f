"""The business calendar: Asia/Shanghai dates, "MM-DD" rules and month arithmetic."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator

from .errors import NaiveDatetime

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ensure_aware(moment: datetime) -> datetime:
    """Return `moment` unchanged, or raise if it carries no time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetime(f"{moment.isoformat()} has no time zone")
    return moment


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware instant."""
    return ensure_aware(moment).astimezone(SHANGHAI).date()


def add_months(day: date, months: int) -> date:
    """Shift `day` by whole months, clipping to the last day of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


@dataclass(frozen=True, order=True)
class MonthDay:
    """A yearless calendar day ("06-30"): the sources mask every year as "20xx"."""

    month: int
    day: int

    def __post_init__(self) -> None:
        if (
            not 1 <= self.month <= 12
            or not 1 <= self.day <= calendar.monthrange(2000, self.month)[1]
        ):
            raise ValueError(f"{self.month:02d}-{self.day:02d} is not a calendar day")

    def in_year(self, year: int) -> date:
        """The date of this month-day in `year` (29 Feb becomes 28 Feb in common years)."""
        last_day = calendar.monthrange(year, self.month)[1]
        return date(year, self.month, min(self.day, last_day))

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def parse_month_day(value: Any) -> Any:
    """Turn an "MM-DD" string into a MonthDay; pass anything else through to validation."""
    if not isinstance(value, str):
        return value
    month, _, day = value.partition("-")
    if not (month.isdigit() and day.isdigit()):
        raise ValueError(f"{value!r} is not an MM-DD month-day")
    return MonthDay(int(month), int(day))


MonthDayField = Annotated[MonthDay, BeforeValidator(parse_month_day)]
