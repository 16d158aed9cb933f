"""`Idempotency-Key` on creating POSTs: the same key and body replay the first response.

The use case remembers the key in the same transaction as its effect, so a client retrying
after a timeout either gets the stored response or finds that nothing was written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common.db import UnitOfWork
from libs.common.errors import Conflict
from libs.common.platform_schema import idempotency_key


@dataclass(frozen=True)
class IdempotentRequest:
    """A creating request identified by its caller scope and Idempotency-Key."""

    scope: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, scope: str, key: str, body: bytes) -> IdempotentRequest:
        """Identify a request by caller, key and a hash of its body."""
        return cls(scope, key, hashlib.sha256(body).hexdigest())

    async def replay(self, uow: UnitOfWork) -> dict[str, Any] | None:
        """The first response's body, or None; Conflict when the key was used differently."""
        row = (
            await uow.session.execute(
                select(idempotency_key.c.request_hash, idempotency_key.c.body).where(
                    idempotency_key.c.scope == self.scope, idempotency_key.c.key == self.key
                )
            )
        ).first()
        if row is None:
            return None
        if row.request_hash != self.request_hash:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.",
                field="Idempotency-Key",
            )
        return dict(row.body)

    async def remember(self, uow: UnitOfWork, status_code: int, body: dict[str, Any]) -> None:
        """Store the response in the current transaction (before the use case commits)."""
        await uow.session.execute(
            pg_insert(idempotency_key)
            .values(
                scope=self.scope,
                key=self.key,
                request_hash=self.request_hash,
                status_code=status_code,
                body=body,
            )
            .on_conflict_do_nothing()
        )
