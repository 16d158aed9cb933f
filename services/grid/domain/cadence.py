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
- counting starts with the first period that *begins* on or after the day the obligation
  started (registration, or the day the current cadence took effect), so an entity registered
  on 30 March is not overdue on 1 April, and one whose grade fell to 差 mid-month is first held
  to the monthly cadence in the next month;
- an inspection in a period satisfies that period; the next one is due in the following
  period, by the end of its last day;
- a period that ends with no inspection in it is *missed*: `inspection.overdue` is emitted once
  for it, keyed by the entity and the period's label.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import Field, model_validator

from libs.common.events.catalogue.common import Sector
from libs.common.events.catalogue.scoring import Grade

from .local_time import end_of_day, local_day
from .periods import Cadence, Period, fastest, first_period_from, period_containing
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


def next_due(last_inspected_at: datetime | None, counted_from: date, cadence: Cadence) -> Due:
    """When the next inspection is due: in the period after the last inspection's, but never
    in a period before the first counted one (the first period starting on or after
    `counted_from`, the day the obligation or the current cadence began)."""
    period = first_period_from(cadence, counted_from)
    if last_inspected_at is not None:
        after_last = period_containing(cadence, local_day(last_inspected_at)).next()
        period = max(period, after_last)
    return Due(period, end_of_day(period.last_day))


def missed_periods(
    inspected_at: Iterable[datetime], counted_from: date, cadence: Cadence, as_of: datetime
) -> list[Period]:
    """The periods of `cadence` from the first counted one that had ended by `as_of` with no
    inspection in them, oldest first; one `inspection.overdue` is owed for each."""
    inspected_days = {local_day(at, "inspected_at") for at in inspected_at}
    today = local_day(as_of, "as_of")
    missed = []
    period = first_period_from(cadence, counted_from)
    while period.until <= today:
        if not any(period.contains(day) for day in inspected_days):
            missed.append(period)
        period = period.next()
    return missed
