"""Pool ranks: recomputed in SQL once per transaction for every pool that changed.

A handler marks the pools it touched and takes a per-pool advisory lock (so two batches
never rank one pool from different views); just before the transaction commits, each
dirty pool is re-ranked with one window-function UPDATE. A consumer batch of 500 events
into one pool therefore ranks it once, not 500 times.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

DIRTY = "scoring.dirty_pools"
LOCK_NAMESPACE = 7_401_004

_RERANK = text(
    """
    UPDATE campaign_unit AS cu
       SET rank = r.rank, rank_from_bottom = r.rank_from_bottom, pool_size = r.pool_size
      FROM (SELECT unit_code,
                   rank() OVER (ORDER BY score DESC) AS rank,
                   rank() OVER (ORDER BY score ASC) AS rank_from_bottom,
                   count(*) OVER () AS pool_size
              FROM campaign_unit WHERE campaign = :campaign AND pool = :pool) AS r
     WHERE cu.campaign = :campaign AND cu.pool = :pool AND cu.unit_code = r.unit_code
       AND (cu.rank, cu.rank_from_bottom, cu.pool_size)
           IS DISTINCT FROM (r.rank, r.rank_from_bottom, r.pool_size)
    """
)
_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:key))")


async def touch_pool(session: AsyncSession, campaign: str, pool: str) -> None:
    """Lock a pool for this transaction and re-rank it before the transaction commits."""
    dirty: set[tuple[str, str]] = session.info.setdefault(DIRTY, set())
    if (campaign, pool) in dirty:
        return
    await session.execute(_LOCK, {"namespace": LOCK_NAMESPACE, "key": f"{campaign}/{pool}"})
    dirty.add((campaign, pool))
    if not event.contains(session.sync_session, "before_commit", _rerank_before_commit):
        event.listen(session.sync_session, "before_commit", _rerank_before_commit)


def _rerank_before_commit(session: Session) -> None:
    dirty: set[tuple[str, str]] = session.info.pop(DIRTY, set())
    for campaign, pool in sorted(dirty):
        session.execute(_RERANK, {"campaign": campaign, "pool": pool})


async def rerank_pool(session: AsyncSession, campaign: str, pool: str) -> None:
    """Re-rank one pool now."""
    await session.execute(_RERANK, {"campaign": campaign, "pool": pool})


async def rerank_campaign(session: AsyncSession, campaign: str) -> None:
    """Re-rank every pool of a campaign now."""
    pools = await session.scalars(
        text("SELECT DISTINCT pool FROM campaign_unit WHERE campaign = :c"), {"c": campaign}
    )
    for pool in sorted(pools):
        await rerank_pool(session, campaign, pool)
