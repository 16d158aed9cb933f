"""Bank files, the partner topic and the webhook: three ways into one idempotent ledger."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from libs.common import auth
from libs.common.event_handlers import Delivery
from libs.common.events.catalogue.partner import PartnerPaymentMade
from libs.common.events.envelope import Envelope
from libs.common.limits import MAX_REQUEST_BYTES
from libs.common.pii import PiiVault
from libs.common.platform_schema import dead_letter, outbox
from services.enrollment.cli import app as cli
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.models import Payment
from services.enrollment.payments import files
from services.enrollment.payments.file_workers import ChunkWorkers
from services.enrollment.payments.models import Delivery as DeliveryModel
from services.enrollment.payments.models import DeliveryLine
from tests.conftest import (
    OTHER_PARTNER,
    OTHER_SECRET,
    PARTNER,
    PARTNER_SECRET,
    PII_KEY,
    signed,
)
from tests.support.commands import enrollment_env
from tests.support.enrollment import (
    SCHEME,
    VILLAGE,
    YEAR,
    enroll_many,
    notice,
    prepare_region,
)

COLUMNS = ["transaction_id", "resident_id", "unit_code", "scheme_code", "year", "amount"]
COLUMNS += ["paid_at", "deposited_at"]
BAD = {
    3: {"resident_id": "320115198001010011"},  # wrong check digit
    7: {"amount": "3x0"},
    11: {"amount": "-320.00"},
    13: {"scheme_code": "no-such-scheme"},
    17: {"paid_at": "yesterday"},
    19: {"unit_code": "320115999999"},
}
"""Row index → what makes it bad."""


def bank_file(rows: int, *, prefix: str = "F", encoding: str = "utf-8") -> bytes:
    """A reconciliation file of `rows` payments, with the BAD rows spoiled."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for n in range(rows):
        writer.writerow(notice(n, prefix=prefix) | BAD.get(n, {}))
    return out.getvalue().encode(encoding)


async def post_file(client: Any, data: bytes, partner: str = PARTNER, secret: str = PARTNER_SECRET):
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "text/csv",
        "X-Partner-Id": partner,
        "X-Gridgov-Timestamp": timestamp,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(secret, timestamp, data),
    }
    return await client.post(
        "/v1/partner/payment-files", content=data, headers=headers, params={"name": "bank.csv"}
    )


def partner_headers(body: bytes = b"") -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "X-Partner-Id": PARTNER,
        "X-Gridgov-Timestamp": timestamp,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(PARTNER_SECRET, timestamp, body),
    }


async def delivery_of(client: Any, delivery_id: Any) -> dict[str, Any]:
    response = await client.get(f"/v1/partner/deliveries/{delivery_id}", headers=partner_headers())
    assert response.status_code == 200, response.text
    return dict(response.json())


async def ledger_rows(client: Any) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Payment)))


async def ready(client_for: Any, payers: int) -> Any:
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(n, VILLAGE) for n in range(payers)])
    return client


async def test_a_file_keeps_its_good_lines_and_lists_every_bad_one(client_for):
    client = await ready(client_for, 30)
    response = await post_file(client, bank_file(30))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["recorded"], report["rejected"]) == (30, 24, 6)
    assert (report["state"], report["expected_lines"]) == ("done", 30)
    refused = {line["line_no"]: line["reason_code"] for line in report["outcomes"]}
    assert refused == {
        5: "resident_id_invalid",  # row 3 is line 5: line 1 is the header
        9: "amount_invalid",
        13: "amount_invalid",
        15: "scheme_unknown",
        19: "paid_at_invalid",
        21: "unit_unknown",
    }
    assert await ledger_rows(client) == 24


async def test_the_same_file_again_changes_nothing_and_says_so(client_for):
    client = await ready(client_for, 20)
    first = (await post_file(client, bank_file(20))).json()
    again = (await post_file(client, bank_file(20))).json()
    assert again["same_file_as"] == first["id"]
    assert (again["recorded"], again["duplicate"], again["rejected"]) == (0, 14, 6)
    assert await ledger_rows(client) == 14


async def test_a_gb18030_file_from_a_bank_reads_as_well(client_for):
    client = await ready(client_for, 2)
    response = await post_file(client, bank_file(2, encoding="gb18030"))
    assert response.json()["recorded"] == 2


async def test_a_file_without_the_required_columns_is_refused_whole(client_for):
    client = await ready(client_for, 1)
    response = await post_file(client, b"txn,sum\nA1,320.00\n")
    assert response.status_code == 422
    assert response.json()["field"] == "file" and response.json()["code"] == "file_header_invalid"
    assert await ledger_rows(client) == 0


