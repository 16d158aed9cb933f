"""Partner secrets: generated, sealed at rest, opened to check signatures.

A partner's signature is an HMAC with its secret, and checking an HMAC needs the secret
itself: a hash of it would be useless, so the secret is encrypted (AES-GCM) with a key
derived from the service's GRIDGOV_PII_KEY under its own label, never the key that seals
ID numbers.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh partner secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(SECRET_BYTES)


class SecretBox:
    """Seals and opens partner secrets with a key derived from the service's key material."""

    def __init__(self, key_material: str) -> None:
        if not key_material:
            raise ValueError("GRIDGOV_PII_KEY is not set")
        self._aead = AESGCM(
            hashlib.sha256(b"gridgov-partner-secret:" + key_material.encode()).digest()
        )

    def seal(self, secret: str, partner_id: str) -> str:
        """Ciphertext (base64: nonce + sealed secret), bound to the partner's id."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), partner_id.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, token: str, partner_id: str) -> str:
        """The clear secret of `seal`'s output for the same partner."""
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], partner_id.encode()).decode()
