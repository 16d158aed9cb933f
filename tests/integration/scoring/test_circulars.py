"""Circulars (通报) of a snapshot as .xlsx and .html: ranks, praised, criticised, actions."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from services.scoring.circulars.render import RANK_HEADER
from tests.conftest import bearer
from tests.integration.scoring.helpers import ADMIN, VILLAGES, safety_campaign
from tests.integration.scoring.test_snapshots import close, snapshot


async def second_friday(client) -> dict:
    """Two consecutive weekly snapshots of villages scoring 5, 4, 3, 2, 1, 0: the second."""
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await close(client, {0: 5, 1: 4, 2: 3, 3: 2, 4: 1})
    await snapshot(client, "weekly_friday", "2027-04-02")
    await close(client, {5: 6})  # village 5 leads the second week
    return await snapshot(client, "weekly_friday", "2027-04-09")


async def test_the_workbook_lists_ranks_praise_criticism_and_triggers(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    response = await client.get(f"/v1/snapshots/{taken['id']}/circular.xlsx", headers=ADMIN)
    assert response.status_code == 200
    assert "circular-2027-W14.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["通报", "村(居)", "触发 triggers"]
    ranks = list(book["村(居)"].iter_rows(values_only=True))
    assert ranks[0] == RANK_HEADER
    assert ranks[1] == (1, VILLAGES[5], "村5", 6, 0.6, 5)
    assert ranks[2] == (2, VILLAGES[0], "村0", 5, 0.5, -1)
    summary = list(book["通报"].iter_rows(values_only=True))
    assert summary[1][:4] == (
        "表扬 praised",
        f"村5 ({VILLAGES[5]})",
        f"村0 ({VILLAGES[0]})",
        f"村1 ({VILLAGES[1]})",
    )
    assert summary[2][0] == "批评 criticised" and len([c for c in summary[2] if c]) == 6
    triggers = list(book["触发 triggers"].iter_rows(values_only=True))
    admonished = {row[0] for row in triggers[1:] if row[2] == "bottom_twice_admonition"}
    assert admonished == {VILLAGES[3], VILLAGES[4]}  # village 5 left the bottom three


async def test_the_printable_page_names_ranks_praised_criticised_and_actions(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    response = await client.get(f"/v1/snapshots/{taken['id']}/circular.html", headers=ADMIN)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f"<tr><td>1</td><td>{VILLAGES[5]}</td><td>村5</td>" in page
    assert "表扬 praised: 村5、村0、村1</p>" in page
    assert "批评 criticised: 村0、村1、村2、村3、村4</p>" in page
    assert f"<li>{VILLAGES[3]} (villages): bottom in two consecutive rankings: 约谈" in page
    assert "admonition_talk" in page and "criticism_circular" in page


async def test_a_circular_outside_the_jurisdiction_is_refused(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    elsewhere = bearer(["town_officer"], "320116101000")
    response = await client.get(f"/v1/snapshots/{taken['id']}/circular.html", headers=elsewhere)
    assert response.status_code == 403
