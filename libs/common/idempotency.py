"""`Idempotency-Key` on creating POSTs: the same key and body replay the first response.

The use case remembers the key in the same transaction as its effect, so a client retrying
after a timeout either gets the stored response or finds that nothing was written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common.db import UnitOfWork, among
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


async def replay_many(
    uow: UnitOfWork, requests: Sequence[IdempotentRequest]
) -> list[dict[str, Any] | Conflict | None]:
    """For each request with one query: its stored first response, a Conflict (the key
    reused with another body), or None (a new request)."""
    keys = list({(r.scope, r.key) for r in requests})
    if not keys:
        return []
    rows = await uow.session.execute(
        select(
            idempotency_key.c.scope,
            idempotency_key.c.key,
            idempotency_key.c.request_hash,
            idempotency_key.c.body,
        )
        # Arrays rather than a list of pairs: one prepared statement whatever the batch's
        # size. A pair of one request's scope and another's key may come back too; the
        # lookup below goes by exact pair.
        .where(
            among(idempotency_key.c.scope, {scope for scope, _ in keys}),
            among(idempotency_key.c.key, {key for _, key in keys}),
        )
    )
    stored = {(r.scope, r.key): (r.request_hash, dict(r.body)) for r in rows}
    results: list[dict[str, Any] | Conflict | None] = []
    for request in requests:
        found = stored.get((request.scope, request.key))
        if found is None:
            results.append(None)
        elif found[0] != request.request_hash:
            results.append(_reused())
        else:
            results.append(found[1])
    return results


async def remember_many(
    uow: UnitOfWork, responses: Sequence[tuple[IdempotentRequest, int, dict[str, Any]]]
) -> None:
    """`remember` of many responses with one statement."""
    if not responses:
        return
    await uow.session.execute(
        pg_insert(idempotency_key).on_conflict_do_nothing(),
        [
            {
                "scope": r.scope,
                "key": r.key,
                "request_hash": r.request_hash,
                "status_code": status,
                "body": body,
            }
            for r, status, body in responses
        ],
    )


def _reused() -> Conflict:
    return Conflict(
        "This Idempotency-Key was already used with a different request body.",
        field="Idempotency-Key",
    )
