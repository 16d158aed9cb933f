"""Turn enrollment domain errors into the platform's problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from libs.common.errors import Conflict, RuleViolation
from services.enrollment.domain.errors import EnrollmentError, StateConflict


@contextmanager
def domain_rules(field: str | None = None) -> Iterator[None]:
    """Re-raise a domain rule's refusal as a 422 carrying its reason code."""
    try:
        yield
    except EnrollmentError as exc:
        raise RuleViolation(exc.detail, field=field, code=exc.code) from exc


@contextmanager
def state_conflicts() -> Iterator[None]:
    """Re-raise a state machine's refusal as a 409 with the same detail."""
    try:
        yield
    except StateConflict as exc:
        raise Conflict(exc.detail) from exc
