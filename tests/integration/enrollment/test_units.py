"""Units: local registration by the district, jurisdiction, and grid's events winning."""

from __future__ import annotations

from sqlalchemy import func, select

from libs.common.event_handlers import Delivery
from libs.common.events.catalogue.grid import UnitUpserted
from libs.common.events.envelope import Envelope
from libs.common.identifiers import UnitLevel
from services.demo import DISTRICT, TOWNS, VILLAGES
from services.enrollment.models import Unit
from tests.conftest import bearer
from tests.support.enrollment import ADMIN, prepare_region

PROBLEM = "application/problem+json"
TOWN = "320115101000"
VILLAGE = "320115101001"


async def count_units(client) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Unit)))


async def stored(client, code: str) -> Unit | None:
    async with client.runtime.engine.connect() as conn:
        return (await conn.execute(select(Unit).where(Unit.code == code))).one_or_none()


async def learn_from_grid(client, code: str, name: str, level: UnitLevel, parent: str) -> None:
    """Deliver grid's `unit.upserted` through the real consumer path (inbox, handler)."""
    event = UnitUpserted(code=code, name=name, level=level, parent_code=parent, pool="village")
    raw = Envelope.wrap(event).model_dump_json().encode()
    outcome = await client.runtime.applier().apply([Delivery("gridgov.grid", raw, code.encode())])
    assert outcome == ["applied"]


async def test_a_district_admin_registers_a_unit_and_reads_it_back(client_for):
    client = await client_for("enrollment")
    response = await client.put(f"/v1/units/{VILLAGE}", json={"name": "秣陵社区"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == VILLAGE and body["name"] == "秣陵社区"
    assert body["level"] == "village" and body["parent_code"] == TOWN
    assert body["source"] == "local" and body["active"] is True and body["pool"] == "village"
    listed = await client.get("/v1/units", headers=ADMIN)
    assert listed.status_code == 200
    assert [u["code"] for u in listed.json()] == [VILLAGE]


async def test_a_local_put_renames_a_local_unit(client_for):
    client = await client_for("enrollment")
    await client.put(f"/v1/units/{VILLAGE}", json={"name": "旧名"}, headers=ADMIN)
    body = {"name": "新名", "pool": "community", "active": False}
    response = await client.put(f"/v1/units/{VILLAGE}", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "新名" and response.json()["pool"] == "community"
    assert await count_units(client) == 1


async def test_a_town_officer_sees_only_the_units_of_its_town(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    response = await client.get("/v1/units", headers=bearer(["town_officer"], TOWN))
    assert response.status_code == 200
    codes = [u["code"] for u in response.json()]
    assert codes == [TOWN, "320115101001", "320115101002"]
    everything = await client.get("/v1/units", headers=ADMIN)
    assert len(everything.json()) == 1 + len(TOWNS) + len(VILLAGES)


async def test_a_village_officer_sees_only_its_village(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    response = await client.get("/v1/units", headers=bearer(["village_officer"], VILLAGE))
    assert [u["code"] for u in response.json()] == [VILLAGE]


async def test_only_a_district_admin_may_put_a_unit(client_for):
    client = await client_for("enrollment")
    for role, unit in [
        ("town_officer", TOWN),
        ("village_officer", VILLAGE),
        ("grid_member", VILLAGE),
        ("auditor", DISTRICT),
    ]:
        response = await client.put(
            f"/v1/units/{VILLAGE}", json={"name": "x"}, headers=bearer([role], unit)
        )
        assert response.status_code == 403, (role, response.text)
        assert response.headers["content-type"] == PROBLEM
    assert await count_units(client) == 0


async def test_a_district_admin_may_not_put_a_unit_of_another_district(client_for):
    client = await client_for("enrollment")
    response = await client.put("/v1/units/320116101001", json={"name": "x"}, headers=ADMIN)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert await count_units(client) == 0


async def test_a_bad_code_or_body_is_422_naming_the_field_and_writes_nothing(client_for):
    client = await client_for("enrollment")
    bad_code = await client.put("/v1/units/32011510100", json={"name": "x"}, headers=ADMIN)
    assert bad_code.status_code == 422 and bad_code.headers["content-type"] == PROBLEM
    assert bad_code.json()["errors"][0]["pointer"] == "#/path/code"
    no_name = await client.put(f"/v1/units/{VILLAGE}", json={"name": ""}, headers=ADMIN)
    assert no_name.status_code == 422
    assert no_name.json()["errors"][0]["pointer"] == "#/body/name"
    assert await count_units(client) == 0


async def test_reading_units_needs_a_token(client_for):
    client = await client_for("enrollment")
    response = await client.get("/v1/units")
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM


async def test_a_local_put_does_not_overwrite_a_unit_learnt_from_grid(client_for):
    client = await client_for("enrollment")
    await learn_from_grid(client, VILLAGE, "秣陵社区", UnitLevel.VILLAGE, TOWN)
    response = await client.put(f"/v1/units/{VILLAGE}", json={"name": "改名"}, headers=ADMIN)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "code"
    row = await stored(client, VILLAGE)
    assert row is not None and row.name == "秣陵社区" and row.source == "grid"


async def test_grid_overwrites_a_locally_registered_unit(client_for):
    client = await client_for("enrollment")
    await client.put(f"/v1/units/{VILLAGE}", json={"name": "本地名"}, headers=ADMIN)
    await learn_from_grid(client, VILLAGE, "秣陵社区", UnitLevel.VILLAGE, TOWN)
    row = await stored(client, VILLAGE)
    assert row is not None and row.name == "秣陵社区" and row.source == "grid"
    await learn_from_grid(client, VILLAGE, "秣陵新社区", UnitLevel.VILLAGE, TOWN)
    row = await stored(client, VILLAGE)
    assert row is not None and row.name == "秣陵新社区"
