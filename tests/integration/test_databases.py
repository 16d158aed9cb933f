"""A service's database is created once, however many of its processes start together."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common.db import create_database_if_missing
from tests.conftest import drop_database


async def test_processes_starting_together_create_the_database_once(pg_server_url):
    url = make_url(pg_server_url).set(
        drivername="postgresql+asyncpg", database=f"gridgov_race_{uuid.uuid4().hex[:8]}"
    )
    rendered = url.render_as_string(hide_password=False)
    try:
        await asyncio.gather(*(create_database_if_missing(rendered) for _ in range(4)))
        engine = create_async_engine(rendered)
        try:
            async with engine.connect() as conn:
                assert await conn.scalar(text("SELECT current_database()")) == url.database
        finally:
            await engine.dispose()
    finally:
        await drop_database(rendered)
