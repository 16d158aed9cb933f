"""Partners are data: the partner table (secrets sealed) and its audit trail.

Partners were only the GRIDGOV_PARTNER_SECRETS variable read at start-up; now each is a row
an administrator registers, rotates, disables and enables, every change a `partner_change`
row. Partners named in the variable and absent from the table are registered by the
service itself (see docs/enrollment.md), so this revision copies no data.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("partner_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("previous_sealed", sa.Text(), nullable=True),
        sa.Column("previous_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "partner_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_partner_change_partner_id", "partner_change", ["partner_id"])


def downgrade() -> None:
    op.drop_index("ix_partner_change_partner_id", table_name="partner_change")
    op.drop_table("partner_change")
    op.drop_table("partner")
