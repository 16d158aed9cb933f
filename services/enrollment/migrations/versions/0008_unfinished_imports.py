"""Stalled file imports are found without reading every delivery.

A partial index over the deliveries still `queued` or `importing` (a handful of files
among one delivery per webhook call) lets the sweep that stops stalled imports read only
those.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_delivery_unfinished",
        "delivery",
        ["updated_at"],
        postgresql_where=sa.text("state IN ('queued', 'importing')"),
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_unfinished", table_name="delivery")
