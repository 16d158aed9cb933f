"""Pool ranks: recomputed in SQL, once per transaction, for every pool whose scores moved.

Every writer of a pool's metrics first takes the pool's advisory lock (held to commit), so
two transactions never rank one pool from different views. A transaction takes all the
locks it needs at once, in one order (by lock key), so two replicas never deadlock on them.
Re-ranking is one window-function UPDATE that writes only the rows whose place changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

LOCKED = "scoring.locked_pools"
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
# Sorted by the lock id itself, so that two keys whose hashes collide still sort together.
_LOCK = text(
    """
    SELECT pg_advisory_xact_lock(:namespace, id)
      FROM (SELECT DISTINCT hashtext(key) AS id
              FROM unnest(CAST(:keys AS text[])) AS key ORDER BY 1) AS ids
    """
)


def lock_pools(session: Session, pools: Iterable[tuple[str, str]]) -> None:
    """Take the advisory locks of the pools this transaction does not hold yet, in order."""
    held: set[tuple[str, str]] = session.info.setdefault(LOCKED, set())
    wanted = sorted(set(pools) - held)
    if not wanted:
        return
    keys = [f"{campaign}/{pool}" for campaign, pool in wanted]
    session.execute(_LOCK, {"namespace": LOCK_NAMESPACE, "keys": keys})
    held.update(wanted)
    if not event.contains(session, "after_transaction_end", _forget_locks):
        event.listen(session, "after_transaction_end", _forget_locks)


def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction ended: its advisory locks are gone
        session.info.pop(LOCKED, None)


def rerank(session: Session, campaign: str, pool: str) -> None:
    """Re-rank one pool now (its lock held)."""
    session.execute(_RERANK, {"campaign": campaign, "pool": pool})


async def rerank_campaign(session: AsyncSession, campaign: str) -> None:
    """Re-rank every pool of a campaign now."""
    pools = await session.scalars(
        text("SELECT DISTINCT pool FROM campaign_unit WHERE campaign = :c"), {"c": campaign}
    )
    for pool in sorted(pools):
        await session.execute(_RERANK, {"campaign": campaign, "pool": pool})