async def test_a_partner_sees_only_its_own_deliveries(client_for):
    client = await ready(client_for, 1)
    delivery = (await post_file(client, bank_file(1))).json()["id"]
    for partner, secret, status in (
        (PARTNER, PARTNER_SECRET, 200),
        (OTHER_PARTNER, OTHER_SECRET, 404),
    ):
        ts = str(int(time.time()))
        headers = {
            "X-Partner-Id": partner,
            "X-Gridgov-Timestamp": ts,
            "X-Gridgov-Signature": "sha256=" + auth.sign_body(secret, ts, b""),
        }
        response = await client.get(f"/v1/partner/deliveries/{delivery}", headers=headers)
        assert response.status_code == status


def partner_event(
    n: int, secret: str | None = PARTNER_SECRET, partner: str = PARTNER, prefix: str = "F"
) -> Delivery:
    """Payment n of a bank file as `partner` produces it to its topic, signed with `secret`."""
    body = notice(n, prefix=prefix)
    event = PartnerPaymentMade(
        partner_id=partner,
        partner_txn_id=body["transaction_id"],
        resident_id=body["resident_id"],
        unit_code=body["unit_code"],
        scheme=SCHEME,
        year=YEAR,
        amount=Decimal(body["amount"]),
        paid_at=body["paid_at"],
        deposited_at=body["deposited_at"],
    )
    envelope = Envelope.wrap(event).model_dump(mode="json")
    if secret is not None:
        envelope["partnersignature"] = auth.event_signature(secret, envelope["data"])
    return Delivery("gridgov.partner.payments", json.dumps(envelope).encode(), b"k")


async def test_one_payment_by_webhook_topic_and_file_is_recorded_once(client_for):
    client = await ready(client_for, 1)
    raw, headers = signed(notice(0, prefix="F"))
    by_webhook = await client.post("/v1/partner/payments", content=raw, headers=headers)
    assert by_webhook.status_code == 201
    assert await client.runtime.applier().apply([partner_event(0)]) == ["applied"]
    by_file = (await post_file(client, bank_file(1))).json()
    assert by_file["duplicate"] == 1
    assert await ledger_rows(client) == 1
    async with client.runtime.engine.connect() as conn:
        recorded = await conn.scalar(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.type == "gridgov.enrollment.payment.recorded.v1")
        )
    assert recorded == 1


async def test_an_unsigned_or_forged_partner_event_posts_nothing(client_for):
    client = await ready(client_for, 2)
    applier = client.runtime.applier()
    assert await applier.apply([partner_event(0, secret=None)]) == ["dead_lettered"]
    assert await applier.apply([partner_event(1, secret="forged")]) == ["dead_lettered"]
    assert await ledger_rows(client) == 0
    async with client.runtime.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(dead_letter)) == 2


async def test_the_command_imports_a_file_and_writes_the_error_report(client_for, tmp_path: Path):
    client = await ready(client_for, 20)
    path = tmp_path / "bank.csv"
    path.write_bytes(bank_file(20))
    env = enrollment_env(client)
    # Ten chunks of two lines: worth two worker processes.
    args = ["import-payments", str(path), "--partner", PARTNER, "--chunk", "2", "--jobs", "2"]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "20 lines: 14 recorded, 6 rejected" in result.output
    report = path.with_name("bank.csv.errors.csv").read_text("utf-8-sig")
    errors = list(csv.DictReader(io.StringIO(report)))
    assert [e["line"] for e in errors] == ["5", "9", "13", "15", "19", "21"]
    assert errors[0]["reason_code"] == "resident_id_invalid"
    assert await ledger_rows(client) == 14
    assert BAD[3]["resident_id"] not in report, "the error report shows ID numbers masked"


