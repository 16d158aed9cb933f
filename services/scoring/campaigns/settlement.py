"""Settling a campaign's awards: date buckets per village and rank awards per pool."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from libs.common.access import within
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from services.scoring.campaigns.models import CampaignUnit
from services.scoring.campaigns.policies import policy_of
from services.scoring.campaigns.schemas import (
    AwardRead,
    LateFactsRead,
    PayoutRead,
    SettlementRead,
)
from services.scoring.campaigns.service import load_campaign
from services.scoring.credit.scoring import explanation_json
from services.scoring.domain.awards import (
    DateBucketAwards,
    VillageCompletion,
    settle_date_bucket_awards,
)
from services.scoring.domain.business_calendar import local_date
from services.scoring.domain.rank_awards import RankAwardEntry, settle_rank_awards


def per_capita(unit: CampaignUnit) -> Decimal:
    """Yuan deposited per completed person (0 before anyone completed)."""
    if unit.persons <= 0:
        return Decimal(0)
    return (unit.amount / unit.persons).quantize(Decimal("0.01"))


async def settle(uow: UnitOfWork, user: Principal, code: str) -> SettlementRead:
    """Apply the campaign's award rules to the units as they stand now (rank awards over
    the whole pools; a caller below the campaign's scope sees their own units' only)."""
    campaign = await load_campaign(uow, user, code)
    policy = policy_of(campaign)
    units = (
        await uow.session.scalars(
            select(CampaignUnit)
            .where(CampaignUnit.campaign == code)
            .order_by(CampaignUnit.pool, CampaignUnit.unit_code)
        )
    ).all()
    awards: list[AwardRead] = []
    if policy.date_bucket_awards is not None:
        awards = [
            _award(u, policy.date_bucket_awards, campaign.year)
            for u in within(user, units, lambda u: u.unit_code)
        ]
    payouts: list[PayoutRead] = []
    if policy.rank_awards is not None:
        entries = [RankAwardEntry(u.unit_code, u.pool, u.score, u.completed_at) for u in units]
        payouts = [
            PayoutRead(
                unit_code=p.unit_id,
                pool=p.pool,
                kind=p.kind.value,
                amount=p.amount,
                place=p.place,
                text=p.text,
            )
            for p in settle_rank_awards(entries, policy.rank_awards, campaign.year)
            if user.covers(p.unit_id)
        ]
    return SettlementRead(
        campaign=code, year=campaign.year, date_bucket_awards=awards, rank_awards=payouts
    )


def _award(unit: CampaignUnit, rules: DateBucketAwards, year: int) -> AwardRead:
    completed_on = local_date(unit.completed_at) if unit.completed_at else None
    village = VillageCompletion(
        unit_id=unit.unit_code,
        completed_on=completed_on,
        per_capita=per_capita(unit),
        cadre_ids=tuple(unit.cadre_ids),
        contact_cadre_ids=tuple(unit.contact_cadre_ids),
        subsidy_persons=int(unit.task),
    )
    outcome = settle_date_bucket_awards(village, rules, year)
    return AwardRead(
        unit_code=unit.unit_code,
        completed_on=completed_on.isoformat() if completed_on else None,
        per_capita=village.per_capita,
        per_cadre=outcome.per_cadre,
        cadre_awards=dict(outcome.cadre_awards),
        village_award=outcome.village_award,
        subsidy_deduction=outcome.subsidy_deduction,
        honours_barred=outcome.honours_barred,
        barred_person_ids=list(outcome.barred_person_ids),
        explanation=explanation_json(outcome.explanation),
    )


async def late_facts(uow: UnitOfWork, user: Principal, code: str) -> list[LateFactsRead]:
    """Every unit's late facts per stage: what arrived after a stage ended, counted or not
    (a caller below the campaign's scope sees their own units' only)."""
    campaign = await load_campaign(uow, user, code)
    rows = await uow.session.execute(
        select(CampaignUnit.unit_code, CampaignUnit.late_facts)
        .where(CampaignUnit.campaign == campaign.code, CampaignUnit.late_facts != {})
        .order_by(CampaignUnit.unit_code)
    )
    return [
        LateFactsRead(
            unit_code=r.unit_code,
            stage=stage,
            counted=counted,
            refused=refused,
            amount_refused=Decimal(amount),
            persons_refused=Decimal(persons),
        )
        for r in within(user, list(rows), lambda r: r.unit_code)
        for stage, (counted, refused, amount, persons) in sorted(r.late_facts.items())
    ]
