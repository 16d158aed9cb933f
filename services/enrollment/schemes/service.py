"""Scheme use cases: offer a scheme for a year from a shipped policy, quote premiums."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache

from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import identifiers
from libs.common.auth import Principal, Role
from libs.common.db import UnitOfWork
from libs.common.errors import NotFound, RuleViolation
from services.enrollment import access
from services.enrollment.domain import regions
from services.enrollment.domain.dates import campaign_phase, local_date
from services.enrollment.domain.eligibility import decide_eligibility
from services.enrollment.domain.facts import PersonFacts, Sex
from services.enrollment.domain.policy import PolicyKey, SchemePolicy
from services.enrollment.domain.premiums import PremiumQuote, quote_premium
from services.enrollment.domain.reasons import Reason
from services.enrollment.domain.retirement import (
    RetirementDecision,
    WageBaseQuote,
    decide_retirement,
    quote_wage_base,
)
from services.enrollment.errors import domain_rules
from services.enrollment.policy import load_default_policies
from services.enrollment.schemes.models import SchemeYear
from services.enrollment.schemes.schemas import (
    DecidedAmount,
    EligibilityRead,
    PayerShareRead,
    QuoteRead,
    QuoteRequest,
    RetirementRead,
    Rule,
    SchemeYearPut,
    SchemeYearRead,
)

PolicyOf = tuple[str, str, int]
"""A scheme-year's key: (region, scheme, year)."""


@lru_cache(maxsize=1)
def shipped_policies() -> dict[PolicyKey, SchemePolicy]:
    """The default policies shipped in `policy/*.toml`."""
    return load_default_policies()


def template_policy(template: str) -> SchemePolicy:
    """The newest shipped policy for `scheme/region`; 422 when there is none."""
    scheme, _, region = template.partition("/")
    found = [p for p in shipped_policies().values() if p.key[:2] == (scheme, region)]
    if not found:
        raise RuleViolation(f"No shipped policy {template!r}.", field="template")
    return max(found, key=lambda policy: (policy.year, policy.version))


async def offer_scheme_year(
    uow: UnitOfWork, user: Principal, region: str, code: str, year: int, body: SchemeYearPut
) -> SchemeYearRead:
    """A region adopts a shipped template as its scheme `code` for `year` (or edits it).

    Only a district admin whose jurisdiction covers the region: another region's admin is
    refused (403) and changes nothing.
    """
    require_region(region)
    access.require(user, (Role.DISTRICT_ADMIN,), region)
    base = template_policy(body.template).model_dump(mode="json")
    try:
        policy = SchemePolicy.model_validate(
            base | body.overrides | {"year": body.collection_year or year}
        )
    except ValidationError as exc:
        raise RuleViolation(f"The policy is invalid: {exc}", field="overrides") from exc
    row = await uow.session.get(SchemeYear, (region, code, year)) or SchemeYear(
        region_code=region, scheme_code=code, year=year
    )
    row.name = body.name or policy.name
    row.template = body.template
    row.task_kind = body.task_kind
    row.policy = policy.model_dump(mode="json")
    uow.session.add(row)
    await uow.commit()
    return _read(row)


async def get_scheme_year(
    uow: UnitOfWork, user: Principal, region: str, code: str, year: int
) -> SchemeYearRead:
    """A region's scheme-year and its policy (readers in or above the region; else 404)."""
    access.require(user, access.READERS)
    row = await _region_scheme_year(uow.session, user, region, code, year)
    return _read(row)


def require_region(region: str) -> None:
    """422 naming `region_code` unless it is a district (区/县) code."""
    if not regions.is_region(region):
        raise RuleViolation(
            f"{region} is not a district: scheme-years belong to a district.",
            field="region_code",
        )


async def _region_scheme_year(
    session: AsyncSession, user: Principal, region: str, code: str, year: int
) -> SchemeYear:
    require_region(region)
    inside = user.covers(region) or regions.region_of(user.jurisdiction) == region
    row = await session.get(SchemeYear, (region, code, year)) if inside else None
    if row is None:
        raise NotFound(f"Scheme {code!r} is not offered for {year} in region {region}.")
    return row


