"""Settings shared by every service (pydantic-settings, environment prefix `GRIDGOV_`)."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

SERVICES = ("enrollment", "hazards", "grid", "scoring")
DEFAULT_PORTS = {"enrollment": 8001, "hazards": 8002, "grid": 8003, "scoring": 8004}
PLACEHOLDER_SECRETS = {"", "changeme", "secret", "dev", "development"}


class ServiceSettings(BaseSettings):
    """Configuration of one service; every field can be set as `GRIDGOV_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", extra="ignore", populate_by_name=True)

    service: str = "enrollment"
    env: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    """A server URL; the service uses database `gridgov_<service>` on it."""
    service_database_url: str | None = None
    """A full URL for this service only (`GRIDGOV_<SERVICE>_DATABASE_URL`)."""
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "GRIDGOV_KAFKA_BOOTSTRAP_SERVERS"),
    )
    jwt_secret: SecretStr = SecretStr("")
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_public_key: str | None = None
    pii_key: SecretStr = SecretStr("")
    partner_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    """Bootstrap partners (id → secret) for a service that keeps partners as data: those
    absent from its table are registered; the table decides from then on."""
    partner_cache_seconds: float = 5.0
    """How long a process trusts its copy of the partner table: a change to a partner
    reaches every process within this bound, with no restart."""
    partner_rotation_overlap_seconds: float = 86_400.0
    """After a rotation, how long the previous secret still verifies beside the new one."""
    service_token: SecretStr = SecretStr("")
    enrollment_url: str = "http://127.0.0.1:8001"
    hazards_url: str = "http://127.0.0.1:8002"
    grid_url: str = "http://127.0.0.1:8003"
    scoring_url: str = "http://127.0.0.1:8004"
    topic_prefix: str = ""
    """Prepended to every topic and consumer group (isolates test runs on one broker)."""
    log_level: str = "INFO"
    migrate_on_start: bool = True
    run_workers: bool = True
    """Run the outbox relay and the consumers in the API process."""
    relay_poll_seconds: float = 1.0
    resync_interval_seconds: float = 10.0
    resync_grace_seconds: float = 10.0
    consumer_max_attempts: int = 3
    ready_outbox_max_age_seconds: float = 60.0
    """/readyz fails when an outbox row has waited longer than this to be published."""
    ready_consumer_stall_seconds: float = 120.0
    """/readyz fails when a consumer is behind and has applied nothing for this long."""

    @field_validator("partner_secrets", mode="before")
    @classmethod
    def _parse_partner_secrets(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.env != "production":
            return self
        if (
            self.jwt_algorithm == "HS256"
            and self.jwt_secret.get_secret_value() in PLACEHOLDER_SECRETS
        ):
            raise ValueError("GRIDGOV_JWT_SECRET must be set to a real secret in production")
        if self.jwt_algorithm == "RS256" and not self.jwt_public_key:
            raise ValueError("GRIDGOV_JWT_PUBLIC_KEY is required with RS256")
        return self

    def db_url(self) -> str:
        """The SQLAlchemy (asyncpg) URL of this service's own database."""
        if self.service_database_url:
            url = make_url(self.service_database_url)
        else:
            url = make_url(self.database_url).set(database=f"gridgov_{self.service}")
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)

    def server_url(self) -> str:
        """The maintenance URL (database `postgres`) used to create the service database."""
        url = make_url(self.db_url()).set(database="postgres")
        return url.render_as_string(hide_password=False)

    def url_of(self, service: str) -> str:
        """Base URL of another service (used only for the outbox re-sync)."""
        return str(getattr(self, f"{service}_url"))


def load_settings(service: str, **overrides: object) -> ServiceSettings:
    """Settings for one service, honouring `GRIDGOV_<SERVICE>_DATABASE_URL`."""
    import os

    per_service = os.environ.get(f"GRIDGOV_{service.upper()}_DATABASE_URL")
    values: dict[str, object] = {"service": service}
    if per_service:
        values["service_database_url"] = per_service
    values.update(overrides)
    return ServiceSettings(**values)  # type: ignore[arg-type]
