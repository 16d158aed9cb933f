"""Enrollment: units, scheme-years, persons, households, enrollments, ledger deliveries,
tasks and enterprise arrears; the payment ledger gains reversals and the suspense queue.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _now() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "unit",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.Column("pool", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_unit")),
    )
    op.create_table(
        "scheme_year",
        sa.Column("scheme_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("template", sa.String(128), nullable=False),
        sa.Column("policy", postgresql.JSONB(), nullable=False),
        sa.Column("task_kind", sa.String(16), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("scheme_code", "year", name=op.f("pk_scheme_year")),
    )
    op.create_table(
        "household",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("address", sa.String(200), nullable=True),
        _now(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
        sa.UniqueConstraint("unit_code", "number", name=op.f("uq_household_unit_code")),
    )
    op.create_index(op.f("ix_household_unit_code"), "household", ["unit_code"])
    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("resident_id_enc", sa.Text(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("student", sa.Boolean(), nullable=False),
        sa.Column("in_employee_scheme", sa.Boolean(), nullable=False),
        sa.Column("local_hukou", sa.Boolean(), nullable=False),
        sa.Column("residence_permit", sa.Boolean(), nullable=False),
        sa.Column("new_nonlocal_student", sa.Boolean(), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_person_household_id_household")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("person_key", name=op.f("uq_person_person_key")),
    )
    op.create_index(op.f("ix_person_household_id"), "person", ["household_id"])
    op.create_index(op.f("ix_person_unit_code"), "person", ["unit_code"])
    _enrollment_tables()
    _ledger_changes()
    _target_and_arrears_tables()


def _enrollment_tables() -> None:
    money = sa.Numeric(14, 2)
    op.create_table(
        "enrollment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("scheme_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(64), nullable=True),
        sa.Column("subsidy_category", sa.String(64), nullable=True),
        sa.Column("due", money, nullable=False),
        sa.Column("paid", money, nullable=False),
        sa.Column("deposited", money, nullable=False),
        sa.Column("overpayment", money, nullable=False),
        sa.Column("settlement", sa.String(16), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_enrollment_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment")),
    )
    op.create_index(op.f("ix_enrollment_person_id"), "enrollment", ["person_id"])
    op.create_index(
        "ix_enrollment_scheme_year_unit", "enrollment", ["scheme_code", "year", "unit_code"]
    )
    op.create_table(
        "enrollment_transition",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_transition")),
    )
    op.create_index(
        op.f("ix_enrollment_transition_enrollment_id"), "enrollment_transition", ["enrollment_id"]
    )


def _ledger_changes() -> None:
    op.alter_column("payment", "enrollment_id", nullable=True)
    op.alter_column("payment", "person_key", nullable=True)
    op.add_column(
        "payment", sa.Column("kind", sa.String(16), server_default="payment", nullable=False)
    )
    op.add_column(
        "payment", sa.Column("status", sa.String(16), server_default="posted", nullable=False)
    )
    op.alter_column("payment", "kind", server_default=None)
    op.alter_column("payment", "status", server_default=None)
    op.add_column("payment", sa.Column("reverses_id", sa.Uuid(), nullable=True))
    op.add_column("payment", sa.Column("resident_id_enc", sa.Text(), nullable=True))
    op.add_column("payment", sa.Column("tier", sa.String(64), nullable=True))
    op.add_column("payment", sa.Column("note", sa.Text(), nullable=True))
    op.add_column("payment", sa.Column("resolved_by", sa.String(128), nullable=True))
    op.add_column("payment", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(op.f("uq_payment_reverses_id"), "payment", ["reverses_id"])
    op.create_index("ix_payment_enrollment_id", "payment", ["enrollment_id"])
    op.create_index("ix_payment_status_unit", "payment", ["status", "unit_code"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("digest", sa.String(64), nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("lines", "recorded", "duplicate", "reversed", "suspense", "rejected")
        ),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
    )
    op.create_index(op.f("ix_delivery_partner_id"), "delivery", ["partner_id"])
    op.create_index(op.f("ix_delivery_digest"), "delivery", ["digest"])
    op.create_table(
        "delivery_line",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("partner_txn_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_line")),
    )
    op.create_index(op.f("ix_delivery_line_delivery_id"), "delivery_line", ["delivery_id"])


def _target_and_arrears_tables() -> None:
    money = sa.Numeric(14, 2)
    op.create_table(
        "task",
        sa.Column("scheme_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("task", money, nullable=False),
        sa.Column("set_by", sa.String(128), nullable=False),
        sa.Column(
            "set_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("scheme_code", "year", "unit_code", name=op.f("pk_task")),
    )
    op.create_table(
        "enterprise_arrears",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("scheme_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("due", money, nullable=False),
        sa.Column("paid", money, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("late_fee_accrued", money, nullable=False),
        sa.Column("late_fee_payable", money, nullable=False),
        sa.Column("late_fee_deferred", money, nullable=False),
        sa.Column("deferred_until", sa.Date(), nullable=True),
        sa.Column("late_fee_reason", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_arrears")),
        sa.UniqueConstraint(
            "credit_code",
            "scheme_code",
            "year",
            "period",
            name=op.f("uq_enterprise_arrears_credit_code"),
        ),
    )
    op.create_index(
        op.f("ix_enterprise_arrears_credit_code"), "enterprise_arrears", ["credit_code"]
    )
    op.create_index(op.f("ix_enterprise_arrears_unit_code"), "enterprise_arrears", ["unit_code"])


def downgrade() -> None:
    for table in (
        "enterprise_arrears",
        "task",
        "delivery_line",
        "delivery",
        "enrollment_transition",
        "enrollment",
        "person",
        "household",
        "scheme_year",
        "unit",
    ):
        op.drop_table(table)
    op.drop_index("ix_payment_status_unit", "payment")
    op.drop_index("ix_payment_enrollment_id", "payment")
    op.drop_constraint(op.f("uq_payment_reverses_id"), "payment")
    for column in (
        "resolved_at",
        "resolved_by",
        "note",
        "tier",
        "resident_id_enc",
        "reverses_id",
        "status",
        "kind",
    ):
        op.drop_column("payment", column)
