"""Tests of the event catalogue, its registry and its generated documentation."""

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar, get_args

import pytest
from pydantic import AfterValidator, BaseModel, ValidationError

from libs.common import identifiers, outbox
from libs.common.events import docs, registry
from libs.common.events.catalogue import enrollment as en
from libs.common.events.catalogue import grid as gr
from libs.common.events.catalogue import hazards as hz
from libs.common.events.catalogue import partner as pa
from libs.common.events.catalogue import scoring as sc
from libs.common.events.envelope import Envelope, Event

VILLAGE = "320115103201"
TOWN = "320115103000"
CELL = VILLAGE + "001"
CREDIT = "91350100M000100Y43"
PERSON = "a" * 64
T0 = datetime(2025, 11, 3, 9, 30, tzinfo=UTC)
T1 = T0 + timedelta(days=2)
SCHEME = {"unit_code": VILLAGE, "scheme": "resident_medical", "year": 2025}
HAZARD = {
    "hazard_id": uuid.uuid4(),
    "credit_code": CREDIT,
    "unit_code": VILLAGE,
    "severity": "major",
}
PAYMENT = {"payment_id": uuid.uuid4(), "enrollment_id": uuid.uuid4(), "partner_id": "icbc"}


def _samples() -> list[Event]:
    return [
        en.PersonEnrolled(**SCHEME, enrollment_id=uuid.uuid4(), person_key=PERSON, tier="tier1",
                          state="registered", enrolled_at=T0),
        en.EnrollmentStatusChanged(**SCHEME, enrollment_id=uuid.uuid4(), person_key=PERSON,
                                   from_state="registered", to_state="paid", changed_at=T0),
        en.PaymentRecorded(**SCHEME, **PAYMENT, partner_txn_id="TX-1", person_key=PERSON,
                           amount=Decimal("320.00"), paid_at=T0, deposited_at=T1,
                           completes_person=True, channel="file"),
        en.PaymentDeposited(**SCHEME, **PAYMENT, partner_txn_id="TX-1", person_key=PERSON,
                            amount=Decimal("320.00"), paid_at=T0, deposited_at=T1,
                            completes_person=True, channel="rest"),
        en.PaymentReversed(**SCHEME, **PAYMENT, reversal_id=uuid.uuid4(), partner_txn_id="TX-2",
                           original_partner_txn_id="TX-1", person_key=PERSON, amount=Decimal("320"),
                           reopens_person=True, reversed_at=T1, channel="topic"),
        en.ArrearsAssessed(**SCHEME, arrears_id=uuid.uuid4(), credit_code=CREDIT,
                           amount_due=Decimal("12000.50"), assessed_at=T0),
        en.ArrearsCleared(**SCHEME, arrears_id=uuid.uuid4(), person_key=PERSON,
                          amount_paid=Decimal("900"), cleared_at=T1),
        en.ProgressChanged(**{**SCHEME, "unit_code": TOWN}, completed_persons=906,
                           enrolled_persons=1000, task_kind="persons", task=Decimal(23262),
                           deposited_amount=Decimal("289920.00"), as_of=T1),
        hz.HazardReported(**HAZARD, cell_code=CELL, sector="gas", source="grid_inspection",
                          mode="deadline", deadline=T0 + timedelta(days=15),
                          description="gas pipe corroded", reported_by="u1", reported_at=T0),
        hz.HazardAssigned(**HAZARD, responsible_id="u2", deadline=T1, assigned_by="u1",
                          assigned_at=T0),
        hz.HazardSubmitted(**HAZARD, evidence_count=3, submitted_by="u2", submitted_at=T0),
        hz.HazardRejected(**HAZARD, reason="photo unclear", deadline=T1, rejected_by="u3",
                          rejected_at=T0),
        hz.HazardVerified(**HAZARD, verified_by="u3", verified_at=T0),
        hz.HazardClosed(**HAZARD, sector="fire", mode="deadline", reported_at=T0, closed_at=T1,
                        on_time=True, repeat_count=0, closed_by="u3"),
        hz.HazardOverdue(**HAZARD, deadline=T0, detected_at=T1),
        hz.HazardEscalated(**HAZARD, level="listed", previous_level="supervised", escalated_at=T1),
        hz.HazardReopened(**HAZARD, repeat_count=1, deadline=T1, reason="look-back found it",
                          reopened_by="u4", reopened_at=T0),
        hz.HazardReferred(**HAZARD, referral="law_enforcement", reason="refused", referred_at=T1),
        gr.UnitUpserted(code=VILLAGE, name="红星村", level="village", parent_code=TOWN,
                        pool="village"),
        gr.CellUpserted(cell_code=CELL, unit_code=VILLAGE, name="一组", member_id="m1"),
        gr.MemberAssigned(member_id="m1", cell_code=CELL, unit_code=VILLAGE, full_time=True,
                          assigned_at=T0),
        gr.EntityUpserted(credit_code=CREDIT, name="某燃气公司", unit_code=TOWN, cell_code=CELL,
                          key_unit=True, sector="gas"),
        gr.InspectionRecorded(
            inspection_id=uuid.uuid4(), credit_code=CREDIT, cell_code=CELL, unit_code=VILLAGE,
            inspectors=("o1", "o2"), kind="law_enforcement", passed_items=10, failed_items=2,
            findings=[gr.InspectionFinding(finding_id=uuid.uuid4(), description="exit blocked",
                                           sector="fire", severity="general", fixed_on_spot=True)],
            inspected_at=T0),
        gr.InspectionOverdue(credit_code=CREDIT, unit_code=VILLAGE, key_unit=True, due_at=T0,
                             detected_at=T1),
        gr.PatrolRecorded(patrol_id=uuid.uuid4(), member_id="m1", cell_code=CELL,
                          unit_code=VILLAGE, started_at=T0, ended_at=T0 + timedelta(hours=2),
                          matters_reported=3),
        gr.LedgerSubmitted(ledger_id=uuid.uuid4(), campaign="clean-2025", unit_code=VILLAGE,
                           period_start=date(2025, 11, 3), due_at=T1, submitted_at=T1,
                           signed_by="leader", late=False),
        gr.LedgerLate(campaign="clean-2025", unit_code=VILLAGE, period_start=date(2025, 11, 3),
                      due_at=T1, detected_at=T1),
        sc.CreditScoreChanged(credit_code=CREDIT, score=Decimal("649.99"),
                              previous_score=Decimal(650), grade="good", kind="provisional",
                              policy_version="2025.1", changed_at=T0),
        sc.CreditGradeChanged(credit_code=CREDIT, from_grade="excellent", to_grade="good",
                              kind="provisional", changed_at=T0),
        sc.RankingPublished(campaign="medical-2025", pool="village", cadence="weekly",
                            snapshot_id=uuid.uuid4(), period_start=date(2025, 11, 3),
                            period_end=date(2025, 11, 7),
                            entries=[{"subject_id": VILLAGE, "rank": 1, "score": "98.0"}],
                            published_at=T1),
        sc.TriggerFired(trigger_id=uuid.uuid4(), campaign="medical-2025", unit_code=VILLAGE,
                        kind="admonition_talk", rule="bottom_twice_admonition",
                        snapshot_ids=(uuid.uuid4(), uuid.uuid4()), fired_at=T1),
        pa.PartnerPaymentMade(partner_id="icbc", partner_txn_id="TX-1",
                              resident_id="11010519491231002X", unit_code=VILLAGE,
                              scheme="resident_medical", year=2025, tier="tier1",
                              amount=Decimal("320.00"), paid_at=T0, deposited_at=T1),
        pa.PartnerPaymentReversed(partner_id="icbc", partner_txn_id="TX-2",
                                  original_txn_id="TX-1", amount=Decimal("320.00"),
                                  reversed_at=T1),
    ]  # fmt: skip


