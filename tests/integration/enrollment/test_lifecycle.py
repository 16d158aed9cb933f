"""Lifecycle actions through the API: each allowed move is audited and emitted, a forbidden
one changes nothing; closing the window puts the unpaid of the caller's subtree in arrears.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest

from libs.common.platform_schema import outbox
from services.enrollment.models import EnrollmentTransition
from tests.conftest import bearer, signed
from tests.support.enrollment import ADMIN, SCHEME, YEAR, enroll, prepare_region
from tests.support.enrollment_api import (
    CLERK,
    FAR_VILLAGE,
    GRID_MEMBER,
    OTHER_CLERK,
    OTHER_VILLAGE,
    STATUS_CHANGED,
    TOWN,
    TOWN_OFFICER,
    VILLAGE,
    act,
    close_window,
    enrollment,
    events,
    money,
    moves,
    pay,
    problem,
    rows,
    set_clock,
)


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    return client


async def progress(client: Any, unit: str) -> dict[str, Any]:
    response = await client.get(
        f"/v1/progress/{SCHEME}/{YEAR}", params={"unit_code": unit}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    [row] = [r for r in response.json()["rows"] if r["unit_code"] == unit]
    return dict(row)


async def test_every_allowed_action_moves_audits_and_emits(client):
    made = await enroll(client, 1)
    closed = await close_window(client, TOWN_OFFICER)
    assert closed.status_code == 200, closed.text
    path = [
        ("interrupt", "interrupted"),
        ("seal", "sealed"),
        ("resume", "resumed"),
        ("close_window", "unpaid"),
        ("interrupt", "interrupted"),
        ("resume", "resumed"),
        ("flag_duplicate", "duplicate"),
        ("terminate", "terminated"),
    ]
    for action, expected in path:
        if action == "close_window":  # the window closes once more: resumed → unpaid
            assert (await close_window(client, ADMIN)).json()["moved_to_unpaid"] == 1
        else:
            response = await act(client, made["id"], action, headers=CLERK)
            assert response.status_code == 200, response.text
            assert response.json()["state"] == expected
        assert (await enrollment(client, made["id"]))["state"] == expected

    trail = (await client.get(f"/v1/enrollments/{made['id']}/history", headers=ADMIN)).json()
    states = ["registered", "unpaid", *(to for _, to in path)]
    assert [(t["from_state"], t["to_state"]) for t in trail[1:]] == list(pairwise(states))
    assert [t["action"] for t in trail[2:]] == [action for action, _ in path]
    assert all(t["reason"] for t in trail[1:])
    assert await moves(client, made["id"]) == list(pairwise(states))
    changed = [e for e in await events(client, STATUS_CHANGED) if e["to_state"] == "duplicate"]
    assert changed[0]["reason"] == "test flag_duplicate" and changed[0]["unit_code"] == VILLAGE


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("interrupt", "transition_forbidden"),
        ("seal", "transition_forbidden"),
        ("resume", "transition_forbidden"),
        ("terminate", "transition_forbidden"),
        ("close_window", None),  # only the window's closing, for a whole subtree, does that
        ("register", None),
        ("complete_payment", None),  # only payments complete a person
    ],
)
async def test_a_forbidden_action_is_422_and_changes_nothing(client, action, code):
    made = await enroll(client, 1)
    trail, emitted = await rows(client, EnrollmentTransition), await rows(client, outbox)
    body = problem(await act(client, made["id"], action, headers=CLERK), 422, code)
    if code is None:
        assert body["errors"][0]["pointer"] == "#/body/action"
    else:
        assert body["field"] == "action"
    assert await enrollment(client, made["id"]) == made
    assert await rows(client, EnrollmentTransition) == trail
    assert await rows(client, outbox) == emitted


async def test_only_officers_over_the_village_act(client):
    made = await enroll(client, 1)
    problem(await act(client, made["id"], "flag_duplicate", headers=GRID_MEMBER), 403)
    problem(await act(client, made["id"], "flag_duplicate", headers=OTHER_CLERK), 404)
    assert (await enrollment(client, made["id"]))["state"] == "registered"
    assert await moves(client, made["id"]) == []


async def test_a_paid_duplicate_leaves_the_units_completed_figures(client):
    made = [await enroll(client, n) for n in (1, 2)]
    for n in (1, 2):
        assert (await pay(client, n)).status_code == 201
    before = await progress(client, VILLAGE)
    assert (before["completed_persons"], before["enrolled_persons"]) == (2, 2)
    response = await act(client, made[0]["id"], "flag_duplicate", headers=CLERK)
    assert response.status_code == 200, response.text
    for unit in (VILLAGE, TOWN):
        after = await progress(client, unit)
        assert (after["completed_persons"], after["enrolled_persons"]) == (1, 1)
        assert money(after["deposited_amount"]) == money("320.00")
    assert await moves(client, made[0]["id"]) == [("registered", "paid"), ("paid", "duplicate")]


async def test_closing_the_window_moves_the_unpaid_of_the_callers_subtree(client):
    registered = await enroll(client, 1)
    paid = await enroll(client, 2)
    partial = await enroll(client, 3, OTHER_VILLAGE)
    duplicate = await enroll(client, 4)
    elsewhere = await enroll(client, 5, FAR_VILLAGE)
    assert (await pay(client, 2)).status_code == 201
    assert (await pay(client, 3, unit=OTHER_VILLAGE, amount="100.00")).status_code == 201
    assert (await act(client, duplicate["id"], "flag_duplicate")).status_code == 200

    response = await close_window(client, TOWN_OFFICER)
    assert response.status_code == 200, response.text
    assert response.json() == {"scheme_code": SCHEME, "year": YEAR, "moved_to_unpaid": 2}
    states = {
        name: (await enrollment(client, e["id"]))["state"]
        for name, e in [
            ("registered", registered),
            ("paid", paid),
            ("partial", partial),
            ("duplicate", duplicate),
            ("elsewhere", elsewhere),
        ]
    }
    assert states == {
        "registered": "unpaid",
        "paid": "paid",
        "partial": "unpaid",
        "duplicate": "duplicate",
        "elsewhere": "registered",
    }
    for e in (registered, partial):
        assert await moves(client, e["id"]) == [("registered", "unpaid")]
    assert await moves(client, elsewhere["id"]) == []
    again = await close_window(client, TOWN_OFFICER)
    assert again.json()["moved_to_unpaid"] == 0
    assert (await close_window(client, ADMIN)).json()["moved_to_unpaid"] == 1
    assert (await enrollment(client, elsewhere["id"]))["state"] == "unpaid"


@pytest.mark.parametrize(
    ("headers", "scheme", "status", "code"),
    [
        (CLERK, SCHEME, 403, None),
        (bearer(["auditor"], "320115000000"), SCHEME, 403, None),
        (TOWN_OFFICER, "no-such-scheme", 422, "scheme_unknown"),
    ],
)
async def test_closing_the_window_is_refused_and_moves_nothing(
    client, headers, scheme, status, code
):
    made = await enroll(client, 1)
    problem(await close_window(client, headers, scheme), status, code)
    assert (await enrollment(client, made["id"]))["state"] == "registered"
    assert await moves(client, made["id"]) == []


@pytest.mark.parametrize(
    "at", ["2026-11-29T10:00:00+08:00", "2026-12-31T23:59:00+08:00", "2026-12-31T15:30:00+00:00"]
)
async def test_the_window_cannot_close_before_it_ends(client, at):
    made = await enroll(client, 1)
    refused = await close_window(client, TOWN_OFFICER, at=datetime.fromisoformat(at))
    assert "2026-12-31" in problem(refused, 409, "window_open")["detail"]
    assert (await enrollment(client, made["id"]))["state"] == "registered"
    assert await moves(client, made["id"]) == []
    closed = await close_window(client, TOWN_OFFICER)  # on the morning after it
    assert closed.json()["moved_to_unpaid"] == 1


async def test_an_interrupted_person_who_pays_in_full_resumes(client):
    made = await enroll(client, 5)
    assert (await close_window(client, ADMIN)).status_code == 200
    assert (await act(client, made["id"], "interrupt")).status_code == 200
    late = "2027-01-10T10:00:00+08:00"  # after the window: variant A's full premium
    set_clock(client, datetime.fromisoformat("2027-01-11T09:00:00+08:00"))  # received then
    response = await pay(client, 5, amount="900.00", paid_at=late, deposited_at=late)
    assert response.status_code == 201, response.text
    after = await enrollment(client, made["id"])
    assert after["state"] == "paid" and after["settlement"] == "complete"
    assert after["counted"] is False, "deposited after the unified cut-off (000:L421)"
    assert (await moves(client, made["id"]))[-2:] == [
        ("interrupted", "resumed"),
        ("resumed", "paid"),
    ]


async def test_a_reversal_dated_after_the_window_puts_the_person_in_arrears(client):
    made = await enroll(client, 6)
    assert (await pay(client, 6)).status_code == 201
    body = {
        "transaction_id": "REV-late",
        "original_transaction_id": "R00006",
        "amount": "320.00",
        "reversed_at": "2027-01-05T09:00:00+08:00",
    }
    set_clock(client, datetime.fromisoformat("2027-01-06T09:00:00+08:00"))  # received then
    raw, headers = signed(body)
    assert (
        await client.post("/v1/partner/reversals", content=raw, headers=headers)
    ).status_code == 201
    assert (await enrollment(client, made["id"]))["state"] == "unpaid"
    assert (await moves(client, made["id"]))[-2:] == [
        ("paid", "registered"),
        ("registered", "unpaid"),
    ]
