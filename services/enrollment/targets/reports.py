"""The village public payment list (公示) and statistics with percentage shares."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import RuleViolation
from libs.common.pii import PiiVault
from services.enrollment import access
from services.enrollment.domain.progress import share_percent
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.persons.models import Household, Person
from services.enrollment.schemes import service as schemes
from services.enrollment.targets.schemas import PublicListRow, ShareRow, Statistics


async def public_list(
    uow: UnitOfWork, user: Principal, vault: PiiVault, village: str, scheme: str, year: int
) -> list[PublicListRow]:
    """Who in the village is enrolled, what they owe and paid; names and IDs masked."""
    access.require(user, access.READERS, village)
    if identifiers.unit_level(village) is not identifiers.UnitLevel.VILLAGE:
        raise RuleViolation(f"{village} is not a village.", field="unit_code")
    await schemes.require_scheme_year(uow.session, village, scheme, year)
    rows = await uow.session.execute(
        select(Enrollment, Person.name, Person.resident_id_enc, Household.number)
        .join(Person, Person.id == Enrollment.person_id)
        .outerjoin(Household, Household.id == Person.household_id)
        .where(
            Enrollment.unit_code == village,
            Enrollment.scheme_code == scheme,
            Enrollment.year == year,
        )
        .order_by(Household.number, Person.name)
    )
    return [
        PublicListRow(
            household=number,
            name=access.mask_name(name),
            resident_id=identifiers.mask_resident_id(vault.decrypt(enc)),
            tier=e.tier,
            subsidy_category=e.subsidy_category,
            due=e.due,
            paid=e.paid,
            state=e.state,
        )
        for e, name, enc, number in rows
    ]


async def statistics(
    uow: UnitOfWork, user: Principal, scheme: str, year: int, unit_code: str
) -> Statistics:
    """Counts by state and subsidy category in a subtree, with shares (explicit rounding)."""
    access.require(user, access.READERS, unit_code)
    policy = schemes.policy_of(
        await schemes.require_scheme_year(uow.session, unit_code, scheme, year)
    )
    rows = (
        await uow.session.execute(
            select(Enrollment.state, Enrollment.subsidy_category, Enrollment.counted).where(
                Enrollment.scheme_code == scheme,
                Enrollment.year == year,
                Enrollment.unit_code.startswith(identifiers.unit_prefix(unit_code)),
            )
        )
    ).all()
    total = len(rows)
    rounding, places = policy.reporting.share_rounding, policy.reporting.share_places
    groups = {
        "state": Counter(r.state for r in rows),
        "subsidy_category": Counter(r.subsidy_category or "none" for r in rows),
        "counted": Counter("yes" if r.counted else "no" for r in rows),
    }
    shares = (
        [
            ShareRow(
                group=group,
                value=value,
                count=n,
                percent=share_percent(Decimal(n), Decimal(total), rounding, places),
            )
            for group, counter in groups.items()
            for value, n in sorted(counter.items())
        ]
        if total
        else []
    )
    return Statistics(
        scheme_code=scheme,
        year=year,
        unit_code=unit_code,
        total=total,
        rounding=f"{rounding} to {places} decimal place(s) of a percent",
        rows=shares,
    )
