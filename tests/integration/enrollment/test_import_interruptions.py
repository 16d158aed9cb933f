"""A file's import that cannot finish says so: its delivery ends `stopped`, with the reason.

Whatever stops it (its worker processes killed, the service stopping, Ctrl-C on the
command, or a process killed outright that can say nothing), the lines posted stay posted
and importing the same file again posts the rest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from libs.common.db import UnitOfWork
from libs.common.pii import PiiVault
from libs.common.service import Chore, Runtime
from services.enrollment.app import SPEC
from services.enrollment.payments import deliveries, files
from services.enrollment.payments.file_workers import ChunkWorkers
from services.enrollment.payments.models import Delivery
from tests.conftest import PARTNER, PII_KEY
from tests.integration.enrollment.test_files import (
    delivery_of,
    ledger_rows,
    ready,
    rows_file,
)
from tests.support.commands import ctrl_c_once, enrollment_env
from tests.support.enrollment import notice


async def test_an_import_whose_workers_die_stops_clearly_and_a_second_import_posts_the_rest(
    client_for,
):
    client = await ready(client_for, 12)
    data = rows_file([notice(n, prefix="K") for n in range(12)])
    runtime = client.runtime

    def kill_the_workers(_: int) -> None:  # as the kernel's OOM killer would
        for worker in multiprocessing.active_children():
            worker.kill()

    with (
        ChunkWorkers(runtime.settings.db_url(), PII_KEY, 2) as workers,
        pytest.raises(files.ImportStopped) as stopped,
    ):
        await files.import_file(
            runtime.sessions,
            PARTNER,
            data,
            PiiVault(PII_KEY),
            chunk_lines=2,
            progress=kill_the_workers,
            workers=workers,
        )

    first = stopped.value.report
    assert isinstance(stopped.value.__cause__, BrokenProcessPool)
    assert stopped.value.status == 503
    assert stopped.value.extra == {
        "delivery_id": str(first.delivery_id),
        "lines_posted": first.lines,
    }
    assert f"after {first.lines} lines" in stopped.value.detail
    assert "import the same file again" in stopped.value.detail
    posted = await ledger_rows(client)
    assert first.lines in (2, 4), "the chunks in flight when the first came back"
    assert first.lines <= posted <= 4, "what a worker committed stays; nothing more was posted"

    again = await files.import_file(runtime.sessions, PARTNER, data, PiiVault(PII_KEY))
    assert again.counts == {"recorded": 12 - posted, "duplicate": posted}
    assert await ledger_rows(client) == 12

    stopped_delivery = await delivery_of(client, first.delivery_id)
    assert stopped_delivery["state"] == "stopped"
    assert stopped_delivery["stopped_reason"] == stopped.value.detail


async def test_an_import_running_when_the_service_stops_is_marked_stopped(client_for):
    client = await ready(client_for, 6)
    data = rows_file([notice(n, prefix="S") for n in range(6)])
    service = Runtime(client.runtime.spec, client.runtime.settings)  # another of its processes
    opened = await files.open_file(service.sessions, PARTNER, data, "s.csv")
    first_chunk = asyncio.Event()
    service.run_in_background(
        files.post_file(
            service.sessions,
            opened,
            data,
            service.vault,
            chunk_lines=2,
            progress=lambda _: first_chunk.set(),
        ),
        name="import",
    )
    await first_chunk.wait()
    await service.stop()

    delivery = await delivery_of(client, opened.delivery_id)
    assert delivery["state"] == "stopped"
    assert delivery["stopped_reason"] == files.INTERRUPTED
    assert 2 <= delivery["lines"] < 6
    assert await ledger_rows(client) == delivery["recorded"] == delivery["lines"]


async def test_an_import_that_stops_beating_is_marked_stopped_and_no_other_is(client_for):
    client = await ready(client_for, 0)
    sessions = client.runtime.sessions
    data = rows_file([notice(0, prefix="T")])
    killed = await files.open_file(sessions, PARTNER, data, "killed.csv")
    alive = await files.open_file(sessions, PARTNER, data, "alive.csv")
    finished = await files.open_file(sessions, PARTNER, data, "finished.csv")
    await files.post_file(sessions, finished, data, PiiVault(PII_KEY))
    async with client.runtime.engine.begin() as conn:  # six minutes without a beat
        for report in (killed, finished):
            await conn.execute(
                update(Delivery)
                .where(Delivery.id == report.delivery_id)
                .values(updated_at=func.now() - timedelta(minutes=6))
            )

    await files.stop_stalled_imports(sessions)

    stopped = await delivery_of(client, killed.delivery_id)
    assert stopped["state"] == "stopped"
    assert stopped["stopped_reason"] == deliveries.STALLED.format(minutes="5")
    assert "import the same file again" in stopped["stopped_reason"]
    assert (await delivery_of(client, alive.delivery_id))["state"] == "queued"
    assert (await delivery_of(client, finished.delivery_id))["state"] == "done"


async def test_an_import_beats_while_it_waits_for_its_turn(client_for):
    client = await ready(client_for, 0)
    sessions = client.runtime.sessions
    data = rows_file([notice(0, prefix="H")])
    beating = await files.open_file(sessions, PARTNER, data, "beating.csv")
    silent = await files.open_file(sessions, PARTNER, data, "silent.csv")
    turns = asyncio.Semaphore(1)
    async with turns:  # both wait, `queued`, while another file holds the only turn
        jobs = [
            asyncio.create_task(
                files.post_file(
                    sessions, report, data, PiiVault(PII_KEY), turns=turns, heartbeat=beat
                )
            )
            for report, beat in ((beating, timedelta(seconds=0.1)), (silent, timedelta(hours=1)))
        ]
        await asyncio.sleep(2.5)
        async with sessions() as session, UnitOfWork(session) as uow:
            stalled = await deliveries.stop_stalled(uow, timedelta(seconds=2))
            await uow.commit()
    await asyncio.gather(*jobs)
    assert stalled == [silent.delivery_id]
    assert (await delivery_of(client, beating.delivery_id))["state"] == "done"


async def test_each_process_of_the_service_runs_its_chores_until_it_stops(client_for):
    client = await ready(client_for, 0)
    rounds: list[int] = []

    async def count(runtime: Runtime) -> None:
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise RuntimeError("a failed round does not end the chore")

    spec = dataclasses.replace(SPEC, chores=(Chore("count", 0.05, count),))
    service = Runtime(spec, client.runtime.settings)
    service.start_chores()
    await asyncio.sleep(0.5)
    await service.stop()
    done = len(rounds)
    await asyncio.sleep(0.2)
    assert done >= 4
    assert len(rounds) == done, "stopped with the service"
    assert [c.name for c in SPEC.chores] == [
        "stop stalled file imports",
        "register configured partners",
    ]


async def test_ctrl_c_on_the_command_stops_the_import_and_says_how_to_finish_it(
    client_for, tmp_path: Path
):
    client = await ready(client_for, 0)
    path = tmp_path / "bank.csv"
    path.write_bytes(rows_file([notice(n, prefix="C") for n in range(600)]))
    args = ["enrollment", "import-payments", str(path), "--partner", PARTNER]
    args += ["--chunk", "2", "--jobs", "1"]

    async def posting() -> bool:
        async with client.runtime.engine.connect() as conn:
            return bool(await conn.scalar(select(func.sum(Delivery.lines))))

    status, stderr = await ctrl_c_once(args, enrollment_env(client), posting)

    assert status == 130, stderr
    assert files.INTERRUPTED in stderr
    async with client.runtime.engine.connect() as conn:
        delivery_id = await conn.scalar(select(Delivery.id))
    delivery = await delivery_of(client, delivery_id)
    assert (delivery["state"], delivery["stopped_reason"]) == ("stopped", files.INTERRUPTED)
    assert 0 < delivery["lines"] < 600
    assert await ledger_rows(client) == delivery["lines"]
