"""Tokens, jurisdictions and partner signatures."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from libs.common import auth
from libs.common.errors import Forbidden, Unauthorized

SECRET = "unit-test-secret-0123456789abcdef"


def principal(unit: str, *roles: str) -> auth.Principal:
    token = auth.mint_token(
        SECRET, subject="u", roles=list(roles) or ["town_officer"], jurisdiction=unit
    )
    return auth.decode_token(token, SECRET)


def test_a_token_round_trips_roles_and_jurisdiction():
    user = principal("320115101000", "town_officer", "auditor")
    assert user.subject == "u" and user.jurisdiction == "320115101000"
    assert user.has_any("auditor") and not user.has_any("district_admin")


@pytest.mark.parametrize(
    ("jurisdiction", "unit", "covered"),
    [
        ("320115000000", "320115101001", True),
        ("320115000000", "320116101001", False),
        ("320115101000", "320115101001", True),
        ("320115101000", "320115101000", True),
        ("320115101000", "320115102001", False),
        ("320115101001", "320115101001", True),
        ("320115101001", "320115101002", False),
        ("320115101001", "320115101001007", True),  # a grid cell of the village
        ("320115101000", "320115000000", False),  # a town does not cover its district
        ("320115101000", "not-a-code", False),
    ],
)
def test_jurisdiction_is_a_subtree(jurisdiction, unit, covered):
    assert principal(jurisdiction).covers(unit) is covered


def test_ensure_covers_names_the_field():
    with pytest.raises(Forbidden) as refused:
        auth.ensure_covers(principal("320115101000"), "320115102001")
    assert refused.value.field == "unit_code"


def test_ensure_role():
    auth.ensure_role(principal("320115000000", "auditor"), "auditor", "district_admin")
    with pytest.raises(Forbidden):
        auth.ensure_role(principal("320115000000", "grid_member"), "auditor")


def test_expired_and_forged_tokens_are_unauthorized():
    expired = auth.mint_token(
        SECRET, subject="u", roles=[], jurisdiction="320115000000", ttl=timedelta(seconds=-1)
    )
    with pytest.raises(Unauthorized, match="expired"):
        auth.decode_token(expired, SECRET)
    with pytest.raises(Unauthorized, match="invalid"):
        auth.decode_token(expired.replace(".", "x.", 1), SECRET)
    with pytest.raises(Unauthorized):
        auth.decode_token(
            auth.mint_token("x" * 32, subject="u", roles=[], jurisdiction="3"), SECRET
        )


def test_partner_signatures():
    ts, body = str(int(time.time())), b'{"a": 1}'
    good = "sha256=" + auth.sign_body("s3cret", ts, body)
    partner = auth.verify_signature({"bank": "s3cret"}, "bank", ts, good, body)
    assert partner.partner_id == "bank" and partner.has_any(auth.Role.PARTNER)
    assert not partner.covers("320115101001"), "a partner has no jurisdiction"
    cases = [
        ({"bank": "s3cret"}, "other", ts, good, body),  # unknown partner
        ({"bank": "s3cret"}, "bank", ts, good, body + b" "),  # body changed
        ({"bank": "s3cret"}, "bank", str(int(ts) - 301), good, body),  # stale
        ({"bank": "s3cret"}, "bank", "yesterday", good, body),  # not a timestamp
        ({"bank": "wrong"}, "bank", ts, good, body),  # other secret
    ]
    for args in cases:
        with pytest.raises(Unauthorized):
            auth.verify_signature(*args)


def test_during_a_rotation_either_secret_verifies_and_no_other():
    ts, body = str(int(time.time())), b'{"a": 1}'
    rotating = {"bank": ("new", "old")}
    for secret in ("new", "old"):
        signature = "sha256=" + auth.sign_body(secret, ts, body)
        assert auth.verify_signature(rotating, "bank", ts, signature, body).partner_id == "bank"
        event = auth.event_signature(secret, {"a": 1})
        auth.verify_event_signature(rotating, "bank", {"a": 1}, event)
    forged = "sha256=" + auth.sign_body("older", ts, body)
    with pytest.raises(Unauthorized):
        auth.verify_signature(rotating, "bank", ts, forged, body)
    with pytest.raises(Unauthorized):
        auth.verify_event_signature(rotating, "bank", {"a": 1}, auth.event_signature("x", {"a": 1}))
    with pytest.raises(Unauthorized):  # a partner with no secret that verifies (disabled)
        auth.verify_signature({"bank": ()}, "bank", ts, forged, body)
