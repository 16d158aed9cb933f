"""Enrollment's own Prometheus gauges: the campaign's figures and the bank-file imports
(the count of stalled imports is kept where they are stopped, payments/files.py).

The gauges are read from the database at each scrape (`collect`), so every replica shows
the same value: aggregate them with `max`, not `sum`.
"""

from __future__ import annotations

from prometheus_client import Gauge

from libs.common.db import UnitOfWork
from libs.common.service import Runtime
from services.enrollment.payments import deliveries
from services.enrollment.targets import tally

SCHEME_YEAR = ["scheme_code", "year"]
ENROLLED = Gauge("enrolled_persons", "Persons enrolled in the region", SCHEME_YEAR)
COMPLETED = Gauge(
    "completed_persons", "Persons whose contribution is deposited in full", SCHEME_YEAR
)
DEPOSITED = Gauge("deposited_yuan", "Contributions deposited, in yuan", SCHEME_YEAR)
FILE_IMPORTS = Gauge("file_imports_unfinished", "Bank-file imports not finished", ["state"])


async def collect(runtime: Runtime) -> None:
    """Set the gauges from the database, for the scrape under way."""
    async with runtime.sessions() as session, UnitOfWork(session) as uow:
        for row in await tally.region_totals(session):
            labels = (row.scheme_code, str(row.year))
            ENROLLED.labels(*labels).set(row.enrolled)
            COMPLETED.labels(*labels).set(row.completed)
            DEPOSITED.labels(*labels).set(float(row.deposited))
        for state, count in (await deliveries.unfinished(uow)).items():
            FILE_IMPORTS.labels(state).set(count)
