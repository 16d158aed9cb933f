"""What every service offers: health, readiness, metrics, problem+json, auth by jurisdiction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from libs.common import auth
from services.scoring.consumers import HANDLERS
from tests.conftest import JWT_SECRET, bearer
from tests.integration.test_consumer import delivery, payment_envelope

PROBLEM = "application/problem+json"
SERVICES = ["enrollment", "hazards", "grid", "scoring"]


@pytest.mark.parametrize("service", SERVICES)
async def test_health_readiness_and_metrics(client_for, service):
    client = await client_for(service)
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": service}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": True,
        "broker": True,
        "outbox": True,
        "consumers": True,
    }
    text = (await client.get("/metrics")).text
    for name in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "outbox_backlog",
        "events_published_total",
        "events_consumed_total",
        "events_dead_lettered_total",
        "consumer_lag",
        "event_processing_seconds",
        "outbox_oldest_unpublished_age_seconds",
        "consumer_last_progress_timestamp_seconds",
        "relay_publish_failures_total",
    ]:
        assert f"# TYPE {name.removesuffix('_total').removesuffix('_bucket')}" in text, name
    labels = f'method="GET",route="/healthz",service="{service}",status="200"'
    assert f"http_requests_total{{{labels}}}" in text


async def test_readiness_is_503_when_the_broker_is_unreachable(client_for):
    client = await client_for("hazards", kafka_bootstrap_servers="127.0.0.1:1")
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == PROBLEM
    assert ready.json()["checks"] == {
        "database": True,
        "broker": False,
        "outbox": True,
        "consumers": True,
    }
    assert ready.json()["failed"] == ["broker"] and "127.0.0.1:1" in ready.json()["detail"]


@pytest.mark.parametrize("service", SERVICES)
async def test_unknown_routes_and_methods_are_problem_json(client_for, service):
    client = await client_for(service)
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert missing.json()["status"] == 404 and missing.json()["instance"] == "/v1/nothing-here"
    wrong = await client.delete("/healthz")
    assert wrong.status_code == 405 and wrong.headers["content-type"] == PROBLEM


async def test_request_metrics_are_labelled_by_route_template(client_for):
    client = await client_for("scoring")
    await client.get("/v1/units/320115101001/payments")
    await client.get("/v1/units/320115101002/payments")
    text = (await client.get("/metrics")).text
    labels = 'method="GET",route="/v1/units/{unit_code}/payments",service="scoring",status="401"'
    line = next(x for x in text.splitlines() if x.startswith(f"http_requests_total{{{labels}}}"))
    assert float(line.split()[-1]) >= 2
    assert "320115101001" not in text, "raw paths would explode the label set"


async def test_the_request_id_is_echoed_and_put_in_problems(client_for):
    client = await client_for("scoring")
    response = await client.get(
        "/v1/units/320115101001/payments", headers={"X-Request-ID": "req-42"}
    )
    assert response.headers["X-Request-ID"] == "req-42"
    assert response.json()["request_id"] == "req-42"


async def test_a_unit_outside_the_jurisdiction_is_403(client_for):
    client = await client_for("scoring")
    town = bearer(["town_officer"], "320115101000")
    inside = await client.get("/v1/units/320115101001/payments", headers=town)
    assert inside.status_code == 200
    outside = await client.get("/v1/units/320115102001/payments", headers=town)
    assert outside.status_code == 403 and outside.headers["content-type"] == PROBLEM
    assert outside.json()["field"] == "unit_code"


@pytest.mark.parametrize(
    "token",
    [
        auth.mint_token(
            JWT_SECRET,
            subject="u",
            roles=["district_admin"],
            jurisdiction="320115000000",
            ttl=timedelta(seconds=-5),
        ),
        auth.mint_token(
            "another-secret-entirely-0123456789",
            subject="u",
            roles=["district_admin"],
            jurisdiction="320115000000",
        ),
        "not-a-jwt",
    ],
    ids=["expired", "wrong-key", "garbage"],
)
async def test_bad_tokens_are_401(client_for, token):
    client = await client_for("scoring")
    response = await client.get(
        "/v1/units/320115101001/payments", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_scoring_shows_the_counts_its_consumer_applied(client_for):
    client = await client_for("scoring")
    applier = client.runtime.applier()
    assert applier.handlers.on.keys() == HANDLERS.on.keys()
    await applier.apply([delivery(payment_envelope(n)) for n in range(3)])
    response = await client.get(
        "/v1/units/320115101001/payments", headers=bearer(["auditor"], "320115000000")
    )
    assert response.json()["payments"] == 3 and response.json()["amount"] == "960.00"
