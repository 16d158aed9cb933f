"""The 双随机 spot-check draw (一单两库一细则): which entities are checked in a period, and by
which inspectors (DOMAIN §3, §4.1; 001:L26).

The draw is a keyed hash ranking, so that anyone holding the seed and the two lists (the
entity list with grades, 检查对象名录库; the inspector pool, 执法检查人员名录库) can redo it by
hand, and the order in which the lists are given never matters:

1. entities are grouped by grade (an entity with no grade yet counts as the policy's
   `ungraded_as`, default 一般, the "normal" ratio);
2. in each group, `ceil(size × ratio)` entities are drawn: those with the smallest
   `sha256("{seed}|{period}|{credit_code}")` (hex digest, compared as text);
3. each drawn entity gets `inspectors_per_check` inspectors (at least 2): among the inspectors
   with no declared conflict of interest with it, those with the smallest
   `sha256("{seed}|{period}|{credit_code}|{inspector_id}")`.

A draw that cannot staff a check is refused as a whole, naming the entity.
"""

import hashlib
import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field, model_validator

from libs.common.events.catalogue.scoring import Grade

from .errors import InvalidInput, PoolCannotStaff
from .policy_base import PolicyModel, parse_policy


class SpotCheckPolicy(PolicyModel):
    """Sampling ratio per grade and period, and how many inspectors staff one check."""

    version: str = Field(min_length=1, max_length=64)
    ratio_by_grade: dict[Grade, Decimal]
    ungraded_as: Grade = Grade.FAIR
    inspectors_per_check: int = Field(default=2, ge=2, le=10)

    @model_validator(mode="after")
    def _every_grade_has_a_ratio(self) -> "SpotCheckPolicy":
        missing = set(Grade) - set(self.ratio_by_grade)
        if missing:
            raise ValueError(f"ratio_by_grade must name every grade, missing {sorted(missing)}")
        if any(not 0 <= ratio <= 1 for ratio in self.ratio_by_grade.values()):
            raise ValueError("sampling ratios lie between 0 and 1")
        return self


def parse_spot_check_policy(text: str) -> SpotCheckPolicy:
    """Parse and validate a spot-check policy from TOML text."""
    return parse_policy(SpotCheckPolicy, text)


@dataclass(frozen=True)
class Candidate:
    """An entity of the list to draw from, with its current credit grade if it has one."""

    credit_code: str
    grade: Grade | None


@dataclass(frozen=True)
class Inspector:
    """An inspector of the pool and the entities they declared a conflict of interest with."""

    inspector_id: str
    conflicts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SpotCheck:
    """One drawn check: the entity, the grade it was drawn under, and its inspectors."""

    credit_code: str
    grade: Grade
    inspectors: tuple[str, ...]


@dataclass(frozen=True)
class SpotCheckDraw:
    """The result of one draw, with everything needed to redo it."""

    period: str
    seed: str
    policy_version: str
    population: dict[Grade, int]
    checks: tuple[SpotCheck, ...]


def sample_size(population: int, ratio: Decimal) -> int:
    """How many of `population` entities to draw at `ratio`, rounded up."""
    return math.ceil(population * ratio)


def entity_rank(seed: str, period: str, credit_code: str) -> str:
    """The entity's place in the draw: smaller is drawn first."""
    return hashlib.sha256(f"{seed}|{period}|{credit_code}".encode()).hexdigest()


def inspector_rank(seed: str, period: str, credit_code: str, inspector_id: str) -> str:
    """The inspector's place for one entity's check: smaller is drawn first."""
    key = f"{seed}|{period}|{credit_code}|{inspector_id}"
    return hashlib.sha256(key.encode()).hexdigest()


def _unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise InvalidInput(f"{what} {value} is listed twice", field=what)
        seen.add(value)


def draw(
    period: str,
    seed: str,
    entities: Iterable[Candidate],
    inspectors: Iterable[Inspector],
    policy: SpotCheckPolicy,
) -> SpotCheckDraw:
    """Draw the period's spot checks; the same inputs in any order give the same draw."""
    if not seed or "|" in seed or not period or "|" in period:
        raise InvalidInput("seed and period must be non-empty and hold no '|'", field="seed")
    entities, pool = list(entities), list(inspectors)
    _unique((e.credit_code for e in entities), "credit_code")
    _unique((i.inspector_id for i in pool), "inspector_id")
    groups: dict[Grade, list[str]] = {grade: [] for grade in Grade}
    for entity in entities:
        groups[entity.grade or policy.ungraded_as].append(entity.credit_code)
    checks = []
    for grade, codes in groups.items():
        size = sample_size(len(codes), policy.ratio_by_grade[grade])
        drawn = sorted(codes, key=lambda code: entity_rank(seed, period, code))[:size]
        checks += [
            SpotCheck(code, grade, _staff(seed, period, code, pool, policy)) for code in drawn
        ]
    return SpotCheckDraw(
        period=period,
        seed=seed,
        policy_version=policy.version,
        population={grade: len(codes) for grade, codes in groups.items()},
        checks=tuple(sorted(checks, key=lambda check: check.credit_code)),
    )


def _staff(
    seed: str, period: str, credit_code: str, pool: list[Inspector], policy: SpotCheckPolicy
) -> tuple[str, ...]:
    free = [i.inspector_id for i in pool if credit_code not in i.conflicts]
    needed = policy.inspectors_per_check
    if len(free) < needed:
        raise PoolCannotStaff(
            f"only {len(free)} inspectors without a conflict of interest can check "
            f"{credit_code}, {needed} are needed",
            field="inspectors",
        )
    base = hashlib.sha256(f"{seed}|{period}|{credit_code}|".encode())

    def rank(inspector_id: str) -> str:  # inspector_rank, without rehashing the shared prefix
        hasher = base.copy()
        hasher.update(inspector_id.encode())
        return hasher.hexdigest()

    return tuple(heapq.nsmallest(needed, free, key=rank))
