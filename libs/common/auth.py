"""Who is calling: OAuth2 bearer JWTs for people and services, HMAC signatures for partners.

A person's token carries roles and a jurisdiction (a 12-digit admin unit code); they see
and change only that unit's subtree. Partner systems sign each request body with their own
secret and see only their own submissions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from libs.common import identifiers
from libs.common.errors import Forbidden, Unauthorized

ISSUER = "gridgov"
SIGNATURE_MAX_SKEW_SECONDS = 300


class Role(StrEnum):
    """Roles named by the work plans (DOMAIN §5), plus internal services."""

    DISTRICT_ADMIN = "district_admin"
    TOWN_OFFICER = "town_officer"
    VILLAGE_OFFICER = "village_officer"
    GRID_MEMBER = "grid_member"
    INSPECTOR = "inspector"
    ENTERPRISE = "enterprise"
    PARTNER = "partner"
    AUDITOR = "auditor"
    PUBLIC_REPORTER = "public_reporter"
    SERVICE = "service"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    subject: str
    roles: frozenset[str]
    jurisdiction: str
    partner_id: str | None = None
    claims: dict[str, object] = field(default_factory=dict)

    def has_any(self, *roles: str) -> bool:
        """True when the caller holds one of the roles."""
        return bool(self.roles.intersection(roles))

    def covers(self, unit_code: str) -> bool:
        """True when `unit_code` lies in the caller's jurisdiction subtree."""
        try:
            return identifiers.is_within(unit_code, self.jurisdiction)
        except identifiers.InvalidIdentifier:
            return False


def ensure_covers(principal: Principal, unit_code: str) -> None:
    """Raise Forbidden unless the unit is inside the caller's jurisdiction."""
    if not principal.covers(unit_code):
        raise Forbidden(
            f"Unit {unit_code} is outside your jurisdiction {principal.jurisdiction}.",
            field="unit_code",
        )


def ensure_role(principal: Principal, *roles: str) -> None:
    """Raise Forbidden unless the caller holds one of the roles."""
    if not principal.has_any(*roles):
        raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}.")


def mint_token(
    secret: str,
    *,
    subject: str,
    roles: list[str],
    jurisdiction: str,
    ttl: timedelta = timedelta(hours=8),
    algorithm: str = "HS256",
    credit_code: str | None = None,
) -> str:
    """A signed access token (development: HS256 with the generated secret). An enterprise
    user's token is bound to its enterprise by the `credit_code` claim (its unified social
    credit code): it sees only what is filed under that code."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": subject,
        "roles": roles,
        "unit": jurisdiction,
        "iat": now,
        "exp": now + ttl,
    }
    if credit_code is not None:
        claims["credit_code"] = credit_code
    return jwt.encode(claims, secret, algorithm=algorithm)


def decode_token(token: str, key: str, algorithm: str = "HS256") -> Principal:
    """Verify a token and return its principal; Unauthorized when invalid or expired."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[algorithm], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"The access token is invalid: {exc}.") from exc
    return Principal(
        subject=str(claims["sub"]),
        roles=frozenset(claims.get("roles", [])),
        jurisdiction=str(claims.get("unit", "")),
        claims=claims,
    )


def sign_body(secret: str, timestamp: str, body: bytes) -> str:
    """The partner signature: hex HMAC-SHA256 of `timestamp.body`."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def event_signature(secret: str, data: Mapping[str, Any]) -> str:
    """A partner event's signature: `sha256=` + hex HMAC-SHA256 of its canonical data JSON
    (keys sorted, no spaces, UTF-8), carried as the envelope extension `partnersignature`."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256=" + hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


PartnerSecrets = Mapping[str, str | Sequence[str]]
"""Each active partner's secrets that verify now: one, or two while a rotation overlaps.
A partner absent (unknown or disabled) verifies nothing."""


def _secrets_of(secrets: PartnerSecrets, partner_id: str) -> Sequence[str]:
    found = secrets.get(partner_id)
    if not found:
        raise Unauthorized(f"Unknown or disabled partner {partner_id!r}.")
    return (found,) if isinstance(found, str) else found


def verify_event_signature(
    secrets: PartnerSecrets, partner_id: str, data: Mapping[str, Any], signature: str | None
) -> None:
    """Unauthorized unless the partner's event carries its valid signature."""
    candidates = _secrets_of(secrets, partner_id)
    if signature is None or not any(
        hmac.compare_digest(event_signature(secret, data), signature) for secret in candidates
    ):
        raise Unauthorized(f"The event is not signed by partner {partner_id!r}.")


def verify_signature(
    secrets: PartnerSecrets, partner_id: str, timestamp: str, signature: str, body: bytes
) -> Principal:
    """Check a partner request's HMAC (with any of its current secrets) and freshness;
    Unauthorized otherwise."""
    candidates = _secrets_of(secrets, partner_id)
    try:
        age = abs(time.time() - float(timestamp))
    except ValueError as exc:
        raise Unauthorized("X-Gridgov-Timestamp must be Unix seconds.") from exc
    if age > SIGNATURE_MAX_SKEW_SECONDS:
        raise Unauthorized("The request timestamp is too old or in the future.")
    given = signature.removeprefix("sha256=")
    if not any(
        hmac.compare_digest(sign_body(secret, timestamp, body), given) for secret in candidates
    ):
        raise Unauthorized("The request signature does not match its body.")
    return Principal(
        subject=f"partner:{partner_id}",
        roles=frozenset({Role.PARTNER}),
        jurisdiction="",
        partner_id=partner_id,
    )
