"""Turn enrollment domain errors into the platform's problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from libs.common.errors import RuleViolation
from services.enrollment.domain.errors import EnrollmentError


@contextmanager
def domain_rules(field: str | None = None) -> Iterator[None]:
    """Re-raise a domain rule's refusal as a 422 carrying its reason code."""
    try:
        yield
    except EnrollmentError as exc:
        raise RuleViolation(exc.detail, field=field, code=exc.code) from exc
