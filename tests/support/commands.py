"""The `gridgov` command run as a user runs it: its own process, stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.conftest import PARTNER, PARTNER_SECRET, PII_KEY


def enrollment_env(client: Any) -> dict[str, str]:
    """The environment `gridgov enrollment` commands need to reach a test's database, with
    the test's partner known."""
    return {
        "GRIDGOV_ENROLLMENT_DATABASE_URL": client.runtime.settings.db_url(),
        "GRIDGOV_PII_KEY": PII_KEY,
        "GRIDGOV_PARTNER_SECRETS": json.dumps({PARTNER: PARTNER_SECRET}),
    }


async def ctrl_c_once(
    args: list[str], env: dict[str, str], started: Callable[[], Awaitable[bool]]
) -> tuple[int, str]:
    """Run `gridgov ARGS`, press Ctrl-C (SIGINT) once `started()` is true; its exit status
    and what it wrote to stderr, on one line."""
    process = await asyncio.create_subprocess_exec(
        Path(sys.executable).with_name("gridgov"),
        *args,
        env=os.environ | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        for _ in range(600):
            if await started():
                break
            if process.returncode is not None:
                raise AssertionError("the command ended before it started its work")
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the command did not start its work in 30 s")
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, " ".join(stderr.decode().split())