def rows_file(rows: list[dict[str, Any]], more: list[str] | None = None) -> bytes:
    out = io.StringIO()
    columns = [*COLUMNS, "original_transaction_id", *(more or [])]
    writer = csv.DictWriter(out, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def test_chunks_posted_side_by_side_end_as_if_posted_in_order(client_for):
    client = await ready(client_for, 12)
    reversal = {
        "transaction_id": "V00011",
        "original_transaction_id": "P00011",
        "amount": "320.00",
        "paid_at": "2026-11-20T10:00:00+08:00",
    }
    rows = [
        reversal,  # line 2: its original is four chunks further on
        *(notice(n, prefix="P") for n in range(12)),
        notice(5, prefix="T", amount="160.00"),  # person 5's second half, another chunk
        notice(2, prefix="P"),  # line 16: P00002 again
        notice(13, prefix="X", amount="-1"),  # line 17
    ]
    rows[1 + 5]["amount"] = "160.00"  # person 5's first half
    runtime = client.runtime
    with ChunkWorkers(runtime.settings.db_url(), PII_KEY, 2) as workers:
        report = await files.import_file(
            runtime.sessions,
            PARTNER,
            rows_file(rows),
            PiiVault(PII_KEY),
            chunk_lines=3,
            workers=workers,
        )

    assert report.lines == 16
    assert report.counts == {"recorded": 13, "reversed": 1, "duplicate": 1, "rejected": 1}
    assert [o.line_no for o in report.rejected] == [17]
    async with runtime.engine.connect() as conn:
        lines = {
            r.line_no: r
            for r in await conn.execute(
                select(DeliveryLine).where(DeliveryLine.delivery_id == report.delivery_id)
            )
        }
        paid = dict(
            (
                await conn.execute(select(Enrollment.paid, func.count()).group_by(Enrollment.paid))
            ).all()
        )
    assert lines[2].outcome == "reversed"
    assert (lines[16].outcome, lines[16].payment_id) == ("duplicate", lines[5].payment_id)
    assert paid == {Decimal("320.00"): 11, Decimal("0.00"): 1}, "person 5 paid in two halves"
    assert await ledger_rows(client) == 14  # 12 payments, a second half, a reversal


async def test_with_prefer_respond_async_a_file_is_accepted_at_once_and_followed_to_done(
    client_for,
):
    client = await ready(client_for, 30)
    data = bank_file(30)
    headers = partner_headers(data) | {"Content-Type": "text/csv", "Prefer": "respond-async"}
    response = await client.post("/v1/partner/payment-files", content=data, headers=headers)

    assert response.status_code == 202, response.text
    assert response.headers["Preference-Applied"] == "respond-async"
    accepted = response.json()
    assert accepted["state"] in ("queued", "importing")
    assert accepted["expected_lines"] == 30
    assert response.headers["Location"].endswith(f"/v1/partner/deliveries/{accepted['id']}")
    for _ in range(200):
        delivery = await delivery_of(client, accepted["id"])
        if delivery["state"] not in ("queued", "importing"):
            break
        await asyncio.sleep(0.05)
    assert delivery["state"] == "done", delivery
    assert (delivery["lines"], delivery["recorded"], delivery["rejected"]) == (30, 24, 6)
    assert delivery["updated_at"] >= accepted["updated_at"]
    assert await ledger_rows(client) == 24


async def test_with_prefer_respond_async_a_file_without_its_columns_is_still_refused_at_once(
    client_for,
):
    client = await ready(client_for, 1)
    data = b"txn,sum\nA1,320.00\n"
    headers = partner_headers(data) | {"Content-Type": "text/csv", "Prefer": "respond-async"}
    response = await client.post("/v1/partner/payment-files", content=data, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "file_header_invalid"
    async with client.runtime.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(DeliveryModel)) == 0


async def test_a_bank_file_is_uploaded_whole_past_the_limit_of_other_bodies(client_for):
    client = await ready(client_for, 0)
    memo = "银行摘要" * 400  # a column the ledger does not read, as banks' files carry
    data = rows_file([notice(n, prefix="L") | {"memo": memo} for n in range(2_000)], ["memo"])
    assert len(data) > MAX_REQUEST_BYTES
    response = await post_file(client, data)
    assert response.status_code == 200, response.text
    assert (response.json()["lines"], response.json()["expected_lines"]) == (2_000, 2_000)


async def test_a_file_waits_queued_while_other_files_take_the_turns(client_for):
    client = await ready(client_for, 2)
    data = rows_file([notice(n, prefix="Q") for n in range(2)])
    runtime = client.runtime
    opened = await files.open_file(runtime.sessions, PARTNER, data, "q.csv")
    turns = asyncio.Semaphore(1)
    async with turns:  # another file holds the only turn
        job = asyncio.create_task(
            files.post_file(runtime.sessions, opened, data, PiiVault(PII_KEY), turns=turns)
        )
        await asyncio.sleep(0.3)  # time enough to post two lines, were it allowed to
        waiting = await delivery_of(client, opened.delivery_id)
        assert (waiting["state"], waiting["lines"], waiting["expected_lines"]) == ("queued", 0, 2)
        assert not job.done()
    report = await job
    assert report.counts == {"recorded": 2}
    assert (await delivery_of(client, opened.delivery_id))["state"] == "done"


async def test_a_bank_file_confirms_the_deposits_a_tax_office_left_open(client_for):
    client = await ready(client_for, 4)
    for n in range(3):  # the tax office reported the payments before the money arrived
        raw, headers = signed(notice(n, prefix="F", deposited_at=None))
        answer = await client.post("/v1/partner/payments", content=raw, headers=headers)
        assert answer.status_code == 201, answer.text
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(notice(n, prefix="F") for n in range(4))  # all four deposited
    response = await post_file(client, out.getvalue().encode())
    report = response.json()
    assert (report["recorded"], report["deposited"], report["duplicate"]) == (1, 3, 0), report
    lines = (await delivery_of(client, report["id"]))["outcomes"]
    outcomes = [(line["line_no"], line["outcome"]) for line in lines]
    assert outcomes == [(2, "deposited"), (3, "deposited"), (4, "deposited"), (5, "recorded")]
    async with client.runtime.engine.connect() as conn:
        states = await conn.scalars(select(Enrollment.state))
        assert sorted(states) == ["paid"] * 4
    assert await ledger_rows(client) == 4


async def deliveries_page_by_page(client: Any, **params: Any) -> list[dict[str, Any]]:
    """The partner's deliveries read one page of one at a time, following the cursor."""
    found: list[dict[str, Any]] = []
    cursor: dict[str, Any] = {}
    while True:
        response = await client.get(
            "/v1/partner/deliveries",
            params={"limit": 1, **params, **cursor},
            headers=partner_headers(),
        )
        assert response.status_code == 200, response.text
        if not (page := response.json()):
            return found
        found += page
        cursor = {"before": page[-1]["received_at"], "before_id": page[-1]["id"]}


async def test_deliveries_sharing_one_time_are_each_listed_once_page_by_page(client_for):
    client = await ready(client_for, 3)
    calls = [signed(notice(n)) for n in range(3)]
    answers = await asyncio.gather(  # one batch: one transaction, one received_at
        *(client.post("/v1/partner/payments", content=raw, headers=h) for raw, h in calls)
    )
    assert all(a.status_code == 201 for a in answers)
    seen = [d["id"] for d in await deliveries_page_by_page(client)]
    assert len(seen) == len(set(seen)) == 3


async def test_a_partner_lists_only_its_own_deliveries_newest_first(client_for):
    client = await ready(client_for, 4)
    first = (await post_file(client, bank_file(2))).json()
    raw, headers = signed(notice(3))
    assert (await client.post("/v1/partner/payments", content=raw, headers=headers)).is_success
    second = (await post_file(client, bank_file(3, prefix="G"))).json()
    theirs = await post_file(client, bank_file(1, prefix="H"), OTHER_PARTNER, OTHER_SECRET)
    assert theirs.status_code == 200, theirs.text

    async def listed(**params: Any) -> list[dict[str, Any]]:
        response = await client.get(
            "/v1/partner/deliveries", params=params, headers=partner_headers()
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    everything = await listed()
    assert [d["channel"] for d in everything] == ["file", "rest", "file"]
    files_only = await listed(channel="file")
    assert [d["id"] for d in files_only] == [second["id"], first["id"]]
    assert (files_only[0]["lines"], files_only[0]["recorded"]) == (3, 3)
    assert files_only[0]["outcomes"] == [], "a delivery's lines are read one delivery at a time"
    assert await deliveries_page_by_page(client) == everything, "each delivery once"
    half = await client.get(
        "/v1/partner/deliveries", params={"before_id": first["id"]}, headers=partner_headers()
    )
    assert half.status_code == 422 and half.json()["field"] == "before_id"
    unsigned = await client.get("/v1/partner/deliveries")
    assert unsigned.status_code in (401, 422)


async def test_a_file_line_dated_in_the_future_is_refused_and_the_rest_kept(client_for):
    client = await ready(client_for, 3)
    ahead = datetime.now(UTC) + timedelta(days=2)
    soon = datetime.now(UTC) + timedelta(minutes=5)  # within the clocks' tolerance
    lines = [
        notice(0),
        notice(1, paid_at=ahead.isoformat(), deposited_at=ahead.isoformat()),
        notice(2, paid_at=soon.isoformat(), deposited_at=soon.isoformat()),
    ]
    report = (await post_file(client, rows_file(lines))).json()
    assert (report["recorded"], report["rejected"]) == (2, 1), report
    [refused] = report["outcomes"]
    assert (refused["line_no"], refused["reason_code"]) == (3, "paid_at_in_future")
    assert await ledger_rows(client) == 2
