"""Awards to the first three completers and deductions from the three furthest behind (000:L123)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from .business_calendar import MonthDay, MonthDayField, local_date
from .errors import UnknownPool
from .policy_base import PolicyModel
from .ranking import competition_ranks


class RankAwardMode(StrEnum):
    """How "按时完成任务的前三个" picks the first three among the on-time completers."""

    BY_COMPLETION_TIME = "by_completion_time"
    BY_SCORE = "by_score"


class PoolAmounts(PolicyModel):
    """Award amounts for places 1, 2, 3… and deductions for the worst, second worst…"""

    awards: tuple[Decimal, ...]
    deductions: tuple[Decimal, ...]


class RankAwardPolicy(PolicyModel):
    """Cut-off days, how the first three are chosen, and the amounts of each pool."""

    mode: RankAwardMode = RankAwardMode.BY_COMPLETION_TIME
    award_cutoff: MonthDayField = MonthDay(3, 30)
    deduction_cutoff: MonthDayField = MonthDay(12, 30)
    pools: dict[str, PoolAmounts] = Field(min_length=1)


class PayoutKind(StrEnum):
    """What a unit receives from the rank rules."""

    COMMENDATION = "commendation"
    AWARD = "award"
    CRITICISM = "criticism"
    DEDUCTION = "deduction"


@dataclass(frozen=True)
class RankAwardEntry:
    """A unit's standing: its campaign score and when it completed the annual target."""

    unit_id: str
    pool: str
    score: Decimal
    completed_at: datetime | None


@dataclass(frozen=True)
class UnitPayout:
    """One consequence for a unit; `amount` is yuan of work funds (0 for a circular)."""

    unit_id: str
    pool: str
    kind: PayoutKind
    amount: Decimal
    place: int | None
    text: str


def settle_rank_awards(
    entries: Iterable[RankAwardEntry], policy: RankAwardPolicy, year: int
) -> tuple[UnitPayout, ...]:
    """Commend and award the on-time completers, criticise and fine the laggards, per pool."""
    pools: dict[str, list[RankAwardEntry]] = defaultdict(list)
    for entry in entries:
        if entry.pool not in policy.pools:
            raise UnknownPool(f"no rank-award amounts for pool {entry.pool!r}")
        pools[entry.pool].append(entry)
    payouts: list[UnitPayout] = []
    for pool in sorted(pools):
        amounts = policy.pools[pool]
        payouts += award_first_completers(pools[pool], amounts, policy, year)
        payouts += deduct_laggards(pools[pool], amounts, policy, year)
    return tuple(payouts)


def award_first_completers(
    entries: list[RankAwardEntry], amounts: PoolAmounts, policy: RankAwardPolicy, year: int
) -> list[UnitPayout]:
    """Commend every unit complete by the award cut-off; award the first places (ties share)."""
    cutoff = policy.award_cutoff.in_year(year)
    on_time = [e for e in entries if _completed_by(e, cutoff)]
    if policy.mode is RankAwardMode.BY_COMPLETION_TIME:
        on_time.sort(key=lambda e: (_completed_at(e), e.unit_id))
        places = competition_ranks([_completed_at(e) for e in on_time], descending=False)
    else:
        on_time.sort(key=lambda e: (-e.score, e.unit_id))
        places = competition_ranks([e.score for e in on_time])
    payouts = []
    for entry, place in zip(on_time, places, strict=True):
        payouts.append(_payout(entry, PayoutKind.COMMENDATION, Decimal(0), None))
        if place <= len(amounts.awards):
            payouts.append(_payout(entry, PayoutKind.AWARD, amounts.awards[place - 1], place))
    return payouts


def deduct_laggards(
    entries: list[RankAwardEntry], amounts: PoolAmounts, policy: RankAwardPolicy, year: int
) -> list[UnitPayout]:
    """Criticise every unit not complete by the deduction cut-off; fine the lowest scores most."""
    cutoff = policy.deduction_cutoff.in_year(year)
    late = sorted((e for e in entries if not _completed_by(e, cutoff)), key=_worst_first)
    places = competition_ranks([e.score for e in late], descending=False)
    payouts = []
    for entry, place in zip(late, places, strict=True):
        payouts.append(_payout(entry, PayoutKind.CRITICISM, Decimal(0), None))
        if place <= len(amounts.deductions):
            payouts.append(
                _payout(entry, PayoutKind.DEDUCTION, amounts.deductions[place - 1], place)
            )
    return payouts


def _completed_by(entry: RankAwardEntry, cutoff: date) -> bool:
    return entry.completed_at is not None and local_date(entry.completed_at) <= cutoff


def _completed_at(entry: RankAwardEntry) -> datetime:
    if entry.completed_at is None:
        raise ValueError(f"{entry.unit_id} has not completed")
    return entry.completed_at


def _worst_first(entry: RankAwardEntry) -> tuple[Decimal, str]:
    return entry.score, entry.unit_id


def _payout(
    entry: RankAwardEntry, kind: PayoutKind, amount: Decimal, place: int | None
) -> UnitPayout:
    text = {
        PayoutKind.COMMENDATION: "completed by the award cut-off: 通报表扬",
        PayoutKind.AWARD: f"place {place} among the on-time completers",
        PayoutKind.CRITICISM: "not completed by the deduction cut-off: 通报批评",
        PayoutKind.DEDUCTION: f"place {place} from the bottom among the late units",
    }[kind]
    return UnitPayout(entry.unit_id, entry.pool, kind, amount, place, text)
