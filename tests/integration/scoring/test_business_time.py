"""DOMAIN §4.2 business time through the API: a late bank file counts on its deposit days,
within the stage's cut-off; after it, it is refused for scoring and reported; a deposit
confirmation moves money by its amount and the person once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from libs.common.events.catalogue.enrollment import PaymentDeposited
from libs.common.events.envelope import Envelope, Event
from tests.integration.scoring.helpers import (
    ADMIN,
    VILLAGES,
    apply,
    at,
    deposits,
    medical_campaign,
    payment,
)
from tests.integration.scoring.test_rebuild import money_campaign

RANKING = "/v1/campaigns/{}/pools/villages/ranking"


def arriving(events: list[Event], when: datetime) -> list[Envelope]:
    """Events as a delivery made at `when` (their envelopes' time) carries them."""
    return [Envelope.wrap(e).model_copy(update={"time": when}) for e in events]


async def row_of(client: Any, unit: str, campaign: str = "rm-2027") -> dict[str, Any]:
    body = (await client.get(RANKING.format(campaign), headers=ADMIN)).json()
    return next(u for u in body["units"] if u["unit_code"] == unit)


def codes(row: dict[str, Any]) -> list[str]:
    return [line["rule_code"] for line in row["explanation"]]


async def test_a_bank_file_of_28_march_delivered_on_2_april_counts_in_stage_one(client_for):
    client = await client_for("scoring")
    assert (await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)).is_success
    village = VILLAGES[0]
    await apply(client.runtime, *arriving(deposits(village, 60, at(3, 20)), at(3, 20)))
    await apply(client.runtime, *arriving(deposits(village, 10, at(4, 1)), at(4, 1)))
    # The bank's file of 28 March deposits reaches scoring on 2 April.
    await apply(client.runtime, *arriving(deposits(village, 18, at(3, 28)), at(4, 2)))
    row = await row_of(client, village)
    # Stage 1: 78/100 → 80 − (0.75 − 0.78) × 100 = 83; stage 2: 88% → 20 − 2 = 18.
    # By arrival (the old behaviour) stage 1 would read 60% → 65, total 83.
    assert (row["value"], row["progress"], row["score"]) == ("88.00", "0.880000", "101.0000")
    effects = {(ln["input"], ln["rule_code"]): ln["effect"] for ln in row["explanation"]}
    assert effects[("stage:stage1", "ST-LINEAR")] == "3.000000"
    assert effects[("stage:stage2", "ST-LINEAR")] == "-2.000000"
    late = next(ln for ln in row["explanation"] if ln["rule_code"] == "LATE-COUNTED")
    assert late["input"] == "stage:stage1" and late["text"].startswith("18 fact(s)")

    # A file of 29 March deposits delivered on 11 April, after stage 1's cut-off (10 April):
    # not scored, and said so.
    await apply(client.runtime, *arriving(deposits(village, 5, at(3, 29)), at(4, 11)))
    after = await row_of(client, village)
    assert (after["value"], after["score"]) == ("88.00", "101.0000")
    refused = next(ln for ln in after["explanation"] if ln["rule_code"] == "LATE-REFUSED")
    assert refused["text"].startswith("5 fact(s) dated in stage stage1 arrived after its")
    assert "3000.00 yuan, 5.00 persons" in refused["text"]
    listed = (await client.get("/v1/campaigns/rm-2027/late-facts", headers=ADMIN)).json()
    assert listed == [
        {
            "unit_code": village,
            "stage": "stage1",
            "counted": 18,
            "refused": 5,
            "amount_refused": "3000.00",
            "persons_refused": "5.00",
        }
    ]


async def test_a_deposit_confirmation_moves_money_by_its_amount_and_the_person_once(client_for):
    client = await client_for("scoring")
    for body in (medical_campaign(), money_campaign()):
        assert (await client.post("/v1/campaigns", json=body, headers=ADMIN)).is_success
    village = VILLAGES[1]
    paid = payment(village, "320.00", at(3, 2))
    recorded = paid.model_copy(update={"deposited_at": None, "completes_person": False})
    fields = recorded.model_dump(exclude={"tier", "deposited_at", "completes_person"})
    confirmed = PaymentDeposited(**fields, deposited_at=at(3, 5), completes_person=True)
    await apply(client.runtime, recorded)
    assert (await row_of(client, village, "money-2027"))["value"] == "0.00"  # not deposited
    confirmation = Envelope.wrap(confirmed)
    assert await apply(client.runtime, confirmation) == ["applied"]
    assert await apply(client.runtime, confirmation) == ["duplicate"]  # delivered again
    money = await row_of(client, village, "money-2027")
    assert money["value"] == "320.00"  # not 321: the confirmation adds no yuan of its own
    persons = await row_of(client, village)
    assert (persons["value"], persons["progress"]) == ("1.00", "0.010000")
    settled = (await client.get("/v1/campaigns/rm-2027/settlement", headers=ADMIN)).json()
    award = next(a for a in settled["date_bucket_awards"] if a["unit_code"] == village)
    assert award["per_capita"] == "320.00"


async def test_a_late_fact_leaves_the_published_snapshot_and_explains_itself_in_the_next(
    client_for,
):
    client = await client_for("scoring")
    year = 2026  # periods that have ended, whatever day the test runs on

    def of_year(events: list[Event]) -> list[Event]:
        return [e.model_copy(update={"year": year}) for e in events]

    def day(month: int, d: int) -> datetime:
        return at(month, d, year)

    body = medical_campaign(code="rm-2026", year=year)
    assert (await client.post("/v1/campaigns", json=body, headers=ADMIN)).is_success
    village = VILLAGES[2]
    on_time = of_year(deposits(village, 60, day(3, 20)))
    await apply(client.runtime, *arriving(on_time, day(3, 20)))

    async def snapshot(on: str) -> dict[str, Any]:
        taken = await client.post(
            "/v1/campaigns/rm-2026/snapshots",
            json={"cadence": "monthly", "on": on},
            headers=ADMIN,
        )
        assert taken.status_code == 201, taken.text
        read = await client.get(f"/v1/snapshots/{taken.json()['id']}", headers=ADMIN)
        return next(e for e in read.json()["entries"] if e["unit_code"] == village)

    march = await snapshot(f"{year}-03-31")
    assert march["score"] == "65.0000"  # 60% in stage 1
    late = of_year(deposits(village, 18, day(3, 28)))
    await apply(client.runtime, *arriving(late, day(4, 2)))
    assert (await row_of(client, village, "rm-2026"))["score"] == "83.0000"
    snapshots = (await client.get("/v1/campaigns/rm-2026/snapshots", headers=ADMIN)).json()
    published = next(s for s in snapshots if s["period"].endswith("03"))
    again = await client.get(f"/v1/snapshots/{published['id']}", headers=ADMIN)
    assert next(e for e in again.json()["entries"] if e["unit_code"] == village) == march
    april = await snapshot(f"{year}-04-30")
    assert april["score"] == "83.0000"
    assert "LATE-COUNTED" in [line["rule_code"] for line in april["explanation"]]
