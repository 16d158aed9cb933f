"""Live metrics: apply an event's change to the affected campaign units and rescore them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from libs.common.db import UnitOfWork
from libs.common.events import registry
from libs.common.events.envelope import Envelope
from libs.common.identifiers import ancestors
from services.scoring.campaigns.models import Campaign, CampaignUnit
from services.scoring.campaigns.policies import policy_of
from services.scoring.credit.scoring import explanation_json
from services.scoring.domain.business_calendar import local_date
from services.scoring.domain.campaign_policy import CampaignPolicy
from services.scoring.domain.explanation import ExplanationLine
from services.scoring.domain.formulas import FormulaKind, score_count, score_rate
from services.scoring.domain.metrics import MetricKind
from services.scoring.domain.progress import progress_fraction
from services.scoring.domain.stages import score_stages, stage_on
from services.scoring.eventlog.models import EventLog
from services.scoring.rankings import ranks
from services.scoring.rankings.changes import METRIC_EVENTS, MetricChange, change_of, with_delta

PROGRESS_PLACES = Decimal("0.000001")
SCORE_PLACES = Decimal("0.0001")


async def apply_change(uow: UnitOfWork, change: MetricChange, only: str | None = None) -> int:
    """Move the metric of every campaign unit the change concerns; return how many moved."""
    change = with_delta(change)
    codes = (
        [change.unit_code]
        if change.exact_unit
        else [change.unit_code, *ancestors(change.unit_code)]
    )
    year = change.year if change.year is not None else local_date(change.at).year
    query = (
        select(CampaignUnit, Campaign)
        .join(Campaign, Campaign.code == CampaignUnit.campaign)
        .where(
            CampaignUnit.unit_code.in_(codes),
            Campaign.metric == change.metric.value,
            Campaign.active.is_(True),
            Campaign.year == year,
        )
        .order_by(CampaignUnit.campaign, CampaignUnit.pool, CampaignUnit.unit_code)
    )
    if change.scheme is not None:
        query = query.where((Campaign.scheme.is_(None)) | (Campaign.scheme == change.scheme))
    if only is not None:
        query = query.where(Campaign.code == only)
    found = (await uow.session.execute(query)).all()
    for row, campaign in found:
        await ranks.touch_pool(uow.session, campaign.code, row.pool)
    for row, campaign in found:
        await uow.session.refresh(row, with_for_update=True)
        policy = policy_of(campaign)
        update_unit(row, change, policy, campaign.year)
        rescore(row, policy)
    return len(found)


def update_unit(row: CampaignUnit, change: MetricChange, policy: CampaignPolicy, year: int) -> None:
    """Apply a change to a unit's metric, progress, stage readings and completion."""
    previous = row.progress
    row.value = (change.set_value if change.set_value is not None else row.value) + change.delta
    row.amount = (
        change.set_amount if change.set_amount is not None else row.amount
    ) + change.amount_delta
    if change.set_task is not None and change.set_task > 0:
        row.task = change.set_task
    row.progress = (
        progress_fraction(max(row.value, Decimal(0)), row.task).quantize(PROGRESS_PLACES)
        if row.task > 0
        else Decimal(0)
    )
    if policy.stages is not None:
        _record_stage(row, policy, year, change, previous)
    row.completed_at = _completion(row, policy, change)
    row.last_event_at = change.at


def _record_stage(
    row: CampaignUnit, policy: CampaignPolicy, year: int, change: MetricChange, previous: Decimal
) -> None:
    assert policy.stages is not None
    stage = stage_on(policy.stages, year, local_date(change.at))
    if stage is None:
        return
    readings = dict(row.stage_progress or {})
    for earlier in policy.stages.stages:
        if earlier.code == stage.code:
            break
        readings.setdefault(earlier.code, str(previous))
    readings[stage.code] = str(row.progress)
    row.stage_progress = readings


def _completion(row: CampaignUnit, policy: CampaignPolicy, change: MetricChange) -> datetime | None:
    awards = policy.date_bucket_awards
    required = awards.required_rate if awards else Decimal(1)
    per_capita = row.amount / row.value if row.value > 0 else Decimal(0)
    complete = row.task > 0 and row.progress >= required
    if awards is not None and policy.metric is MetricKind.DEPOSITED_ENROLLMENTS:
        complete = complete and per_capita >= awards.min_per_capita
    if not complete:
        return None
    return row.completed_at or change.at


def rescore(row: CampaignUnit, policy: CampaignPolicy) -> None:
    """The unit's score and its explanation under the campaign formula."""
    lines: tuple[ExplanationLine, ...]
    source = f"metric:{policy.metric.value}"
    if policy.formula is FormulaKind.STAGE and policy.stages is not None:
        readings = {code: Decimal(v) for code, v in (row.stage_progress or {}).items()}
        result = score_stages(policy.stages, readings)
        score, lines = result.total, result.explanation
    elif policy.formula is FormulaKind.RATE:
        score = score_rate(max(row.value, Decimal(0)), row.task) if row.task > 0 else Decimal(0)
        lines = (ExplanationLine(source, score, "RATE", f"{row.value} of task {row.task}"),)
    else:
        score = score_count(int(row.value), policy.metric)
        better = "more" if policy.metric.higher_is_better else "fewer"
        text = f"{row.value} counted ({better} is better)"
        lines = (ExplanationLine(source, score, "COUNT", text),)
    row.score = score.quantize(SCORE_PLACES)
    row.explanation = explanation_json(lines)


async def seed_campaign(uow: UnitOfWork, campaign: Campaign) -> None:
    """Apply every logged event of the campaign's metric to a new campaign, in order."""
    types = METRIC_EVENTS[MetricKind(campaign.metric)]
    if not types:
        return
    rows = await uow.session.scalars(
        select(EventLog.envelope).where(EventLog.type.in_(types)).order_by(EventLog.seq)
    )
    for data in rows.all():
        change = change_of(registry.parse(Envelope.model_validate(data)))
        if change is not None:
            await apply_change(uow, change, only=campaign.code)
