"""The shipped default policies and small builders shared by the enrollment unit tests."""

from datetime import date, datetime

from services.enrollment.domain.dates import SHANGHAI
from services.enrollment.domain.facts import PersonFacts, Sex
from services.enrollment.domain.policy import current_policy
from services.enrollment.policy import load_default_policies

POLICIES = load_default_policies()
VARIANT_A = current_policy(POLICIES, "resident_medical", "variant-a", 2025)
VARIANT_B = current_policy(POLICIES, "resident_medical", "variant-b", 2025)
PENSION = current_policy(POLICIES, "resident_pension", "default", 2025)
EMPLOYEE = current_policy(POLICIES, "employee_pension", "default", 2025)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant on the Asia/Shanghai business calendar."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def person(
    age: int = 30, on: date = date(2025, 11, 1), sex: Sex = Sex.MALE, **facts: object
) -> PersonFacts:
    """A person who is `age` on `on` (born the day after `on`, `age + 1` years earlier)."""
    birth = date(on.year - age - 1, on.month, on.day + 1) if on.day < 28 else None
    assert birth is not None, "pick a reference day before the 28th"
    return PersonFacts(birth_date=birth, sex=sex, **facts)  # type: ignore[arg-type]
