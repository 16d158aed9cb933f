"""Payments settle the enrollment through the API: partial, overpaid, not yet deposited,
late (variant A: the full premium 900) and above the standard (refused, nothing written).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.demo import DISTRICT
from services.enrollment.models import Delivery, Payment
from tests.conftest import bearer, signed
from tests.support.enrollment import ADMIN, SCHEME, YEAR, enroll, prepare_region
from tests.support.enrollment_api import (
    RECORDED,
    TOWN_OFFICER,
    VILLAGE,
    close_window,
    enrollment,
    events,
    money,
    moves,
    pay,
    problem,
    reverse,
    rows,
    set_clock,
)

LATE = "2027-01-05T09:00:00+08:00"  # after the window Oct 25 – Dec 31, 2026
LATE_DEPOSIT = "2027-01-05T11:00:00+08:00"
AFTER_LATE = datetime.fromisoformat("2027-01-06T09:00:00+08:00")
"""When the late payments are received: the service refuses money dated in its future."""


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    return client


def amounts(body: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("due", "paid", "deposited", "overpayment")
    return tuple(money(body[k]) for k in keys)


async def completed(client: Any, unit: str = VILLAGE) -> int:
    response = await client.get(
        f"/v1/progress/{SCHEME}/{YEAR}", params={"unit_code": unit}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    [row] = [r for r in response.json()["rows"] if r["unit_code"] == unit]
    return int(row["completed_persons"])


async def completes(client: Any) -> list[bool]:
    return [e["completes_person"] for e in await events(client, RECORDED)]


async def test_a_partial_payment_leaves_the_person_registered_until_the_due_is_reached(client):
    made = await enroll(client, 1)
    first = await pay(client, 1, amount="200.00")
    assert first.status_code == 201 and first.json()["outcome"] == "recorded", first.text
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"], after["counted"]) == (
        "registered",
        "partial",
        False,
    )
    assert amounts(after) == (money("320.00"), money("200.00"), money("200.00"), 0)
    assert await completed(client) == 0 and await completes(client) == [False]

    second = await pay(client, 1, prefix="B", amount="120.00")
    assert second.status_code == 201, second.text
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"], after["counted"]) == ("paid", "complete", True)
    assert amounts(after) == (money("320.00"), money("320.00"), money("320.00"), 0)
    assert await completed(client) == 1 and await completes(client) == [False, True]
    assert await moves(client, made["id"]) == [("registered", "paid")]


async def test_an_overpayment_completes_the_person_and_is_recorded_for_refund(client):
    made = await enroll(client, 1)
    # One payment may not exceed the standard (320 in the window); two together may.
    problem(await pay(client, 1, amount="500.00"), 422, "amount_above_standard")
    assert (await pay(client, 1)).status_code == 201
    assert (await pay(client, 1, prefix="B", amount="180.00")).status_code == 201
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"]) == ("paid", "complete")
    assert money(after["paid"]) == money("500.00")
    assert money(after["overpayment"]) == money("180.00")
    assert await completed(client) == 1
    assert await completes(client) == [True, False], "the second payment completes no one"
    assert after["benefits_from"] is None, "paid in the window: with the scheme-year"


async def test_reversing_a_partial_payment_reopens_no_one(client):
    await enroll(client, 1)
    assert (await pay(client, 1, amount="200.00")).status_code == 201
    assert (await reverse(client, "R00001", amount="200.00")).status_code == 201
    [undone] = await events(client, "gridgov.enrollment.payment.reversed.v1")
    assert undone["reopens_person"] is False, "they never counted"
    assert undone["deposit_reversed"] is True, "its money was deposited: it comes back out"


async def test_reversing_a_payment_never_deposited_takes_no_deposited_money_back(client):
    await enroll(client, 1)
    assert (await pay(client, 1, deposited_at=None)).status_code == 201
    assert (await reverse(client, "R00001")).status_code == 201
    [undone] = await events(client, "gridgov.enrollment.payment.reversed.v1")
    assert undone["deposit_reversed"] is False, "its money never reached the fund account"


async def test_a_payment_not_yet_deposited_does_not_complete_the_person(client):
    made = await enroll(client, 1)
    response = await pay(client, 1, deposited_at=None)
    assert response.status_code == 201 and response.json()["deposited_at"] is None
    after = await enrollment(client, made["id"])
    assert after["state"] == "registered" and after["counted"] is False
    assert money(after["paid"]) == money("320.00") and money(after["deposited"]) == 0
    assert await completed(client) == 0 and await completes(client) == [False]
    assert await moves(client, made["id"]) == []


async def test_a_late_payment_owes_the_full_premium(client):
    made = await enroll(client, 1)
    set_clock(client, AFTER_LATE)
    response = await pay(client, 1, paid_at=LATE, deposited_at=LATE_DEPOSIT)
    assert response.status_code == 201, response.text
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"]) == ("registered", "partial")
    assert money(after["due"]) == money("900.00") and money(after["paid"]) == money("320.00")
    assert await completes(client) == [False] and await completed(client) == 0

    rest = await pay(
        client, 1, prefix="B", amount="580.00", paid_at=LATE, deposited_at=LATE_DEPOSIT
    )
    assert rest.status_code == 201, rest.text
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"]) == ("paid", "complete")
    # Paid in full, but deposited after the counting cut-off: not counted toward the task.
    assert amounts(after) == (money("900.00"), money("900.00"), 0, 0)
    assert after["counted"] is False and await completed(client) == 0
    assert await completes(client) == [False, True]
    assert after["benefits_from"] == "2027-02-04", "30 days after paying on Jan 5"


async def test_a_late_full_premium_settles_arrears_after_the_window(client):
    made = await enroll(client, 1)
    closed = await close_window(client, TOWN_OFFICER)
    assert closed.json()["moved_to_unpaid"] == 1
    set_clock(client, AFTER_LATE)
    assert (
        await pay(client, 1, amount="900.00", paid_at=LATE, deposited_at=LATE_DEPOSIT)
    ).status_code == 201
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"], money(after["due"])) == (
        "paid",
        "complete",
        money("900.00"),
    )
    assert await moves(client, made["id"]) == [("registered", "unpaid"), ("unpaid", "paid")]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"amount": "901.00"}, "amount_above_standard", "amount"),
        ({"amount": "901.00", "paid_at": LATE}, "amount_above_standard", "amount"),
        ({"unit_code": "320115109001"}, "unit_unknown", "unit_code"),
        ({"year": YEAR + 1}, "scheme_unknown", "scheme_code"),
        # Received on 6 January 2027 (AFTER_LATE): 15 minutes of clock skew, no more.
        ({"paid_at": "2027-01-06T09:16:00+08:00"}, "paid_at_in_future", "paid_at"),
        (
            {"paid_at": LATE, "deposited_at": "2027-01-07T09:00:00+08:00"},
            "deposited_at_in_future",
            "deposited_at",
        ),
    ],
)
async def test_a_refused_payment_is_422_and_writes_nothing(client, changes, code, field):
    made = await enroll(client, 1)
    set_clock(client, AFTER_LATE)
    body = problem(await pay(client, 1, **changes), 422, code)
    assert body["field"] == field
    assert await rows(client, Payment) == 0 and await rows(client, Delivery) == 0
    assert await enrollment(client, made["id"]) == made
    assert await events(client, RECORDED) == []


async def test_a_policy_changed_after_payments_governs_the_next_ones(client):
    first, second = await enroll(client, 21), await enroll(client, 22)
    assert (await pay(client, 21, amount="300.00")).status_code == 201
    assert (await enrollment(client, first["id"]))["settlement"] == "partial"
    body = {
        "template": "resident_medical/variant-a",
        "collection_year": 2026,
        "overrides": {"tiers": [{"code": "standard", "amount": "300.00"}]},
    }
    changed = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}", json=body, headers=ADMIN
    )
    assert changed.status_code == 200, changed.text
    assert (await pay(client, 22, amount="300.00")).status_code == 201
    assert (await enrollment(client, second["id"]))["settlement"] == "complete"


DEPOSITED = "gridgov.enrollment.payment.deposited.v1"


async def test_a_deposit_confirmed_later_completes_the_person(client):
    made = await enroll(client, 1)
    paid = await pay(client, 1, deposited_at=None)
    assert paid.status_code == 201 and paid.json()["deposited_at"] is None, paid.text
    deposit_at = "2026-11-04T10:00:00+08:00"

    confirmed = await pay(client, 1, deposited_at=deposit_at)
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["outcome"], body["id"]) == ("deposited", paid.json()["id"])
    assert money(body["amount"]) == money("320.00") and body["deposited_at"] is not None
    after = await enrollment(client, made["id"])
    assert (after["state"], after["counted"], money(after["deposited"])) == (
        "paid",
        True,
        money("320.00"),
    )
    assert await completed(client) == 1
    assert await moves(client, made["id"]) == [("registered", "paid")]
    [event] = await events(client, DEPOSITED)
    assert (event["payment_id"], event["completes_person"]) == (body["id"], True)

    again = await pay(client, 1, deposited_at=deposit_at)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert len(await events(client, DEPOSITED)) == 1 and await rows(client, Payment) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "300.00", "deposited_at": "2026-11-04T10:00:00+08:00"},
        {"deposited_at": "2026-10-01T10:00:00+08:00"},  # before it was paid
    ],
)
async def test_a_repeat_that_cannot_be_the_deposit_changes_nothing(client, changes):
    made = await enroll(client, 1)
    assert (await pay(client, 1, deposited_at=None)).status_code == 201
    repeat = await pay(client, 1, **changes)
    assert (repeat.status_code, repeat.json()["outcome"]) == (200, "duplicate"), repeat.text
    assert repeat.json()["deposited_at"] is None
    assert (await enrollment(client, made["id"]))["state"] == "registered"
    assert await events(client, DEPOSITED) == []


async def test_money_deposited_before_it_was_paid_is_refused(client):
    await enroll(client, 1)
    response = await pay(client, 1, deposited_at="2026-10-01T10:00:00+08:00")
    assert problem(response, 422, "deposited_before_paid")["field"] == "deposited_at"
    assert await rows(client, Payment) == 0 and await rows(client, Delivery) == 0


@pytest.mark.parametrize("amount", [320.5, 0.1 + 0.2])
async def test_an_amount_sent_as_a_json_float_is_refused(client, amount):
    await enroll(client, 1)
    body = problem(await pay(client, 1, amount=amount), 422)
    [error] = body["errors"]
    assert error["field"] == "amount" and "never a float" in error["detail"]
    assert await rows(client, Payment) == 0
    assert (await pay(client, 1, amount=320)).status_code == 201, "a whole number is exact"


async def correct(client, person_id: str, headers=None, **facts: Any):
    return await client.patch(f"/v1/persons/{person_id}", json=facts, headers=headers or ADMIN)


async def test_a_person_found_severely_disabled_owes_nothing_more(client):
    made = await enroll(client, 1)
    assert money(made["due"]) == money("320.00") and made["subsidy_category"] is None
    corrected = await correct(client, made["person_id"], tags=["severe_disability"])
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["tags"] == ["severe_disability"]
    assert corrected.json()["updated_by"] == "tester" and corrected.json()["updated_at"]
    after = await enrollment(client, made["id"])
    # Nothing paid yet: quoted again as at enrollment; the city pays all 320 (000:L288).
    assert (after["state"], money(after["due"])) == ("registered", 0)
    assert after["subsidy_category"] is not None
    assert await moves(client, made["id"]) == []


async def test_a_correction_settles_what_was_paid_under_the_new_facts(client):
    made = await enroll(client, 1)
    assert (await pay(client, 1, amount="200.00")).status_code == 201
    assert (await enrollment(client, made["id"]))["settlement"] == "partial"
    assert (await correct(client, made["person_id"], tags=["severe_disability"])).is_success
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"]) == ("paid", "complete")
    assert money(after["due"]) == 0 and money(after["overpayment"]) == money("200.00")
    assert await moves(client, made["id"]) == [("registered", "paid")]
    assert await completed(client) == 1
    back = await correct(client, made["person_id"], tags=[])  # corrected back again
    assert back.is_success
    again = await enrollment(client, made["id"])
    assert (again["state"], money(again["due"])) == ("registered", money("320.00"))
    assert await completed(client) == 0


@pytest.mark.parametrize(
    ("facts", "status", "field"),
    [
        ({}, 422, None),
        ({"tags": None}, 422, "tags"),
        ({"tags": ["dibao_"]}, 422, "tags.0"),
        ({"resident_id": "x"}, 422, "resident_id"),
        ({"contribution_years": -1}, 422, "contribution_years"),
    ],
)
async def test_a_bad_correction_is_refused_and_changes_nothing(client, facts, status, field):
    made = await enroll(client, 1)
    response = await correct(client, made["person_id"], **facts)
    body = problem(response, status)
    assert field is None or field in {
        body.get("field"),
        *(e["field"] for e in body.get("errors", [])),
    }
    assert (await enrollment(client, made["id"])) == made


async def test_only_the_persons_officers_correct_them(client):
    made = await enroll(client, 1)
    other_village = bearer(["village_officer"], "320115101002")
    problem(await correct(client, made["person_id"], other_village, student=True), 404)
    grid = bearer(["grid_member"], VILLAGE)
    problem(await correct(client, made["person_id"], grid, student=True), 403)
    assert (await correct(client, made["person_id"], TOWN_OFFICER, student=True)).is_success


async def test_a_reversal_dated_in_the_future_is_422_naming_its_date(client):
    await enroll(client, 1)
    assert (await pay(client, 1)).status_code == 201
    body = {
        "transaction_id": "REV-ahead",
        "original_transaction_id": "R00001",
        "amount": "320.00",
        "reversed_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    raw, headers = signed(body)
    refused = await client.post("/v1/partner/reversals", content=raw, headers=headers)
    assert problem(refused, 422, "reversed_at_in_future")["field"] == "reversed_at"
    assert await rows(client, Payment) == 1


async def test_a_payment_dated_a_few_minutes_ahead_is_clock_skew_and_accepted(client):
    await enroll(client, 1)
    soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    assert (await pay(client, 1, paid_at=soon, deposited_at=soon)).status_code == 201
