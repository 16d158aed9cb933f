"""Settings: one database per service, external servers by environment, safe secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from libs.common.settings import ServiceSettings, load_settings


def test_each_service_gets_its_own_database_on_the_server(monkeypatch):
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", "postgresql://u:p%40ss@db:5432/postgres")
    assert (
        load_settings("scoring").db_url() == "postgresql+asyncpg://u:p%40ss@db:5432/gridgov_scoring"
    )
    assert load_settings("hazards").db_url().endswith("/gridgov_hazards")


def test_a_per_service_url_overrides_the_server(monkeypatch):
    monkeypatch.setenv("GRIDGOV_SCORING_DATABASE_URL", "postgresql://u@other:5433/score")
    assert load_settings("scoring").db_url() == "postgresql+asyncpg://u@other:5433/score"
    assert load_settings("grid").db_url().endswith("/gridgov_grid")


def test_kafka_bootstrap_servers_is_read_without_prefix(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    assert load_settings("grid").kafka_bootstrap_servers == "kafka:9092"


def test_partner_secrets_are_read_as_json(monkeypatch):
    monkeypatch.setenv("GRIDGOV_PARTNER_SECRETS", '{"bank-a": "s1"}')
    assert load_settings("enrollment").partner_secrets["bank-a"].get_secret_value() == "s1"


@pytest.mark.parametrize("secret", ["", "changeme", "secret"])
def test_production_refuses_placeholder_secrets(secret):
    with pytest.raises(ValidationError, match="GRIDGOV_JWT_SECRET"):
        ServiceSettings(env="production", jwt_secret=secret)


def test_production_accepts_a_real_secret():
    assert ServiceSettings(env="production", jwt_secret="x" * 40).env == "production"