async def require_scheme_year(
    session: AsyncSession, unit_code: str, code: str, year: int
) -> SchemeYear:
    """The scheme-year of the region covering `unit_code`; 422 naming the scheme when that
    region does not offer it."""
    region = regions.region_of(unit_code)
    row = None if region is None else await session.get(SchemeYear, (region, code, year))
    if row is None:
        raise RuleViolation(
            f"Scheme {code!r} is not offered for {year} in the region of {unit_code}.",
            field="scheme_code",
            code="scheme_unknown",
        )
    return row


def policy_key(unit_code: str, code: str, year: int) -> PolicyOf:
    """The key `policies_for` takes: the region covering `unit_code`, the scheme, the year."""
    return (regions.region_of(unit_code) or "", code, year)


async def policies_for(
    session: AsyncSession, keys: Iterable[PolicyOf]
) -> dict[PolicyOf, SchemePolicy]:
    """The policies of the offered scheme-years among `keys` (region, scheme, year, from
    `policy_key`; unknown ones are absent).

    A policy is read and validated again only when its scheme-year changed: every chunk of
    payments asks for the same few, and validating one costs more than a payment's rules.
    """
    wanted = list(set(keys))
    if not wanted:
        return {}
    known = _checked_in_this_transaction(session)
    if all(key in known for key in wanted):  # a use case asks again for what it already has
        return {key: known[key] for key in wanted}
    database = session.bind.engine.url.render_as_string() if session.bind is not None else ""
    stamps = (
        await session.execute(
            select(
                SchemeYear.region_code,
                SchemeYear.scheme_code,
                SchemeYear.year,
                SchemeYear.updated_at,
            ).where(
                tuple_(SchemeYear.region_code, SchemeYear.scheme_code, SchemeYear.year).in_(wanted)
            )
        )
    ).all()
    stale = [
        (s.region_code, s.scheme_code, s.year)
        for s in stamps
        if _VALIDATED.get((database, s.region_code, s.scheme_code, s.year), (None,))[0]
        != s.updated_at
    ]
    if stale:
        rows = await session.execute(
            select(
                SchemeYear.region_code,
                SchemeYear.scheme_code,
                SchemeYear.year,
                SchemeYear.updated_at,
                SchemeYear.policy,
            ).where(
                tuple_(SchemeYear.region_code, SchemeYear.scheme_code, SchemeYear.year).in_(stale)
            )
        )
        for r in rows:
            policy = SchemePolicy.model_validate(r.policy)
            _VALIDATED[(database, r.region_code, r.scheme_code, r.year)] = (r.updated_at, policy)
    found = {
        (s.region_code, s.scheme_code, s.year): _VALIDATED[
            (database, s.region_code, s.scheme_code, s.year)
        ][1]
        for s in stamps
    }
    known.update(found)
    return found


