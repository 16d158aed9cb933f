"""Where every process finds partners' secrets: the partner table, read through a cache.

The webhook takes hundreds of calls a second; each asks the cache, which answers from
memory and reads the table again only once its copy is older than
GRIDGOV_PARTNER_CACHE_SECONDS (5 s): a partner registered, rotated, disabled or enabled
in any process is seen by every process within that bound, with no restart. A rotation's
previous secret stops exactly when its overlap ends: the copy never outlives it.

Partners named in GRIDGOV_PARTNER_SECRETS and absent from the table count as registered
with their configured secret (the service registers them for real at start-up and before
any change), so the table decides as soon as a partner is in it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from libs.common.service import Runtime
from libs.common.settings import ServiceSettings
from services.enrollment.partners import service
from services.enrollment.partners.keys import SecretBox
from services.enrollment.partners.models import Partner


@dataclass(frozen=True)
class Snapshot:
    """Each active partner's secrets that verify now, and until when that stays true."""

    secrets: dict[str, tuple[str, ...]]
    good_until: float
    """Unix time when a rotation's overlap ends (the copy must be read again by then)."""


def configured_secrets(settings: ServiceSettings) -> dict[str, str]:
    """The bootstrap partners of GRIDGOV_PARTNER_SECRETS, in the clear."""
    return {k: v.get_secret_value() for k, v in settings.partner_secrets.items()}


async def load(reader: Any, box: SecretBox, configured: Mapping[str, str], now: float) -> Snapshot:
    """Read the partner table (`reader`: a session or connection) as of Unix time `now`."""
    table = Partner.__table__
    rows = (await reader.execute(select(table))).all()
    secrets: dict[str, tuple[str, ...]] = {}
    good_until = math.inf
    for row in rows:
        if not row.enabled:
            continue
        current = box.open(row.secret_sealed, row.partner_id)
        if row.previous_sealed is not None and row.previous_until is not None:
            until = row.previous_until.timestamp()
            if until > now:
                secrets[row.partner_id] = (current, box.open(row.previous_sealed, row.partner_id))
                good_until = min(good_until, until)
                continue
        secrets[row.partner_id] = (current,)
    registered = {row.partner_id for row in rows}
    for partner_id, secret in configured.items():
        if partner_id not in registered:
            secrets[partner_id] = (secret,)
    return Snapshot(secrets, good_until)


class PartnerCache:
    """A process's copy of the partner table, read again after `ttl` seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self.clock = clock
        self._snapshot: Snapshot | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def secrets(
        self, read: Callable[[float], Awaitable[Snapshot]]
    ) -> Mapping[str, Sequence[str]]:
        """The partners' secrets, from memory while fresh, else through `read(now)`."""
        snapshot = self._snapshot
        if snapshot is not None and self.clock() < self._expires:
            return snapshot.secrets
        async with self._lock:  # one read per expiry, however many requests wait for it
            now = self.clock()
            if self._snapshot is None or now >= self._expires:
                self._snapshot = await read(now)
                self._expires = min(now + self.ttl, self._snapshot.good_until)
            return self._snapshot.secrets

    def forget(self) -> None:
        """Read the table again at the next call (this process just changed it)."""
        self._expires = 0.0


class TablePartners:
    """A runtime's partner directory: the table through the process's cache."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.box = SecretBox(runtime.settings.pii_key.get_secret_value())
        self.configured = configured_secrets(runtime.settings)
        self.cache = PartnerCache(runtime.settings.partner_cache_seconds)

    async def secrets(self) -> Mapping[str, Sequence[str]]:
        """Each active partner's secrets that verify now."""
        return await self.cache.secrets(self._read)

    async def _read(self, now: float) -> Snapshot:
        async with self.runtime.reads.connect() as conn:
            return await load(conn, self.box, self.configured, now)


def partner_directory(runtime: Runtime) -> TablePartners:
    """The enrollment processes' partner directory (ServiceSpec.partner_directory)."""
    return TablePartners(runtime)


async def register_configured(runtime: Runtime) -> None:
    """Register the configured partners absent from the table (a chore: at start-up)."""
    directory = TablePartners(runtime)
    async with runtime.sessions() as session:
        added = await service.register_configured(
            session, directory.box, directory.configured, datetime.now(UTC)
        )
        await session.commit()
    if added and isinstance(runtime.partners, TablePartners):
        runtime.partners.cache.forget()
