"""Rosters: a village's residents registered and enrolled in one go, line by line outcomes."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from libs.common.platform_schema import outbox
from services.enrollment.cli import app as cli
from services.enrollment.enrollments import roster as roster_import
from services.enrollment.models import Enrollment, EnrollmentTransition, Person
from services.enrollment.targets import progress, tally
from tests.conftest import bearer
from tests.support.commands import ctrl_c_once, enrollment_env
from tests.support.enrollment import ADMIN, SCHEME, YEAR, prepare_region, resident_id, roster

VILLAGE, OTHER_TOWN_VILLAGE = "320115101001", "320115102001"
TOWN_OFFICER = bearer(["town_officer"], "320115101000")


async def post_roster(client: Any, data: bytes, headers: dict[str, str] = ADMIN) -> Any:
    return await client.post(
        f"/v1/rosters/{SCHEME}/{YEAR}", content=data, headers=headers | {"Content-Type": "text/csv"}
    )


async def rows(client: Any, model: Any) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)))


def spoiled_roster() -> bytes:
    good = roster([(n, VILLAGE) for n in range(5)]).decode()
    bad = [
        "320115198001010011,坏号,320115101001",  # check digit
        f"{resident_id(90)},外镇,{OTHER_TOWN_VILLAGE}",  # another town's village
        f"{resident_id(91)},无村,320115101099",  # no such village
    ]
    return (good + "\n".join(bad) + "\n").encode()


async def test_a_roster_registers_and_enrolls_each_line_and_refuses_the_bad(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    response = await post_roster(client, spoiled_roster(), TOWN_OFFICER)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["enrolled"], report["rejected"]) == (8, 5, 3)
    assert {r["line_no"]: r["reason_code"] for r in report["refused"]} == {
        7: "identifier_invalid",
        8: "outside_jurisdiction",
        9: "unit_unknown",
    }
    assert await rows(client, Person) == 5 and await rows(client, Enrollment) == 5
    assert await rows(client, EnrollmentTransition) == 5
    async with client.runtime.engine.connect() as conn:
        stored = " ".join((await conn.execute(select(Person.resident_id_enc))).scalars())
        enrolled = await conn.scalar(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.type == "gridgov.enrollment.person.enrolled.v1")
        )
    assert resident_id(0) not in stored, "ID numbers are stored encrypted"
    assert enrolled == 5
    async with client.runtime.sessions() as session:
        live = tally.as_mapping(await tally.figures(session, SCHEME, YEAR))
        assert {u: s for u, s in live.items() if s} == await progress.recount(session, SCHEME, YEAR)
    assert live[VILLAGE].enrolled == 5


async def test_a_line_with_a_misspelt_identity_tag_is_refused(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    data = roster([(1, VILLAGE)], tags="dibao; 60plus").decode()
    data += roster([(2, VILLAGE)], tags="dibao;  ").decode().split("\n", 1)[1]
    report = (await post_roster(client, data.encode())).json()
    assert (report["enrolled"], report["rejected"]) == (1, 1), report
    [refused] = report["refused"]
    assert (refused["line_no"], refused["reason_code"]) == (2, "tag_unknown")
    assert "60plus" in refused["detail"]
    async with client.runtime.engine.connect() as conn:
        assert list(await conn.scalars(select(Person.tags))) == [["dibao"]]


async def test_the_same_roster_again_enrolls_nobody_twice(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    data = roster([(n, VILLAGE) for n in range(4)])
    assert (await post_roster(client, data)).json()["enrolled"] == 4
    again = (await post_roster(client, data)).json()
    assert (again["enrolled"], again["already_enrolled"]) == (0, 4)
    assert await rows(client, Person) == 4 and await rows(client, Enrollment) == 4


async def test_an_ineligible_resident_is_refused_with_the_rule(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    data = roster([(1, VILLAGE)], in_employee_scheme="yes")
    report = (await post_roster(client, data)).json()
    assert report["rejected"] == 1
    assert report["refused"][0]["reason_code"] == "ineligible.employee_scheme"


async def test_a_grid_member_may_not_upload_a_roster(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    response = await post_roster(client, roster([(1, VILLAGE)]), bearer(["grid_member"], VILLAGE))
    assert response.status_code == 403
    assert await rows(client, Person) == 0


async def test_the_roster_command_reports_refused_lines(client_for, tmp_path: Path):
    client = await client_for("enrollment")
    await prepare_region(client)
    path = tmp_path / "roster.csv"
    path.write_bytes(spoiled_roster())
    env = enrollment_env(client)
    args = ["import-roster", str(path), "--scheme", SCHEME, "--year", str(YEAR)]
    args += ["--unit", "320115101000"]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "8 lines: 5 enrolled, 3 rejected" in result.output
    errors = path.with_name("roster.csv.errors.csv").read_text("utf-8-sig")
    assert [e["line"] for e in csv.DictReader(io.StringIO(errors))] == ["7", "8", "9"]


async def test_ctrl_c_on_the_roster_command_says_how_to_finish_and_a_second_run_does(
    client_for, tmp_path: Path
):
    client = await client_for("enrollment")
    await prepare_region(client)
    path = tmp_path / "roster.csv"
    path.write_bytes(roster([(n, VILLAGE) for n in range(600)]))
    args = ["enrollment", "import-roster", str(path), "--scheme", SCHEME, "--year", str(YEAR)]
    args += ["--unit", "320115101000", "--chunk", "2"]

    async def enrolling() -> bool:
        return await rows(client, Enrollment) > 0

    status, stderr = await ctrl_c_once(args, enrollment_env(client), enrolling)

    assert status == 130, stderr
    assert roster_import.INTERRUPTED in stderr
    enrolled = await rows(client, Enrollment)
    assert 0 < enrolled < 600
    again = await asyncio.to_thread(CliRunner().invoke, cli, args[1:], env=enrollment_env(client))
    assert again.exit_code == 0, again.output
    assert f"600 lines: {enrolled} already_enrolled, {600 - enrolled} enrolled" in again.output
    assert await rows(client, Enrollment) == 600
