"""Campaign use cases: define a campaign over units and pools, read it."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select, text

from libs.common.auth import Principal, ensure_covers, ensure_role
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound, RuleViolation
from libs.common.identifiers import unit_prefix
from services.scoring import roles
from services.scoring.campaigns import metrics, ranks
from services.scoring.campaigns.models import Campaign, CampaignUnit
from services.scoring.campaigns.policies import policy_of
from services.scoring.campaigns.schemas import (
    CampaignCreate,
    CampaignRead,
    CampaignUnitCreate,
    PoolRead,
)
from services.scoring.credit.scoring import explanation_json
from services.scoring.domain.campaign_policy import CampaignPolicy, parse_campaign_policy
from services.scoring.domain.errors import ScoringError
from services.scoring.domain.live_metric import UnitMetric, cents, score_unit
from services.scoring.domain.metrics import MetricKind
from services.scoring.eventlog import service as eventlog
from services.scoring.metric_changes import METRIC_EVENTS, change_of
from services.scoring.policy import load_campaign_policy


def _resolve_policy(body: CampaignCreate) -> CampaignPolicy:
    try:
        if body.policy_file is not None:
            return load_campaign_policy(f"{body.policy_file.removesuffix('.toml')}.toml")
        return parse_campaign_policy(body.policy or {})
    except FileNotFoundError as exc:
        raise RuleViolation(f"No bundled policy {body.policy_file!r}.") from exc
    except ScoringError as exc:
        raise RuleViolation(exc.detail, field="policy", code=exc.code) from exc


async def create_campaign(uow: UnitOfWork, user: Principal, body: CampaignCreate) -> CampaignRead:
    """Define a campaign, seed its units from the events already applied, rank its pools."""
    ensure_role(user, *roles.CAMPAIGN_MANAGERS)
    ensure_covers(user, body.scope_unit)
    policy = _resolve_policy(body)
    if await uow.session.get(Campaign, body.code) is not None:
        raise Conflict(f"Campaign {body.code} already exists.")
    repeated = [u for u, n in Counter(u.unit_code for u in body.units).items() if n > 1]
    if repeated:
        raise RuleViolation(f"Units listed twice: {sorted(repeated)}.", field="units")
    campaign = Campaign(
        code=body.code,
        name=body.name,
        scope_unit=body.scope_unit,
        year=body.year,
        scheme=body.scheme,
        metric=policy.metric.value,
        policy_version=policy.version,
        policy=policy.model_dump(mode="json"),
        active=True,
        created_by=user.subject,
    )
    uow.session.add(campaign)
    for unit in body.units:
        ensure_covers(user, unit.unit_code)
        if not unit.unit_code.startswith(_prefix(body.scope_unit)):
            raise RuleViolation(f"Unit {unit.unit_code} is outside the campaign scope.")
        uow.session.add(_unit_row(campaign, policy, unit))
    await uow.session.flush()
    # Thousands of new rows: without statistics the planner ranks them in quadratic time.
    await uow.session.execute(text("ANALYZE campaign_unit"))
    await seed_campaign(uow, campaign)
    await ranks.rerank_campaign(uow.session, campaign.code)
    await uow.commit()
    return await read_model(uow, campaign)


async def seed_campaign(uow: UnitOfWork, campaign: Campaign) -> None:
    """Apply every logged event of the campaign's metric to a new campaign, in order."""
    types = METRIC_EVENTS[MetricKind(campaign.metric)]
    if not types:
        return
    async for batch in eventlog.replay(uow.session, types=types):
        changes = [c for logged in batch if (c := change_of(logged.event, logged.time)) is not None]
        await metrics.apply_changes_now(uow.session, changes, only=campaign.code)


def _prefix(code: str) -> str:
    return unit_prefix(code)


def _unit_row(campaign: Campaign, policy: CampaignPolicy, unit: CampaignUnitCreate) -> CampaignUnit:
    try:
        pool = policy.pool_for(unit.category)
    except ScoringError as exc:
        raise RuleViolation(exc.detail, field="units") from exc
    task = cents(unit.task)
    score, lines = score_unit(UnitMetric(task=task), policy)
    return CampaignUnit(
        campaign=campaign.code,
        unit_code=unit.unit_code,
        name=unit.name,
        category=unit.category,
        pool=pool,
        defined_task=task,
        task=task,
        cadre_ids=list(unit.cadre_ids),
        contact_cadre_ids=list(unit.contact_cadre_ids),
        value=Decimal(0),
        amount=Decimal(0),
        persons=Decimal(0),
        progress=Decimal(0),
        stage_progress={},
        score=score,
        explanation=explanation_json(lines),
        rank=1,
        rank_from_bottom=1,
        pool_size=1,
    )


async def load_campaign(uow: UnitOfWork, user: Principal, code: str) -> Campaign:
    """The campaign, if the caller may see it (its scope covers them or they cover it)."""
    ensure_role(user, *roles.READERS)
    campaign = await uow.session.get(Campaign, code)
    if campaign is None:
        raise NotFound(f"No campaign {code}.")
    ensure_may_read(user, campaign.scope_unit)
    return campaign


def ensure_may_read(user: Principal, scope_unit: str) -> None:
    """Forbidden unless the campaign's scope covers the caller or the caller covers it."""
    if not _may_read(user, scope_unit):
        ensure_covers(user, scope_unit)


def _may_read(user: Principal, scope_unit: str) -> bool:
    return user.covers(scope_unit) or _scope_covers(scope_unit, user.jurisdiction)


def _scope_covers(scope_unit: str, jurisdiction: str) -> bool:
    try:
        return jurisdiction.startswith(_prefix(scope_unit))
    except ValueError:
        return False


async def get_campaign(uow: UnitOfWork, user: Principal, code: str) -> CampaignRead:
    """A campaign's definition and pools."""
    return await read_model(uow, await load_campaign(uow, user, code))


async def list_campaigns(uow: UnitOfWork, user: Principal) -> list[CampaignRead]:
    """The campaigns the caller may see."""
    ensure_role(user, *roles.READERS)
    rows = (await uow.session.scalars(select(Campaign).order_by(Campaign.code))).all()
    visible = [c for c in rows if _may_read(user, c.scope_unit)]
    return [await read_model(uow, c) for c in visible]


async def read_model(uow: UnitOfWork, campaign: Campaign) -> CampaignRead:
    """The read model of a campaign with its pool sizes."""
    policy = policy_of(campaign)
    counts = dict(
        (
            await uow.session.execute(
                select(CampaignUnit.pool, func.count())
                .where(CampaignUnit.campaign == campaign.code)
                .group_by(CampaignUnit.pool)
            )
        ).all()
    )
    return CampaignRead(
        code=campaign.code,
        name=campaign.name,
        scope_unit=campaign.scope_unit,
        year=campaign.year,
        scheme=campaign.scheme,
        metric=campaign.metric,
        formula=policy.formula.value,
        policy_version=campaign.policy_version,
        cadences=[c.value for c in policy.cadences],
        pools=[
            PoolRead(code=p.code, label=p.label, units=counts.get(p.code, 0)) for p in policy.pools
        ],
        created_at=campaign.created_at,
        policy=campaign.policy,
    )
