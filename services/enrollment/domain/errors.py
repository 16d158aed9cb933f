"""Exceptions raised by the enrollment domain rules.

Each carries a stable reason `code` (for clients and ledgers) and a human `detail`; the
service layer maps the classes to problem documents, the domain never knows about HTTP.
"""

from __future__ import annotations


class EnrollmentError(Exception):
    """Base of every enrollment domain error."""

    code = "enrollment_error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class PolicyError(EnrollmentError):
    """A policy file is invalid, missing, or lacks a value a rule needs."""

    code = "policy_invalid"


class RuleViolation(EnrollmentError):
    """A business rule refuses the request."""

    code = "rule_violated"


class ForbiddenTransition(RuleViolation):
    """The lifecycle does not allow this action in the current state."""

    code = "transition_forbidden"


class AmountAboveStandard(RuleViolation):
    """A payment exceeds the highest premium the scheme may charge (000:L330)."""

    code = "amount_above_standard"


class InvalidAmount(RuleViolation):
    """An amount is zero, negative, or not a whole number of fen."""

    code = "amount_invalid"


class InvalidReversal(RuleViolation):
    """A reversal (冲正) does not match exactly one original payment."""

    code = "reversal_invalid"


class UnknownTier(RuleViolation):
    """The chosen contribution tier does not exist in the scheme's policy."""

    code = "tier_unknown"


class InvalidUnitCode(RuleViolation):
    """An admin-unit code is not a valid 12-digit statistical division code."""

    code = "unit_code_invalid"


class NaiveDatetime(RuleViolation):
    """A datetime without a timezone reached a rule that needs an instant."""

    code = "datetime_naive"


class StateConflict(EnrollmentError):
    """A record's state does not allow the step asked of it (a 409, not a rule's 422)."""

    code = "state_conflict"
