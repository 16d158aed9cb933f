"""Identities every path (REST, topic, file) derives the same way."""

from __future__ import annotations

import uuid

ENROLLMENT_NAMESPACE = uuid.UUID("6f1c5a52-3c1e-4d8e-9a40-0e6f2f1b7a11")


def enrollment_id_of(person_key: str, scheme_code: str, year: int) -> uuid.UUID:
    """An enrollment's identity is person × scheme × year, so every path derives the same id."""
    return uuid.uuid5(ENROLLMENT_NAMESPACE, f"{person_key}:{scheme_code}:{year}")