SAMPLES = _samples()
MODELS = registry.REGISTRY.models()


def test_every_catalogue_type_has_a_sample():
    assert sorted(event.type for event in SAMPLES) == registry.all_event_types()
    assert len(registry.all_event_types()) == 33


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: event.type)
def test_round_trip_through_envelope_json(event):
    envelope = Envelope.wrap(event, request_id="req-1")
    received = Envelope.model_validate_json(envelope.model_dump_json())
    parsed = registry.parse(received)
    assert parsed == event
    assert type(parsed) is type(event)
    assert received.subject == str(getattr(event, event.aggregate_field))
    assert received.source == f"/gridgov/{event.service}"
    assert received.requestid == "req-1"


@pytest.mark.parametrize("as_text", [False, True], ids=["dict", "text"])
@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: event.type)
def test_the_bulk_outbox_row_holds_the_envelope_wrap_would_build(event, as_text):
    row = outbox.event_row(event, "req-1", as_text=as_text)
    envelope = json.loads(row["envelope"]) if as_text else row["envelope"]
    expected = Envelope.wrap(event, request_id="req-1").model_dump(mode="json", exclude_none=True)
    assert {k: v for k, v in envelope.items() if k not in ("id", "time")} == {
        k: v for k, v in expected.items() if k not in ("id", "time")
    }
    received = Envelope.model_validate_json(outbox.encode(envelope))
    assert registry.parse(received) == event
    assert received.time.tzinfo is not None
    assert (row["event_id"], row["key"], row["topic"]) == (
        uuid.UUID(envelope["id"]),
        received.subject,
        event.topic(),
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.type)
def test_declarations(model):
    assert re.fullmatch(r"^gridgov\.[a-z]+\.[a-z_]+\.[a-z_]+\.v\d+$", model.type)
    assert model.type.split(".")[1] == model.service
    assert model.aggregate_field in model.model_fields
    assert len(model.__doc__.strip().splitlines()) == 1
    assert all(info.description for info in model.model_fields.values())


