"""How a unit's metric becomes its ranking score: stage formula, rate or count."""

from decimal import Decimal
from enum import StrEnum

from .metrics import MetricKind
from .progress import progress_fraction

HUNDRED = Decimal(100)


class FormulaKind(StrEnum):
    """The scoring formulas a campaign may use (stage: see stages.py)."""

    STAGE = "stage"
    RATE = "rate"
    COUNT = "count"


def score_rate(completed: Decimal | int, task: Decimal | int) -> Decimal:
    """Completion rate in percent of the task (e.g. 97.9 for 9,790 of 10,000)."""
    return progress_fraction(completed, task) * HUNDRED


def score_count(count: int, metric: MetricKind) -> Decimal:
    """A count as a score that ranks descending: negated when fewer is better (fires)."""
    return Decimal(count if metric.higher_is_better else -count)
