"""Personal data at rest: resident ID numbers are stored encrypted and found by keyed hash.

The keyed hash (HMAC-SHA256 with the PII key) lets a record be looked up by ID number
without storing the number in clear; AES-GCM with a key derived from the same secret
encrypts it for the roles that may see it whole.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class PiiVault:
    """Hashes, encrypts and decrypts personal identifiers with one configured secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("GRIDGOV_PII_KEY is not set")
        self._hash_key = hashlib.sha256(b"gridgov-pii-hash:" + secret.encode()).digest()
        self._aead = AESGCM(hashlib.sha256(b"gridgov-pii-enc:" + secret.encode()).digest())

    def keyed_hash(self, value: str) -> str:
        """A stable hex digest to search by; reveals nothing without the key."""
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        """Ciphertext (base64: nonce + sealed value)."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode(), None)
        return base64.b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        """The clear value of `encrypt`'s output."""
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()