def test_topics():
    assert pa.PartnerPaymentMade.topic() == "gridgov.partner.payments"
    assert hz.HazardClosed.topic() == "gridgov.hazards"
    assert {model.topic() for model in MODELS} == {
        "gridgov.enrollment", "gridgov.hazards", "gridgov.grid", "gridgov.scoring",
        "gridgov.partner.payments",
    }  # fmt: skip


def _validators(node: object) -> set[object]:
    if isinstance(node, AfterValidator):
        return {node.func}
    if isinstance(node, type) and issubclass(node, BaseModel):
        parts = [
            p for info in node.model_fields.values() for p in (info.annotation, *info.metadata)
        ]
        return set().union(*map(_validators, parts))
    return set().union(*map(_validators, get_args(node)))


def test_raw_resident_ids_appear_only_on_the_partner_topic():
    check = identifiers.validate_resident_id
    carriers = [model for model in MODELS if check in _validators(model)]
    assert [model.__name__ for model in carriers] == ["PartnerPaymentMade"]


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: event.type)
def test_events_are_immutable(event):
    with pytest.raises(ValidationError):
        setattr(event, event.aggregate_field, "changed")
    assert not any(isinstance(value, list | dict | set) for value in dict(event).values())


def test_money_travels_as_decimal_string_and_times_need_an_offset():
    payment = SAMPLES[2]
    assert payment.model_dump(mode="json")["amount"] == "320.00"
    data = {**payment.model_dump(mode="json"), "paid_at": "2025-11-03T09:30:00"}
    with pytest.raises(ValidationError, match="timezone"):
        en.PaymentRecorded.model_validate(data)
    with pytest.raises(ValidationError, match="decimal places"):
        en.PaymentRecorded.model_validate({**data, "paid_at": T0, "amount": "1.005"})


