"""Revision 0010: scheme-years made before regions move to one."""

from __future__ import annotations

import asyncio
import uuid

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common import migrations
from libs.common.db import create_database_if_missing
from tests.conftest import drop_database, make_settings, spec_of

REVISION = "0010"


async def test_existing_scheme_years_move_to_the_demo_district_and_back(pg_server_url):
    settings = make_settings("enrollment", pg_server_url, f"reg{uuid.uuid4().hex[:6]}", "x:1")
    await create_database_if_missing(settings.db_url())
    config = migrations.alembic_config(spec_of("enrollment"), settings.db_url())
    engine = create_async_engine(settings.db_url())
    try:
        await asyncio.to_thread(command.upgrade, config, "0009")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO scheme_year (scheme_code, year, name, template, policy,"
                    " task_kind) VALUES ('resident-medical-a', 2027, 'n', 't', '{}', 'persons')"
                )
            )
        await asyncio.to_thread(command.upgrade, config, REVISION)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT region_code, year FROM scheme_year"))).all()
        assert [tuple(r) for r in rows] == [("320115000000", 2027)]
        await asyncio.to_thread(command.downgrade, config, "0009")
        async with engine.connect() as conn:
            count = await conn.scalar(text("SELECT count(*) FROM scheme_year"))
        assert count == 1
    finally:
        await engine.dispose()
        await drop_database(settings.db_url())
