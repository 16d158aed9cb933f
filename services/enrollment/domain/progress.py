"""Target progress per unit, rolled up the admin tree, and percentage shares.

Completions count only when deposited before the cut-off (000:L421); the service layer
passes those tallies in. Targets compare the exact ratio; rounding is for display only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .errors import InvalidAmount
from .policy import Reporting, ShareRounding, Target
from .units import ancestors_of, parent_of, unit_level


@dataclass(frozen=True)
class UnitProgress:
    """Done against task for one unit (persons or money)."""

    unit: str
    done: Decimal
    task: Decimal

    def ratio(self) -> Fraction | None:
        """The exact share of the task done; None when there is no task."""
        return Fraction(self.done) / Fraction(self.task) if self.task else None

    def percent(self, reporting: Reporting) -> Decimal | None:
        """The progress percentage under the policy's rounding rule."""
        if not self.task:
            return None
        return share_percent(self.done, self.task, reporting.share_rounding, reporting.share_places)

    def reaches(self, rate: Decimal) -> bool:
        """Whether the exact progress reaches `rate` (e.g. 0.98): 9790/10000 does not."""
        ratio = self.ratio()
        return ratio is not None and ratio >= Fraction(rate)


def share_percent(
    part: Decimal, whole: Decimal, rounding: ShareRounding = "truncate", places: int = 1
) -> Decimal:
    """`part` as a percentage of `whole`: 906/23262 → 3.8 truncated, 3.9 half-up."""
    if part < 0 or whole <= 0:
        raise InvalidAmount(f"cannot take a share of {part} in {whole}")
    scaled = Fraction(part) * 100 * 10**places / Fraction(whole)
    # Exact arithmetic: a Decimal context would round 3.99…9 up before truncating.
    units = math.floor(scaled) if rounding == "truncate" else math.floor(scaled + Fraction(1, 2))
    return Decimal(units).scaleb(-places)


def roll_up(done: Mapping[str, Decimal], tasks: Mapping[str, Decimal]) -> dict[str, UnitProgress]:
    """Progress of every unit and its ancestors: done sums the subtree, a task set for a
    unit by the level above wins over the sum of its children's tasks."""
    units = {unit for code in (*done, *tasks) for unit in (code, *ancestors_of(code))}
    children: defaultdict[str, list[str]] = defaultdict(list)
    for unit in units:
        parent = parent_of(unit)
        if parent is not None:
            children[parent].append(unit)
    done_total: dict[str, Decimal] = {}
    task_total: dict[str, Decimal] = {}
    for unit in sorted(units, key=unit_level, reverse=True):
        below = children[unit]
        done_total[unit] = done.get(unit, Decimal(0)) + sum(
            (done_total[c] for c in below), Decimal(0)
        )
        own_task = tasks.get(unit)
        task_total[unit] = (
            own_task if own_task is not None else sum((task_total[c] for c in below), Decimal(0))
        )
    return {unit: UnitProgress(unit, done_total[unit], task_total[unit]) for unit in units}


def meets_target(target: Target, progress: UnitProgress, money: Decimal, persons: int) -> bool:
    """Whether a unit meets its target: the rate of its task done (persons or money, as the
    task counts), and the per-capita minimum where set: the money deposited over the
    `persons` completed, whatever the task counts."""
    if not progress.reaches(target.enrollment_rate):
        return False
    minimum = target.per_capita_minimum
    if minimum is None:
        return True
    return persons > 0 and Fraction(money) / persons >= Fraction(minimum)
