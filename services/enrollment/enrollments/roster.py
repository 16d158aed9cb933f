"""Rosters (花名册): a village's list of residents, registered and enrolled in one go.

Villages keep their residents in spreadsheets. A roster (CSV, one resident per line)
registers every person not yet known and enrolls each in a scheme-year; a line's outcome
is `enrolled`, `already_enrolled` or `rejected` with a reason code, and a bad line never
stops the file. Lines are handled in chunks of one transaction each, with the same rules,
audit rows, events and live progress as one enrollment at a time.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork, among, bulk_insert, table_of
from libs.common.events.envelope import Event
from libs.common.pii import PiiVault
from services.enrollment import access, csvfile
from services.enrollment.domain.dates import local_date
from services.enrollment.domain.eligibility import decide_eligibility
from services.enrollment.domain.errors import EnrollmentError
from services.enrollment.domain.identity_tags import unknown_tags
from services.enrollment.domain.lifecycle import EnrollmentAction, EnrollmentState
from services.enrollment.domain.policy import SchemePolicy
from services.enrollment.domain.premiums import quote_premium
from services.enrollment.enrollments import audit
from services.enrollment.enrollments.models import ZERO, Enrollment, EnrollmentTransition
from services.enrollment.identity import enrollment_id_of
from services.enrollment.persons import service as persons
from services.enrollment.persons.models import Person
from services.enrollment.schemes import service as schemes
from services.enrollment.targets import tally
from services.enrollment.units import service as units

COLUMNS = (
    "resident_id",
    "name",
    "unit_code",
    "tags",
    "student",
    "in_employee_scheme",
    "local_hukou",
    "residence_permit",
    "new_nonlocal_student",
    "contribution_years",
    "tier",
)
REQUIRED = ("resident_id", "name", "unit_code")
FLAGS = ("student", "in_employee_scheme", "local_hukou", "residence_permit", "new_nonlocal_student")
CHUNK_LINES = 2_000
P, E = table_of(Person), table_of(Enrollment)


@dataclass(frozen=True)
class Line:
    """One roster line, well formed (not yet checked against the rules)."""

    line_no: int
    resident_id: str
    name: str
    unit_code: str
    tags: tuple[str, ...]
    flags: dict[str, bool]
    contribution_years: int
    tier: str | None


@dataclass(frozen=True)
class Refusal:
    """Why a line was not enrolled."""

    line_no: int
    reason_code: str
    detail: str


INTERRUPTED = (
    "The import was interrupted. The residents enrolled so far stay enrolled; import the same "
    "roster again to enroll the rest: those already enrolled come back as `already_enrolled`."
)


@dataclass
class RosterReport:
    """What became of a roster: counts per outcome and the refused lines."""

    lines: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    refused: list[Refusal] = field(default_factory=list)


async def import_roster(
    sessions: async_sessionmaker[AsyncSession],
    user: Principal,
    vault: PiiVault,
    scheme: str,
    year: int,
    data: bytes,
    *,
    chunk_lines: int = CHUNK_LINES,
    progress: Callable[[int], None] | None = None,
) -> RosterReport:
    """Register and enroll every line of a roster the caller may act on."""
    access.require(user, access.OFFICERS)
    async with sessions() as session:
        policy = schemes.policy_of(
            await schemes.require_scheme_year(session, user.jurisdiction, scheme, year)
        )
    report, chunk = RosterReport(), []
    for line_no, row in enumerate(csvfile.read(data, REQUIRED, COLUMNS), start=2):
        chunk.append(parse_line(line_no, row))
        if len(chunk) == chunk_lines:
            await _chunk(sessions, user, vault, policy, scheme, year, chunk, report, progress)
            chunk = []
    if chunk:
        await _chunk(sessions, user, vault, policy, scheme, year, chunk, report, progress)
    return report


def parse_line(line_no: int, row: csvfile.Row) -> Line | Refusal:
    """A roster row as a line, or why it cannot be one."""
    try:
        number = identifiers.validate_resident_id(csvfile.text(row, "resident_id") or "")
        unit = identifiers.validate_unit_code(csvfile.text(row, "unit_code") or "")
    except identifiers.InvalidIdentifier as exc:
        return Refusal(line_no, "identifier_invalid", str(exc))
    name = csvfile.text(row, "name")
    if name is None or len(name) > 64:
        return Refusal(line_no, "name_invalid", "name is missing or longer than 64")
    years = csvfile.text(row, "contribution_years") or "0"
    if not years.isdigit() or int(years) > 80:
        return Refusal(line_no, "contribution_years_invalid", f"{years!r} is not 0–80 years")
    cells = (csvfile.text(row, "tags") or "").split(";")
    tags = tuple(sorted({t.strip() for t in cells if t.strip()}))
    if unknown := unknown_tags(tags):
        return Refusal(
            line_no, "tag_unknown", f"not identity tags: {', '.join(unknown)} (see identity-tags)"
        )
    flags = {f: _yes(csvfile.text(row, f), default=f == "local_hukou") for f in FLAGS}
    tier = csvfile.text(row, "tier")
    return Line(line_no, number, name, unit, tags, flags, int(years), tier)


async def _chunk(
    sessions: async_sessionmaker[AsyncSession],
    user: Principal,
    vault: PiiVault,
    policy: SchemePolicy,
    scheme: str,
    year: int,
    chunk: list[Line | Refusal],
    report: RosterReport,
    progress: Callable[[int], None] | None,
) -> None:
    refused = [line for line in chunk if isinstance(line, Refusal)]
    lines = [line for line in chunk if isinstance(line, Line)]
    async with sessions() as session, UnitOfWork(session) as uow:
        lines = await _admissible(session, user, lines, refused)
        people = await _persons(session, vault, lines)
        rows = [_enrollment_row(policy, scheme, year, people[n.line_no], n, refused) for n in lines]
        enrolled = await _enroll(uow, user, [r for r in rows if r is not None])
        await uow.commit()
    attempted = sum(1 for r in rows if r is not None)
    report.lines += len(chunk)
    report.counts.update(
        enrolled=enrolled, already_enrolled=attempted - enrolled, rejected=len(refused)
    )
    report.refused += sorted(refused, key=lambda r: r.line_no)
    if progress is not None:
        progress(len(chunk))


async def _admissible(
    session: AsyncSession, user: Principal, lines: list[Line], refused: list[Refusal]
) -> list[Line]:
    villages = await units.known_units(session, {line.unit_code for line in lines})
    kept = []
    for line in lines:
        if not user.covers(line.unit_code):
            refused.append(Refusal(line.line_no, "outside_jurisdiction", line.unit_code))
        elif line.unit_code not in villages or not _is_village(line.unit_code):
            refused.append(Refusal(line.line_no, "unit_unknown", f"no village {line.unit_code}"))
        else:
            kept.append(line)
    return kept


async def _persons(session: AsyncSession, vault: PiiVault, lines: list[Line]) -> dict[int, Any]:
    """Each line's person (by line number); those not yet registered are registered now."""
    keyed = {line.line_no: vault.keyed_hash(line.resident_id) for line in lines}
    if not keyed:
        return {}
    first = {key: line for line in reversed(lines) if (key := keyed[line.line_no])}
    new = [_person_row(vault, key, line) for key, line in first.items()]
    await session.execute(pg_insert(P).on_conflict_do_nothing(index_elements=["person_key"]), new)
    found = await session.execute(select(P).where(among(P.c.person_key, first)))
    by_key = {row.person_key: row for row in found}
    return {line_no: by_key[key] for line_no, key in keyed.items()}


