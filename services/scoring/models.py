"""Scoring database tables: every model is imported here so Alembic sees one `Base`."""

from __future__ import annotations

from services.scoring.base import Base
from services.scoring.campaigns.models import Campaign, CampaignUnit
from services.scoring.credit.models import (
    CreditEntity,
    CreditItemRow,
    CreditPolicy,
    CreditRequest,
    CreditScoreHistory,
)
from services.scoring.eventlog.models import EventLog
from services.scoring.snapshots.models import RankingSnapshot, SnapshotEntry
from services.scoring.tallies.models import UnitPaymentTally
from services.scoring.triggers.models import TriggerFiring

__all__ = [
    "Base",
    "Campaign",
    "CampaignUnit",
    "CreditEntity",
    "CreditItemRow",
    "CreditPolicy",
    "CreditRequest",
    "CreditScoreHistory",
    "EventLog",
    "RankingSnapshot",
    "SnapshotEntry",
    "TriggerFiring",
    "UnitPaymentTally",
]
