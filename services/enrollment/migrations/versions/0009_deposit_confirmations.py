"""Deliveries count the deposits they confirmed.

A payment first delivered without its deposit date can have it confirmed by a later
delivery of the same transaction; such a line's outcome is `deposited`.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "delivery", sa.Column("deposited", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("delivery", "deposited")