def test_unknown_fields_and_bad_codes_are_rejected():
    data = SAMPLES[12].model_dump(mode="json")
    with pytest.raises(ValidationError, match="Extra inputs"):
        hz.HazardClosed.model_validate({**data, "note": "x"})
    with pytest.raises(ValidationError, match="check character"):
        hz.HazardClosed.model_validate({**data, "credit_code": CREDIT[:-1] + "4"})


@pytest.mark.parametrize(
    ("model", "changes", "message"),
    [
        (pa.PartnerPaymentMade, {"enrollment_ref": "E1"}, "exactly one"),
        (en.ArrearsAssessed, {"person_key": PERSON}, "exactly one"),
        (gr.InspectionRecorded, {"inspectors": ["o1"]}, "two officers"),
        (gr.UnitUpserted, {"level": "town"}, "does not match"),
        (gr.UnitUpserted, {"parent_code": "320115104000"}, "is not above"),
        (gr.CellUpserted, {"unit_code": "320115103202"}, "not in village"),
        (gr.EntityUpserted, {"unit_code": "320115104000"}, "not in unit"),
        (gr.PatrolRecorded, {"ended_at": T0}, "end after"),
        (hz.HazardReported, {"deadline": None}, "needs a deadline"),
        (sc.RankingPublished, {"period_end": date(2025, 11, 2)}, "before"),
    ],
)
def test_model_rules(model, changes, message):
    sample = next(event for event in SAMPLES if type(event) is model)
    with pytest.raises(ValidationError, match=message):
        model.model_validate({**sample.model_dump(), **changes})


def test_unknown_type_is_a_clear_error():
    with pytest.raises(registry.UnknownEventType, match=r"gridgov\.hazards\.hazard\.vanished\.v1"):
        registry.model_for("gridgov.hazards.hazard.vanished.v1")
    envelope = Envelope.wrap(SAMPLES[0]).model_copy(update={"type": "gridgov.x.y.z.v1"})
    with pytest.raises(registry.UnknownEventType):
        registry.parse(envelope)


def test_subject_must_match_the_aggregate():
    envelope = Envelope.wrap(SAMPLES[0]).model_copy(update={"subject": "other"})
    with pytest.raises(registry.SubjectMismatch):
        registry.parse(envelope)


class Copy(Event):
    """A second model claiming a taken type."""

    type: ClassVar[str] = "gridgov.hazards.hazard.closed.v1"
    service: ClassVar[str] = "hazards"
    aggregate_field: ClassVar[str] = "hazard_id"

    hazard_id: uuid.UUID


def test_registry_rejects_duplicate_type_strings():
    with pytest.raises(registry.DuplicateEventType, match=r"HazardClosed.*Copy"):
        registry.EventRegistry([hz.HazardClosed, Copy])
    assert len(registry.EventRegistry([hz.HazardClosed, hz.HazardClosed])) == 1


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("type", "hazards.closed"), ("service", "grid"), ("aggregate_field", "nope"), ("__doc__", "")],
)
def test_registry_rejects_incomplete_declarations(attribute, value):
    bad = type("Bad", (Copy,), {attribute: value, "__module__": __name__})
    with pytest.raises(registry.InvalidEventModel):
        registry.EventRegistry([bad])


def test_docs_are_up_to_date():
    assert docs.DOCS_PATH.read_text(encoding="utf-8") == docs.render(), (
        "docs/events.md is stale: run python -m libs.common.events.docs"
    )
    assert docs.main(["--check"]) == 0


def test_docs_describe_every_type_and_field():
    text = docs.render()
    for model in MODELS:
        assert f"### `{model.type}`" in text
        assert all(f"| `{name}` |" in text for name in model.model_fields)
    assert "`gridgov.<service>.dlq`" in text and "`requestid`" in text
    assert "| `credit_code` | `CreditCode` | yes |" in text
