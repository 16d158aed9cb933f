"""The mandatory inspection cadence of an entity, when its next inspection is due, and which
periods it missed (DOMAIN §3, §4.1; 001:L218, L234, L135, 002:L1243, 001:L26).

Cadence: key units (重点监管单位) are inspected monthly, every other entity quarterly
(001:L218, L234). A policy may set a faster cadence for a sector or for a flag an entity
carries (other plans ask for 1–2 a month, 001:L135, or every two weeks, 002:L1243), and a credit
grade may set one too (较差/差 get the key-unit monthly cadence, DOMAIN §4.1). The cadence is the
*fastest* of all that apply, so neither credit nor any other setting can ever lower it.

Periods and due dates (our convention; the sources say only "once a month/quarter"):
- an entity owes one inspection in every calendar period of its cadence (`periods.py`), in
  Asia/Shanghai days;
- its cadence history is a list of spans (cadence, effective from): the first starts on the
  day it was registered, a new one on each day its cadence was recomputed (grade change, policy
  change, key-unit flag);
- a span owes the periods that *begin* on or after its first day, so an entity registered on
  30 March is not overdue on 1 April; and a span keeps owing its periods until a later span's
  first period begins, so a cadence change neither drops periods nor owes two at once: graded
  差 on 15 January, an ordinary entity owes monthly inspections from February; regraded 优秀
  on 10 February, it still owes February and March, then quarterly from the second quarter;
  a recomputation that yields the same cadence changes nothing;
- an inspection in a period satisfies it; the next inspection is due in the first owed period
  that starts after the last inspection's day, by the end of that period's last day;
- an owed period that ends with no inspection in it is *missed*: `inspection.overdue` is
  emitted once for it, keyed by the entity and the period's label.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import Field, model_validator

from libs.common.events.catalogue.common import Sector
from libs.common.events.catalogue.scoring import Grade

from .errors import InvalidInput
from .local_time import end_of_day, local_day
from .periods import Cadence, Period, fastest, first_period_from
from .policy_base import PolicyModel, parse_policy

FlagName = str


class CadencePolicy(PolicyModel):
    """Which cadence applies to whom; every override may only make inspections more frequent."""

    version: str = Field(min_length=1, max_length=64)
    key_unit: Cadence = Cadence.MONTHLY
    default: Cadence = Cadence.QUARTERLY
    by_grade: dict[Grade, Cadence] = Field(default_factory=dict)
    by_sector: dict[Sector, Cadence] = Field(default_factory=dict)
    by_flag: dict[FlagName, Cadence] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _only_faster(self) -> "CadencePolicy":
        overrides = [("key_unit", self.key_unit)]
        overrides += [(f"by_grade.{k}", v) for k, v in self.by_grade.items()]
        overrides += [(f"by_sector.{k}", v) for k, v in self.by_sector.items()]
        overrides += [(f"by_flag.{k}", v) for k, v in self.by_flag.items()]
        for name, cadence in overrides:
            if cadence.per_year < self.default.per_year:
                raise ValueError(
                    f"{name} = {cadence} is slower than the default {self.default}: "
                    "a setting may only make inspections more frequent"
                )
        return self


def parse_cadence_policy(text: str) -> CadencePolicy:
    """Parse and validate a cadence policy from TOML text."""
    return parse_policy(CadencePolicy, text)


@dataclass(frozen=True)
class EntityProfile:
    """What decides an entity's cadence: key-unit flag, sector, flags and credit grade."""

    key_unit: bool
    sector: Sector
    grade: Grade | None = None
    flags: frozenset[FlagName] = frozenset()


def mandatory_cadence(entity: EntityProfile, policy: CadencePolicy) -> Cadence:
    """The fastest cadence that applies to `entity`: never slower than its key-unit or default
    one, whatever its grade."""
    applicable = [policy.key_unit if entity.key_unit else policy.default]
    if entity.sector in policy.by_sector:
        applicable.append(policy.by_sector[entity.sector])
    applicable += [policy.by_flag[flag] for flag in entity.flags if flag in policy.by_flag]
    if entity.grade is not None and entity.grade in policy.by_grade:
        applicable.append(policy.by_grade[entity.grade])
    return fastest(*applicable)