def _checked_in_this_transaction(session: AsyncSession) -> dict[PolicyOf, SchemePolicy]:
    """The policies already checked in the session's current transaction: a use case that
    asks twice (a ledger post, then its settlement) applies the policy it started with
    without asking the database again."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_CHECKED)
    if held is None or held[0] is not transaction:
        held = session.info[_CHECKED] = (transaction, {})
    checked: dict[PolicyOf, SchemePolicy] = held[1]
    return checked


_CHECKED = "enrollment.policies_checked"


_VALIDATED: dict[tuple[str, str, str, int], tuple[datetime, SchemePolicy]] = {}
"""(database, region, scheme, year) → (when the scheme-year last changed, its policy)."""


def policy_of(row: SchemeYear) -> SchemePolicy:
    """The validated policy of a scheme-year."""
    return SchemePolicy.model_validate(row.policy)


async def quote(
    uow: UnitOfWork, user: Principal, region: str, code: str, year: int, body: QuoteRequest
) -> QuoteRead:
    """Quote a person's premium under a region's scheme-year: individual amount, subsidy by
    payer, and the deciding rules."""
    access.require(user, access.READERS)
    policy = policy_of(await _region_scheme_year(uow.session, user, region, code, year))
    facts = facts_of_request(body)
    at = body.paid_at or datetime.now(UTC)
    eligibility = decide_eligibility(policy, facts, local_date(at))
    phase = campaign_phase(policy, local_date(at))
    if policy.contribution_basis == "wage_base":
        wage_base = quote_wage_base(policy, facts, at)
        read = wage_base_read(code, year, wage_base, eligibility.eligible, eligibility.reason, at)
        read.phase = phase
        return read
    with domain_rules("tier"):
        premium = quote_premium(policy, facts, at, body.tier)
    read = quote_read(code, year, premium, eligibility.eligible, eligibility.reason, at)
    read.phase = phase
    if policy.retirement is not None:
        read.retirement = retirement_read(decide_retirement(policy, facts, local_date(at)))
    return read


def facts_of_request(body: QuoteRequest) -> PersonFacts:
    """Person facts from a quote request; the ID number wins over stated birth date/sex."""
    if body.resident_id is not None:
        born = identifiers.resident_birth_date(body.resident_id)
        sex = Sex(identifiers.resident_sex(body.resident_id).value)
    elif body.birth_date is not None:
        born, sex = body.birth_date, Sex(body.sex or "male")
    else:
        raise RuleViolation("Give resident_id or birth_date.", field="birth_date")
    return PersonFacts(
        birth_date=born,
        sex=sex,
        tags=frozenset(body.tags),
        student=body.student,
        in_employee_scheme=body.in_employee_scheme,
        local_hukou=body.local_hukou,
        residence_permit=body.residence_permit,
        new_nonlocal_student=body.new_nonlocal_student,
        contribution_years=body.contribution_years,
    )


def quote_read(
    code: str, year: int, q: PremiumQuote, eligible: bool, why: object, at: datetime
) -> QuoteRead:
    """The API form of a domain quote."""
    return QuoteRead(
        scheme_code=code,
        year=year,
        policy_version=q.policy_version,
        tier=q.tier,
        tier_rule=_rule(q.tier_reason),
        individual=DecidedAmount(amount=q.individual.amount, rule=_rule(q.individual.reason)),
        subsidy_by_payer=q.subsidy_by_payer(),
        subsidies=[PayerShareRead(payer=s.payer, amount=s.amount) for s in q.subsidies],
        subsidy_rule=_rule(q.subsidy_reason),
        subsidy_category=q.category,
        total=DecidedAmount(amount=q.total.amount, rule=_rule(q.total.reason)),
        within_window=q.within_window,
        benefits_start=q.benefits_start,
        benefits_rule=_rule(q.benefits_reason),
        eligibility=EligibilityRead(eligible=eligible, rule=_rule(why)),
        quoted_at=at,
    )


def wage_base_read(
    code: str, year: int, q: WageBaseQuote, eligible: bool, why: Reason, at: datetime
) -> QuoteRead:
    """The API form of a wage-base quote: the rules, no invented amount."""
    no_tier = Reason("tier.none", "no contribution tiers: the declared wage base applies")
    return QuoteRead(
        scheme_code=code,
        year=year,
        policy_version=q.policy_version,
        tier=None,
        tier_rule=_rule(no_tier),
        individual=DecidedAmount(amount=None, rule=_rule(q.basis)),
        subsidy_by_payer={},
        subsidies=[],
        subsidy_rule=Rule(code="subsidy.none", text="no subsidy category applies"),
        subsidy_category=None,
        total=DecidedAmount(
            amount=None,
            rule=Rule(
                code="total.wage_base",
                text="employer and individual shares both follow the declared wage base",
            ),
        ),
        within_window=q.within_window,
        benefits_start=None,
        benefits_rule=Rule(
            code="benefits.on_retirement",
            text="a pension from retirement, once the minimum contribution years are paid",
        ),
        eligibility=EligibilityRead(eligible=eligible, rule=_rule(why)),
        retirement=retirement_read(q.retirement) if q.retirement else None,
        quoted_at=at,
    )


def retirement_read(decision: RetirementDecision) -> RetirementRead:
    """The API form of a retirement decision."""
    return RetirementRead(
        retirement_age=decision.retirement_age,
        age_reached=decision.age_reached,
        years_short=decision.years_short,
        may_retire=decision.may_retire,
        may_keep_paying=decision.may_keep_paying,
        rule=_rule(decision.reason),
    )


def _rule(reason: object) -> Rule:
    return Rule(code=getattr(reason, "code", ""), text=getattr(reason, "text", ""))


def _read(row: SchemeYear) -> SchemeYearRead:
    return SchemeYearRead(
        region_code=row.region_code,
        scheme_code=row.scheme_code,
        year=row.year,
        name=row.name,
        template=row.template,
        task_kind=row.task_kind,
        policy=row.policy,
    )
