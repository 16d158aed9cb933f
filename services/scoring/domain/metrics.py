"""The metrics a campaign may assess, and the guard that fine revenue is never one (002:L423)."""

from enum import StrEnum

from .errors import ForbiddenMetric, InvalidPolicy


class MetricKind(StrEnum):
    """What a campaign counts, fed by other services' events."""

    DEPOSITED_ENROLLMENTS = "deposited_enrollments"
    MONEY_COLLECTED = "money_collected"
    HAZARDS_CLOSED_ON_TIME = "hazards_closed_on_time"
    OVERDUE_HAZARDS = "overdue_hazards"
    INSPECTIONS_ON_TIME = "inspections_on_time"
    FIRE_POINTS = "fire_points"

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger value ranks a unit higher (overdue hazards and fires do not)."""
        return self not in _LOWER_IS_BETTER


_LOWER_IS_BETTER = frozenset({MetricKind.OVERDUE_HAZARDS, MetricKind.FIRE_POINTS})

# 罚没收入 must not be an assessment indicator, under any of its names (002:L423).
FORBIDDEN_METRICS = frozenset(
    {
        "fine_revenue",
        "fines",
        "fine_amount",
        "confiscation_revenue",
        "penalty_revenue",
        "罚没收入",
        "罚款",
        "罚没",
    }
)


def ensure_allowed_metric(name: str) -> MetricKind:
    """The metric named `name`; fine revenue raises ForbiddenMetric, unknown names InvalidPolicy."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in FORBIDDEN_METRICS:
        raise ForbiddenMetric(f"{name!r}: fine revenue (罚没收入) may not be assessed (002:L423)")
    try:
        return MetricKind(key)
    except ValueError:
        raise InvalidPolicy(f"unknown metric {name!r}") from None
