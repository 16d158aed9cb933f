"""Enrollment's own metrics: the campaign's figures and the bank-file imports, on /metrics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, update

from services.enrollment.payments import files
from services.enrollment.payments.models import Delivery
from tests.conftest import PARTNER
from tests.integration.enrollment.test_files import ready, rows_file
from tests.integration.enrollment.test_webhook import post
from tests.support.enrollment import SCHEME, YEAR, notice


async def scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_metrics_show_the_campaign_and_the_file_imports(client_for):
    client = await ready(client_for, 3)  # three persons enrolled in one village
    assert (await post(client, "/v1/partner/payments", notice(0))).status_code == 201
    sessions = client.runtime.sessions
    data = rows_file([notice(1, prefix="M")])
    await files.open_file(sessions, PARTNER, data, "waiting.csv")
    silent = await files.open_file(sessions, PARTNER, data, "silent.csv")
    async with client.runtime.engine.begin() as conn:
        await conn.execute(
            update(Delivery)
            .where(Delivery.id == silent.delivery_id)
            .values(updated_at=func.now() - timedelta(minutes=6))
        )
    before = (await scrape(client)).get(("file_imports_stalled_total", ()), 0.0)
    await files.stop_stalled_imports(sessions)

    metrics = await scrape(client)
    scheme_year = (("scheme_code", SCHEME), ("year", str(YEAR)))
    assert metrics[("enrolled_persons", scheme_year)] == 3
    assert metrics[("completed_persons", scheme_year)] == 1
    assert metrics[("deposited_yuan", scheme_year)] == 320.0
    assert metrics[("file_imports_unfinished", (("state", "queued"),))] == 1
    assert metrics[("file_imports_unfinished", (("state", "importing"),))] == 0
    assert metrics[("file_imports_stalled_total", ())] == before + 1
