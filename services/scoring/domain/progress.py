"""Progress against a task, and the time-proportional progress (序时进度) expected by a day."""

from datetime import date
from decimal import Decimal

from .errors import InvalidProgress


def progress_fraction(completed: Decimal | int, task: Decimal | int) -> Decimal:
    """Cumulative completion as a fraction of the task (0.785 for 78.5%)."""
    if task <= 0:
        raise InvalidProgress(f"task must be positive, got {task}")
    if completed < 0:
        raise InvalidProgress(f"completed must not be negative, got {completed}")
    return Decimal(completed) / Decimal(task)


def elapsed_fraction(phase_start: date, phase_end: date, on: date) -> Decimal:
    """Share of the phase's days elapsed by the end of `on`, counting both ends, in [0, 1]."""
    if phase_end < phase_start:
        raise InvalidProgress(f"phase ends {phase_end} before it starts {phase_start}")
    total_days = (phase_end - phase_start).days + 1
    elapsed_days = min(max((on - phase_start).days + 1, 0), total_days)
    return Decimal(elapsed_days) / Decimal(total_days)


def time_proportional_progress(
    task: Decimal | int, phase_start: date, phase_end: date, on: date
) -> Decimal:
    """序时进度 (000:L192, undefined there): task × elapsed days / total days of the phase."""
    return Decimal(task) * elapsed_fraction(phase_start, phase_end, on)


def is_behind_schedule(actual: Decimal, expected: Decimal) -> bool:
    """Whether progress falls short of the time-proportional expectation (equal is on time)."""
    return actual < expected
