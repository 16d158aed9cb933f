"""Partner payment webhook (HMAC-signed, idempotent), reversals, and the suspense queue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from sqlalchemy import select

from libs.common.access import (
    FromQuery,
    Loaded,
    OwnPartner,
    Policy,
    allow,
    allow_signed,
    common_ancestor,
)
from libs.common.auth import Principal, Role
from libs.common.batching import Batcher
from libs.common.deps import (
    PartnerRequest,
    PiiVaultDep,
    RuntimeDep,
    UnitOfWorkDep,
    clock_of,
    get_runtime,
)
from libs.common.errors import RuleViolation
from libs.common.identifiers import UnitCode
from services.enrollment.access import OFFICERS, READERS
from services.enrollment.export import XLSX_RESPONSES, Format, models_xlsx
from services.enrollment.payments import deliveries, files, service, suspense, webhook
from services.enrollment.payments.models import Delivery, DeliveryLine, Payment
from services.enrollment.payments.notices import Notice, OutcomeKind
from services.enrollment.payments.schemas import (
    DeliveryRead,
    LineRead,
    PaymentCreate,
    PaymentRead,
    ReversalCreate,
    SuspenseResolve,
)

router = APIRouter(tags=["partner payments"])
FILE_IMPORTS_AT_ONCE = 2
"""Uploaded files a service process posts at once; the others wait, `queued`. Each holds a
pooled connection and a share of the process's CPU that webhook calls need too."""
Outcome = Annotated[
    OutcomeKind | None,
    Query(description="Only the lines with this outcome"),
]


async def get_webhook(request: Request) -> Batcher[webhook.Call, webhook.Answer]:
    """The process's batcher of webhook calls (concurrent calls share one transaction)."""
    runtime = await get_runtime(request)
    poster = webhook.Poster(runtime.vault, clock_of(request.app))
    return runtime.batcher("enrollment.webhook", poster.post_batch)


Webhook = Annotated[Batcher[webhook.Call, webhook.Answer], Depends(get_webhook)]


