"""Who may enroll in a scheme, decided on a reference date, with the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .dates import age_on
from .facts import PersonFacts
from .policy import SchemePolicy
from .reasons import Reason
from .retirement import decide_retirement


@dataclass(frozen=True)
class EligibilityDecision:
    """Whether the person may enroll, and the rule that decided it."""

    eligible: bool
    reason: Reason


Check = Callable[[SchemePolicy, PersonFacts, date], Reason | None]


def decide_eligibility(policy: SchemePolicy, person: PersonFacts, on: date) -> EligibilityDecision:
    """Decide whether `person` may enroll in the scheme on `on`; the first refusal wins."""
    for check in _CHECKS:
        refusal = check(policy, person, on)
        if refusal is not None:
            return EligibilityDecision(eligible=False, reason=refusal)
    return EligibilityDecision(True, Reason("eligible", f"may enroll in {policy.name}"))


def _check_age(policy: SchemePolicy, person: PersonFacts, on: date) -> Reason | None:
    band = policy.eligibility.age
    age = age_on(person.birth_date, on)
    if band.contains(age):
        return None
    low = "" if band.min_age is None else band.min_age
    high = "" if band.max_age is None else band.max_age
    bounds = f"{low}–{high}"
    return Reason("ineligible.age", f"age {age} on {on.isoformat()} is outside {bounds}")


def _check_student(policy: SchemePolicy, person: PersonFacts, on: date) -> Reason | None:
    if policy.eligibility.exclude_students and person.student:
        return Reason("ineligible.student", "students in school are not in scope")
    return None


def _check_employee(policy: SchemePolicy, person: PersonFacts, on: date) -> Reason | None:
    if policy.eligibility.exclude_employee_scheme and person.in_employee_scheme:
        return Reason("ineligible.employee_scheme", "already insured in the employee scheme")
    return None


def _check_residence(policy: SchemePolicy, person: PersonFacts, on: date) -> Reason | None:
    rules = policy.eligibility
    if not rules.require_local_hukou or person.local_hukou:
        return None
    if "student" in rules.nonlocal_allowed_if and person.student:
        return None
    if "residence_permit" in rules.nonlocal_allowed_if and person.residence_permit:
        return None
    return Reason("ineligible.residence", "no local household registration or admitted exception")


def _check_retirement(policy: SchemePolicy, person: PersonFacts, on: date) -> Reason | None:
    if policy.retirement is None:
        return None
    decision = decide_retirement(policy, person, on)
    return None if decision.may_keep_paying else Reason("ineligible.retired", decision.reason.text)


_CHECKS: tuple[Check, ...] = (
    _check_age,
    _check_student,
    _check_employee,
    _check_residence,
    _check_retirement,
)
