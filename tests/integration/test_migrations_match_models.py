"""Each service's migrations build the schema its models declare: no drift either way.

Migrations are written by hand; this compares a freshly migrated database with the models
(and the shared platform tables) as Alembic's autogenerate would, so a column, index or
constraint added to one and not the other fails here rather than in production.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common import migrations, platform_schema
from tests.conftest import drop_database, make_settings, spec_of

SERVICES = ("enrollment", "hazards", "grid", "scoring")


def _differences(connection: Any, metadata: list[Any]) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    # Alembic compares a list of MetaData as one schema, as the migrations' env passes it.
    return list(compare_metadata(context, metadata))  # type: ignore[arg-type]


@pytest.mark.parametrize("service", SERVICES)
async def test_a_migrated_database_matches_the_models(pg_server_url, service):
    settings = make_settings(service, pg_server_url, f"drift{uuid.uuid4().hex[:6]}", "127.0.0.1:1")
    spec = spec_of(service)
    await migrations.upgrade(spec, settings)
    engine = create_async_engine(settings.db_url())
    try:
        async with engine.connect() as conn:
            found = await conn.run_sync(_differences, [spec.metadata, platform_schema.metadata])
    finally:
        await engine.dispose()
        await drop_database(settings.db_url())
    assert found == [], f"{service}: migrations and models differ"
