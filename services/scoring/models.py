"""Scoring database tables: every model is imported here so Alembic sees one `Base`."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.base import Base


class UnitPaymentTally(Base):
    """Payments recorded for a unit, per scheme and year: a metric fed by enrollment events."""

    __tablename__ = "unit_payment_tally"

    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    payments: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))


from services.scoring.campaigns.models import Campaign, CampaignUnit  # noqa: E402
from services.scoring.credit.models import (  # noqa: E402
    CreditEntity,
    CreditItemRow,
    CreditPolicy,
    CreditRequest,
    CreditScoreHistory,
)
from services.scoring.eventlog.models import EventLog  # noqa: E402
from services.scoring.snapshots.models import RankingSnapshot, SnapshotEntry  # noqa: E402
from services.scoring.triggers.models import TriggerFiring  # noqa: E402

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