async def _enroll(uow: UnitOfWork, user: Principal, rows: list[dict[str, Any]]) -> int:
    """Insert the enrollments not yet there; return how many were new."""
    if not rows:
        return 0
    stmt = pg_insert(E).on_conflict_do_nothing(index_elements=["id"]).returning(E.c.id)
    inserted = set((await uow.session.execute(stmt, rows)).scalars())
    fresh = [r for r in rows if r["id"] in inserted]
    await _announce(uow, user, fresh)
    return len(fresh)


def _enrollment_row(
    policy: SchemePolicy, scheme: str, year: int, person: Any, line: Line, refused: list[Refusal]
) -> dict[str, Any] | None:
    """The enrollment of an eligible line's person, quoted; None (and why) otherwise."""
    facts, now = persons.facts_of(person), datetime.now(UTC)
    eligibility = decide_eligibility(policy, facts, local_date(now))
    if not eligibility.eligible:
        refused.append(Refusal(line.line_no, eligibility.reason.code, eligibility.reason.text))
        return None
    try:
        quote = quote_premium(policy, facts, now, line.tier)
    except EnrollmentError as exc:
        refused.append(Refusal(line.line_no, exc.code, exc.detail))
        return None
    return {
        "id": enrollment_id_of(person.person_key, scheme, year),
        "person_id": person.id,
        "person_key": person.person_key,
        "unit_code": person.unit_code,
        "scheme_code": scheme,
        "year": year,
        "state": EnrollmentState.REGISTERED.value,
        "tier": quote.tier,
        "subsidy_category": quote.category,
        "due": quote.individual.amount,
        "paid": ZERO,
        "deposited": ZERO,
        "overpayment": ZERO,
        "settlement": "unpaid",
        "counted": False,
        "registered_at": now,
        "updated_at": now,
    }


async def _announce(uow: UnitOfWork, user: Principal, fresh: list[dict[str, Any]]) -> None:
    """Audit rows, `person.enrolled` and the live progress of the new enrollments."""
    if not fresh:
        return
    now = fresh[0]["registered_at"]
    register = EnrollmentAction.REGISTER
    trails = [
        audit.trail(r["id"], register, "prospect", "registered", user.subject, "roster", now)
        for r in fresh
    ]
    await bulk_insert(uow.session, table_of(EnrollmentTransition), trails)
    shifts = tally.Shifts()
    events: list[Event] = []
    for r in fresh:
        shifts.move(r["scheme_code"], r["year"], r["unit_code"], tally.NOTHING, _registered())
        events.append(audit.enrolled_event(r, now))
    await tally.apply(uow, shifts, events)
    await uow.emit_all(events)


def _registered() -> tally.Standing:
    return tally.standing(EnrollmentState.REGISTERED.value, False, ZERO)


def _person_row(vault: PiiVault, key: str, line: Line) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "person_key": key,
        "resident_id_enc": vault.encrypt(line.resident_id),
        "name": line.name,
        "household_id": None,
        "unit_code": line.unit_code,
        "birth_date": identifiers.resident_birth_date(line.resident_id),
        "sex": identifiers.resident_sex(line.resident_id).value,
        "tags": list(line.tags),
        "contribution_years": line.contribution_years,
        **line.flags,
    }


def _yes(value: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "y", "是"}


def _is_village(code: str) -> bool:
    return identifiers.unit_level(code) is identifiers.UnitLevel.VILLAGE
