"""Alembic, run programmatically: one migration tree per service, in its own database."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common import platform_schema
from libs.common.db import create_database_if_missing
from libs.common.settings import ServiceSettings

if TYPE_CHECKING:
    from libs.common.service import ServiceSpec

MIGRATION_LOCK_KEY = 7_401_002


def alembic_config(spec: ServiceSpec, url: str) -> Config:
    """An Alembic config for a service's migration tree and database."""
    config = Config()
    config.set_main_option("script_location", str(spec.migrations))
    config.attributes["url"] = url  # not a main option: configparser would mangle '%' in it
    config.attributes["target_metadata"] = [spec.metadata, platform_schema.metadata]
    return config


async def upgrade(spec: ServiceSpec, settings: ServiceSettings) -> None:
    """Create the service database if missing and migrate it to the newest revision."""
    await create_database_if_missing(settings.db_url())
    config = alembic_config(spec, settings.db_url())
    await asyncio.to_thread(command.upgrade, config, "head")


def run_env() -> None:
    """The body of every service's `migrations/env.py`."""
    config = context.config
    metadata: list[MetaData] = config.attributes["target_metadata"]
    url: str = config.attributes["url"]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, metadata))


async def _run_online(url: str, metadata: list[MetaData]) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_migrate, metadata)
    await engine.dispose()


def _migrate(connection: Connection, metadata: list[MetaData]) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        # Replicas starting together: one migrates, the others wait, then find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()