async def delivery_partner(delivery_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The partner that sent a delivery."""
    found = select(Delivery.partner_id).where(Delivery.id == delivery_id)
    return await uow.session.scalar(found)


async def delivery_unit(delivery_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The unit a delivery belongs to: the lowest unit above every unit its lines' payments
    reached (a bank file of one district is that district's). A delivery none of whose
    lines reached a unit is seen by its partner only."""
    units = await uow.session.scalars(
        select(Payment.unit_code)
        .distinct()
        .join(DeliveryLine, DeliveryLine.payment_id == Payment.id)
        .where(DeliveryLine.delivery_id == delivery_id)
    )
    return common_ancestor(list(units))


async def payment_unit(payment_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The unit of a payment (one in suspense: the unit its payer was looked for in)."""
    return await uow.session.scalar(select(Payment.unit_code).where(Payment.id == payment_id))


Sender = Annotated[PartnerRequest, allow_signed(Policy.of(((Role.PARTNER,), OwnPartner())))]
"""A partner submitting its own payments, reversals and files."""
Partner = Annotated[Principal, allow(Policy.of(((Role.PARTNER,), OwnPartner())))]
"""A partner reading its own submissions (what it reads is looked up under its id)."""
DeliveryOwner = Annotated[
    Principal, allow(Policy.of(((Role.PARTNER,), OwnPartner(delivery_partner, "delivery"))))
]
Reconciler = Annotated[
    Principal,
    allow(Policy.of(((Role.DISTRICT_ADMIN, Role.AUDITOR), Loaded(delivery_unit, "delivery")))),
]
SuspenseReader = Annotated[Principal, allow(Policy.of((READERS, FromQuery("unit_code"))))]
SuspenseClerk = Annotated[
    Principal, allow(Policy.of((OFFICERS, Loaded(payment_unit, "suspense payment"))))
]


@router.post("/partner/payments", response_model=PaymentRead, status_code=status.HTTP_201_CREATED)
async def post_payment(
    notice: PaymentCreate, response: Response, sent: Sender, calls: Webhook
) -> PaymentRead:
    """Record a payment: 201 recorded, 202 held in suspense, 200 for a repeated delivery
    (`duplicate`, or `deposited` when it brings the deposit date the entry lacked)."""
    return await _answer(calls, sent, service.payment_notice(notice), response)


@router.post("/partner/reversals", response_model=PaymentRead, status_code=status.HTTP_201_CREATED)
async def post_reversal(
    notice: ReversalCreate, response: Response, sent: Sender, calls: Webhook
) -> PaymentRead:
    """Reverse (冲正) one of your payments with a compensating entry; 200 when repeated."""
    return await _answer(calls, sent, service.reversal_notice(notice), response)


async def _answer(
    calls: Batcher[webhook.Call, webhook.Answer],
    sent: PartnerRequest,
    notice: Notice,
    response: Response,
) -> PaymentRead:
    answer = await calls.submit(webhook.Call(sent.partner_id, notice, sent.idempotency))
    response.status_code = answer.status
    return answer.payment


@router.get("/partner/payments/{transaction_id}", response_model=PaymentRead)
async def get_payment(transaction_id: str, partner: Partner, uow: UnitOfWorkDep) -> PaymentRead:
    """One of the calling partner's own entries."""
    assert partner.partner_id is not None
    return await service.get_partner_payment(uow, partner.partner_id, transaction_id)


@router.post(
    "/partner/payment-files",
    response_model=DeliveryRead,
    tags=["bank files"],
    responses={202: {"description": "Importing (`Prefer: respond-async`): follow `Location`"}},
)
async def post_payment_file(
    request: Request,
    response: Response,
    partner: Partner,
    runtime: RuntimeDep,
    vault: PiiVaultDep,
    uow: UnitOfWorkDep,
    name: Annotated[str | None, Query(max_length=200, description="The file's name")] = None,
    prefer: Annotated[
        str | None,
        Header(description="`respond-async`: answer 202 at once and import in the background"),
    ] = None,
) -> DeliveryRead:
    """Import a reconciliation file (CSV body); the report lists every refused line.

    With `Prefer: respond-async` the answer is 202 as soon as the file's header is checked:
    `GET` the delivery in `Location` to follow its lines being posted until it is `done`."""
    partner_id = partner.partner_id
    assert partner_id is not None
    data = await request.body()
    opened = await files.open_file(runtime.sessions, partner_id, data, name)
    importing = files.post_file(
        runtime.sessions,
        opened,
        data,
        vault,
        chunk_lines=files.IN_SERVICE_CHUNK_LINES,
        turns=runtime.turns("enrollment.file-imports", FILE_IMPORTS_AT_ONCE),
    )
    if prefer is not None and "respond-async" in prefer:
        runtime.run_in_background(importing, name=f"import delivery {opened.delivery_id}")
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = str(
            request.url_for("get_partner_delivery", delivery_id=opened.delivery_id)
        )
        response.headers["Preference-Applied"] = "respond-async"
    else:
        await importing
    return await files.delivery_report(uow, opened.delivery_id, partner_id, "rejected")


@router.get("/partner/deliveries", response_model=list[DeliveryRead], tags=["bank files"])
async def list_partner_deliveries(
    partner: Partner,
    uow: UnitOfWorkDep,
    channel: Annotated[
        Literal["rest", "topic", "file"] | None, Query(description="Only one way in")
    ] = None,
    before: Annotated[
        datetime | None, Query(description="The next page: the last one's `received_at`")
    ] = None,
    before_id: Annotated[
        uuid.UUID | None, Query(description="The next page: the last one's `id`, with `before`")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DeliveryRead]:
    """Your deliveries, newest first, with their counts (read one for its lines); page
    with `before` and `before_id` set to the last one's `received_at` and `id`."""
    assert partner.partner_id is not None
    if (before is None) != (before_id is None):
        raise RuleViolation("Give before and before_id together.", field="before_id")
    cursor = (before, before_id) if before is not None and before_id is not None else None
    return await deliveries.partner_deliveries(uow, partner.partner_id, channel, cursor, limit)


@router.get("/partner/deliveries/{delivery_id}", response_model=DeliveryRead, tags=["bank files"])
async def get_partner_delivery(
    delivery_id: uuid.UUID, partner: DeliveryOwner, uow: UnitOfWorkDep, outcome: Outcome = None
) -> DeliveryRead:
    """One of your deliveries with the outcome of each line (or of one outcome only)."""
    return await files.delivery_report(uow, delivery_id, partner.partner_id, outcome)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryRead, tags=["bank files"])
async def get_delivery(
    delivery_id: uuid.UUID,
    user: Reconciler,
    uow: UnitOfWorkDep,
    outcome: Outcome = None,
    format: Format = "json",
) -> DeliveryRead | Response:
    """A delivery's line outcomes, for reconciling clerks (district admin, auditor) of the
    delivery's unit (404 for a delivery outside their jurisdiction)."""
    report = await files.delivery_report(uow, delivery_id, None, outcome)
    if format == "xlsx":
        return models_xlsx(f"delivery-{delivery_id}", LineRead, report.outcomes)
    return report


@router.get(
    "/payments/suspense",
    response_model=list[PaymentRead],
    tags=["suspense"],
    responses=XLSX_RESPONSES,
)
async def list_suspense(
    unit_code: Annotated[UnitCode, Query()],
    user: SuspenseReader,
    uow: UnitOfWorkDep,
    format: Format = "json",
) -> list[PaymentRead] | Response:
    """Payments that matched no enrollment, waiting for a clerk, in a unit's subtree, as
    JSON or .xlsx."""
    rows = await suspense.list_suspense(uow, user, unit_code)
    if format == "xlsx":
        return models_xlsx(f"suspense-{unit_code}", PaymentRead, rows)
    return rows


@router.post(
    "/payments/suspense/{payment_id}/resolve", response_model=PaymentRead, tags=["suspense"]
)
async def resolve_suspense(
    payment_id: uuid.UUID, body: SuspenseResolve, user: SuspenseClerk, uow: UnitOfWorkDep
) -> PaymentRead:
    """Match a suspense payment to an enrollment (then recorded), or return it to the partner."""
    return await suspense.resolve(uow, user, payment_id, body)
