"""The scheduled job that takes each campaign's snapshots, once across replicas.

Every replica runs it. At each tick it looks, per campaign and cadence, at the latest
period that has closed (a Friday, a month or quarter end, from 18:00 Asia/Shanghai): if its
snapshot is missing, even days later because the service was down, it takes it now. The
unique key (campaign, cadence, period) makes the first insert win; a replica racing for
the same snapshot waits for that insert's transaction and then finds the snapshot taken.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, time

from sqlalchemy import select

from libs.common.db import UnitOfWork
from libs.common.logging import get_logger
from libs.common.service import Runtime
from services.scoring.campaigns.models import Campaign
from services.scoring.campaigns.policies import policy_of
from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.periods import SNAPSHOT_HOUR, latest_closing_day
from services.scoring.snapshots import service

log = get_logger(__name__)


class SnapshotScheduler:
    """Checks every `interval` seconds whether a snapshot is due and takes it."""

    def __init__(self, runtime: Runtime, interval: float = 60.0) -> None:
        self.runtime = runtime
        self.interval = interval
        self.stop = asyncio.Event()

    async def run(self) -> None:
        """Tick until stopped; a failing tick is logged and retried at the next one."""
        while not self.stop.is_set():
            try:
                await self.tick()
            except Exception as exc:
                log.warning("snapshot tick failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.interval)

    async def tick(self, now: datetime | None = None) -> int:
        """Take the snapshots due at `now` and not taken yet; return how many were taken."""
        local = (now or datetime.now(UTC)).astimezone(SHANGHAI)
        async with self.runtime.sessions() as session:
            codes = (
                await session.scalars(select(Campaign.code).where(Campaign.active.is_(True)))
            ).all()
        taken = 0
        for code in codes:
            taken += await self._take_due(code, local)
        return taken

    async def _take_due(self, code: str, local: datetime) -> int:
        taken = 0
        async with self.runtime.sessions() as session, UnitOfWork(session) as uow:
            campaign = await session.get(Campaign, code)
            if campaign is None or not campaign.active:  # re-check when acting
                return 0
            for cadence in policy_of(campaign).cadences:
                closing = latest_closing_day(cadence, local, SNAPSHOT_HOUR)
                if datetime.combine(closing, time(SNAPSHOT_HOUR), SHANGHAI) < campaign.created_at:
                    continue  # that period closed before the campaign existed
                _, created = await service.take(uow, campaign, cadence, closing, "scheduler")
                taken += created
            await uow.commit()
        return taken
