"""Deliveries count the deposits they confirmed, a partner's are read newest first, an
enrollment says when its benefits start, and a person who changed it.

A payment first delivered without its deposit date can have it confirmed by a later
delivery of the same transaction; such a line's outcome is `deposited`. A partner lists
its own deliveries newest first: the index on the partner becomes one on the partner and
the time received (no more indexes for the webhook to write). A person who completes
payment outside the window waits for benefits (variant A: 30 days after paying):
`enrollment.benefits_from`. A person's facts can be corrected: `person.updated_at` and
`updated_by` say when and by whom.

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
    op.drop_index("ix_delivery_partner_id", table_name="delivery")
    op.create_index("ix_delivery_partner_received", "delivery", ["partner_id", "received_at"])
    op.add_column("enrollment", sa.Column("benefits_from", sa.Date(), nullable=True))
    op.add_column("person", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("person", sa.Column("updated_by", sa.String(128), nullable=True))


def downgrade() -> None:
    op.drop_column("person", "updated_by")
    op.drop_column("person", "updated_at")
    op.drop_column("enrollment", "benefits_from")
    op.drop_index("ix_delivery_partner_received", table_name="delivery")
    op.create_index("ix_delivery_partner_id", "delivery", ["partner_id"])
    op.drop_column("delivery", "deposited")
