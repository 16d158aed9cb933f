"""Enrollment's part of the demo: bank payments for the demo villages, posted as a partner."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from libs.common import auth
from libs.common.identifiers import resident_id_check_char
from services.demo import VILLAGES

SCHEME = "resident-medical-a"


def demo_resident_id(village_index: int, person: int) -> str:
    """A well-formed (check digit and all) fictitious resident ID number."""
    first17 = f"320115{1960 + person:04d}{1 + village_index:02d}15{person % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def demo_payments(year: int) -> list[dict[str, str | int]]:
    """A few resident-medical payments per demo village (more in the first villages)."""
    paid = datetime(year - 1, 11, 3, 9, 30, tzinfo=UTC)
    notices: list[dict[str, str | int]] = []
    for index, village in enumerate(VILLAGES):
        for n in range(12 - index):
            at = paid + timedelta(hours=n * 7 + index)
            notices.append(
                {
                    "transaction_id": f"DEMO-{village}-{n:04d}",
                    "resident_id": demo_resident_id(index, n),
                    "unit_code": village,
                    "scheme_code": SCHEME,
                    "year": year,
                    "amount": str(Decimal("320.00")),
                    "paid_at": at.isoformat(),
                    "deposited_at": (at + timedelta(days=1)).isoformat(),
                }
            )
    return notices


def signed_headers(partner: str, secret: str, body: bytes, key: str) -> dict[str, str]:
    """Headers of a partner request signed the way partners must sign them."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-Partner-Id": partner,
        "X-Gridgov-Timestamp": timestamp,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(secret, timestamp, body),
        "Idempotency-Key": key,
    }


def load(env: dict[str, str]) -> None:
    """Post the demo payments to enrollment as the demo bank."""
    partner, secret = next(iter(json.loads(env["GRIDGOV_PARTNER_SECRETS"]).items()))
    base = env["GRIDGOV_ENROLLMENT_URL"]
    year = datetime.now(UTC).year + 1
    with httpx.Client(base_url=base, timeout=10) as client:
        for notice in demo_payments(year):
            body = json.dumps(notice).encode()
            headers = signed_headers(partner, secret, body, str(notice["transaction_id"]))
            client.post("/v1/partner/payments", content=body, headers=headers).raise_for_status()
    print(f"demo: {len(demo_payments(year))} payments posted to enrollment", flush=True)
