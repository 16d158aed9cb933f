"""The leaks issue 17 found, closed against real data (the access matrix swaps the loaders
for stand-ins; these go through them): another district's bank file, another enterprise's
credit record and requests, and payment tallies asked for by a role that reads none."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import bearer
from tests.integration.enrollment.test_files import bank_file, post_file, ready
from tests.integration.scoring.helpers import ADMIN as SCORING_ADMIN
from tests.integration.scoring.helpers import VILLAGES, credit_code

OTHER_DISTRICT = "320116000000"
CODE, OTHER_CODE = credit_code(1), credit_code(2)


async def test_a_bank_file_is_read_in_its_own_district_only(client_for):
    client = await ready(client_for, 3)
    delivery = (await post_file(client, bank_file(3))).json()["id"]
    path = f"/v1/deliveries/{delivery}"
    own = await client.get(path, headers=bearer(["auditor"], "320115000000"))
    assert own.status_code == 200, own.text
    for role in ("district_admin", "auditor"):
        other = await client.get(path, headers=bearer([role], OTHER_DISTRICT))
        assert other.status_code == 404, (role, other.text)  # as if there were no such file
    village = await client.get(path, headers=bearer(["village_officer"], VILLAGES[0]))
    assert village.status_code in (403, 404), village.text


async def test_an_enterprise_reads_only_its_own_credit_record_and_requests(client_for):
    client = await client_for("scoring")
    dims = {
        d: "65"
        for d in ("identity", "behaviour", "financial_strength", "law_abiding", "innovation")
    }
    body = {"unit_code": VILLAGES[0], "name": "秣陵燃气站", "dimensions": dims}
    for code in (CODE, OTHER_CODE):
        put = await client.put(
            f"/v1/credit/entities/{code}/basic", json=body, headers=SCORING_ADMIN
        )
        assert put.status_code == 200, put.text
    mine = bearer(["enterprise"], VILLAGES[0], credit_code=CODE)
    assert (await client.get(f"/v1/credit/entities/{CODE}", headers=mine)).status_code == 200
    for tail in ("", "/history", "/items", "/requests"):
        other = await client.get(f"/v1/credit/entities/{OTHER_CODE}{tail}", headers=mine)
        assert other.status_code == 404, (tail, other.text)
    assert (
        Decimal((await client.get(f"/v1/credit/entities/{CODE}", headers=mine)).json()["score"]) > 0
    )


async def test_payment_tallies_are_refused_to_a_public_reporter(client_for):
    client = await client_for("scoring")
    path = f"/v1/units/{VILLAGES[0]}/payments"
    reporter = await client.get(path, headers=bearer(["public_reporter"], VILLAGES[0]))
    assert reporter.status_code == 403, reporter.text
    official = await client.get(path, headers=bearer(["village_officer"], VILLAGES[0]))
    assert official.status_code == 200, official.text
