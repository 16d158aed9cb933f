"""Per-unit payment tallies fed by enrollment's payment events.

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
        "unit_payment_tally",
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("scheme_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_code", "scheme_code", "year", name=op.f("pk_unit_payment_tally")
        ),
    )


def downgrade() -> None:
    op.drop_table("unit_payment_tally")
