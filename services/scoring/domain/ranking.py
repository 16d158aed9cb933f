"""Rankings within pools: competition ranks for ties, movement, and bottom-N membership.

Bottom N never splits a tie: a unit is in the bottom n when fewer than n units of its pool
score lower, so a tie across the boundary brings in every tied unit (the bottom 5 may hold
6). A pool of n or fewer units has no bottom n (it would name the leader), and a unit tied
with the pool's best score is never behind (at the start, when all score 0, nobody is).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from .cadence import SnapshotCadence
from .errors import DuplicateUnit


class SubjectKind(StrEnum):
    """What a campaign ranks: villages (incl. communities and branch farms), towns, cadres."""

    VILLAGE = "village"
    TOWN = "town"
    INDIVIDUAL = "individual"


@dataclass(frozen=True)
class ScoredUnit:
    """A unit's score in its pool; `progress` (a fraction) serves the 序时进度 trigger."""

    unit_id: str
    pool: str
    score: Decimal
    progress: Decimal | None = None


@dataclass(frozen=True)
class RankedUnit:
    """A unit's place in its pool.

    `rank` is 1 + the number of units scoring higher (ties share it: 1, 2, 2, 4);
    `rank_from_bottom` is 1 + the number scoring lower. `movement` is the previous rank
    minus this one (positive = moved up), None for a unit new to the pool (`is_new`).
    """

    unit_id: str
    pool: str
    score: Decimal
    rank: int
    rank_from_bottom: int
    pool_size: int
    movement: int | None
    is_new: bool
    progress: Decimal | None = None


@dataclass(frozen=True)
class Snapshot:
    """A ranking frozen at the end of a period; `expected_progress` is that day's 序时进度
    as a fraction of the task (see progress.elapsed_fraction), comparable to `progress`."""

    period: str
    taken_on: date
    cadence: SnapshotCadence
    entries: tuple[RankedUnit, ...]
    expected_progress: Decimal | None = None

    def find(self, pool: str, unit_id: str) -> RankedUnit | None:
        """The entry of `unit_id` in `pool`, if it was ranked there."""
        return next((e for e in self.entries if e.pool == pool and e.unit_id == unit_id), None)


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


OrderedT = TypeVar("OrderedT", bound=_Ordered)


def competition_ranks(values: Sequence[OrderedT], *, descending: bool = True) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of `values`, in the order given."""
    ordered = sorted(values, reverse=descending)
    first_place: dict[OrderedT, int] = {}
    for place, value in enumerate(ordered, start=1):
        first_place.setdefault(value, place)
    return [first_place[value] for value in values]


def rank_units(
    units: Iterable[ScoredUnit], previous: Snapshot | None = None
) -> tuple[RankedUnit, ...]:
    """Rank every pool separately, by score descending, with movement since `previous`."""
    pools: dict[str, list[ScoredUnit]] = defaultdict(list)
    for unit in _unique(units):
        pools[unit.pool].append(unit)
    before = {} if previous is None else {(e.pool, e.unit_id): e.rank for e in previous.entries}
    ranked: list[RankedUnit] = []
    for pool in sorted(pools):
        ranked += _rank_pool(pools[pool], before)
    return tuple(ranked)


def take_snapshot(
    period: str,
    taken_on: date,
    cadence: SnapshotCadence,
    units: Iterable[ScoredUnit],
    previous: Snapshot | None = None,
    expected_progress: Decimal | None = None,
) -> Snapshot:
    """Freeze the current ranking of `units` as the snapshot of `period`."""
    entries = rank_units(units, previous)
    return Snapshot(period, taken_on, cadence, entries, expected_progress)


def in_bottom(entry: RankedUnit, n: int) -> bool:
    """Whether `entry` is among the bottom `n` of its pool, under the tie rule above."""
    return entry.pool_size > n and entry.rank_from_bottom <= n and entry.rank > 1


def bottom_members(entries: Iterable[RankedUnit], n: int) -> frozenset[tuple[str, str]]:
    """The (pool, unit id) pairs in the bottom `n` of their pools."""
    return frozenset((entry.pool, entry.unit_id) for entry in entries if in_bottom(entry, n))


def _unique(units: Iterable[ScoredUnit]) -> list[ScoredUnit]:
    units = list(units)
    repeated = [uid for uid, count in Counter(u.unit_id for u in units).items() if count > 1]
    if repeated:
        raise DuplicateUnit(f"units ranked twice: {sorted(repeated)}")
    return units


def _rank_pool(units: list[ScoredUnit], before: Mapping[tuple[str, str], int]) -> list[RankedUnit]:
    units = sorted(units, key=lambda unit: (-unit.score, unit.unit_id))
    scores = [unit.score for unit in units]
    from_top = competition_ranks(scores)
    from_bottom = competition_ranks(scores, descending=False)
    ranked = []
    for unit, rank, rank_from_bottom in zip(units, from_top, from_bottom, strict=True):
        previous_rank = before.get((unit.pool, unit.unit_id))
        movement = None if previous_rank is None else previous_rank - rank
        ranked.append(
            RankedUnit(
                unit.unit_id,
                unit.pool,
                unit.score,
                rank,
                rank_from_bottom,
                len(units),
                movement,
                previous_rank is None,
                unit.progress,
            )
        )
    return ranked
