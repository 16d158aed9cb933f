"""Payment ledger: one row per partner transaction.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("partner_txn_id", sa.String(64), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("scheme_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deposited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("partner_id", "partner_txn_id", name=op.f("uq_payment_partner_id")),
    )
    op.create_index(op.f("ix_payment_unit_code"), "payment", ["unit_code"])
    op.create_index(op.f("ix_payment_person_key"), "payment", ["person_key"])


def downgrade() -> None:
    op.drop_table("payment")