@dataclass(frozen=True)
class Due:
    """The period in which an entity's next inspection is due, and the instant it is due by."""

    period: Period
    due_by: datetime

    def overdue_at(self, at: datetime) -> bool:
        """Whether the inspection is overdue at instant `at`."""
        return at >= self.due_by


@dataclass(frozen=True)
class CadenceSpan:
    """A cadence in force from a local day (the entity's registration, or a recomputation)."""

    cadence: Cadence
    effective_from: date


def _ordered(history: Iterable[CadenceSpan]) -> list[CadenceSpan]:
    spans = sorted(history, key=lambda span: span.effective_from)
    if not spans:
        raise InvalidInput("a cadence history holds at least one span", field="history")
    days = [span.effective_from for span in spans]
    if len(set(days)) != len(days):
        raise InvalidInput("two cadences take effect on the same day", field="history")
    return spans


def cadence_in_force(history: Iterable[CadenceSpan], day: date) -> Cadence | None:
    """The cadence in force on local `day` (None before the entity's first span)."""
    in_force = [span for span in _ordered(history) if span.effective_from <= day]
    return in_force[-1].cadence if in_force else None


def record_cadence(
    history: Iterable[CadenceSpan], cadence: Cadence, effective_from: date
) -> tuple[CadenceSpan, ...]:
    """The history after a recomputation gave `cadence` from `effective_from`: a span of the
    same day is replaced (the latest recomputation of a day wins), and a span repeating the
    cadence before it is dropped, since it would change nothing."""
    spans = [span for span in history if span.effective_from != effective_from]
    merged = sorted([*spans, CadenceSpan(cadence, effective_from)], key=lambda s: s.effective_from)
    kept: list[CadenceSpan] = []
    for span in merged:
        if not kept or kept[-1].cadence is not span.cadence:
            kept.append(span)
    return tuple(kept)


def owed_periods(history: Iterable[CadenceSpan]) -> Iterator[Period]:
    """Every period that owes an inspection, oldest first (an endless iterator).

    A span owes its periods that begin on or after its first day and end by the time any
    later span's first period begins, so that owed periods never overlap.
    """
    spans = _ordered(history)
    firsts = [first_period_from(span.cadence, span.effective_from) for span in spans]
    for index, period in enumerate(firsts):
        later = [first.start for first in firsts[index + 1 :]]
        if not later:
            while True:
                yield period
                period = period.next()
        boundary = min(later)
        while period.until <= boundary:
            yield period
            period = period.next()


def due_after(history: Iterable[CadenceSpan], last_inspected_at: datetime | None) -> Due:
    """The first owed period that starts after the last inspection's day (the first owed
    period if there was none), and the instant it is due by."""
    last_day = None if last_inspected_at is None else local_day(last_inspected_at)
    for period in owed_periods(history):
        if last_day is None or period.start > last_day:
            return Due(period, end_of_day(period.last_day))
    raise AssertionError("owed_periods never ends")  # pragma: no cover


def missed_periods_over(
    history: Iterable[CadenceSpan], inspected_at: Iterable[datetime], as_of: datetime
) -> list[Period]:
    """The owed periods that had ended by `as_of` with no inspection in them, oldest first;
    one `inspection.overdue` is owed for each."""
    inspected_days = sorted({local_day(at, "inspected_at") for at in inspected_at})
    today = local_day(as_of, "as_of")
    missed: list[Period] = []
    for period in owed_periods(history):
        if period.until > today:
            return missed
        if not any(period.contains(day) for day in inspected_days):
            missed.append(period)
    raise AssertionError("owed_periods never ends")  # pragma: no cover


def next_due(last_inspected_at: datetime | None, counted_from: date, cadence: Cadence) -> Due:
    """`due_after` for an entity whose cadence has not changed since `counted_from`."""
    return due_after([CadenceSpan(cadence, counted_from)], last_inspected_at)


def missed_periods(
    inspected_at: Iterable[datetime], counted_from: date, cadence: Cadence, as_of: datetime
) -> list[Period]:
    """`missed_periods_over` for an entity whose cadence has not changed since `counted_from`."""
    return missed_periods_over([CadenceSpan(cadence, counted_from)], inspected_at, as_of)
