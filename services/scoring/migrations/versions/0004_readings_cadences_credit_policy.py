"""Per-unit reading times and persons, per-cadence movement, cleared items, credit policy.

Revision ID: 0004
Revises: 0003

- campaign_unit.reading_as_of: the time of the last absolute reading applied (older ones
  arriving late are ignored); campaign_unit.persons: completed persons, for per-capita.
- campaign_unit.snapshot_rank goes: movement is read per cadence from the snapshots.
- credit_item.cleared_at: arrears cleared no longer count.
- credit_policy: the credit rules adopted, newest in force.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaign_unit", sa.Column("reading_as_of", sa.DateTime(timezone=True)))
    op.add_column(
        "campaign_unit",
        sa.Column("persons", sa.Numeric(16, 2), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE campaign_unit AS cu SET persons = cu.value FROM campaign AS c "
        "WHERE c.code = cu.campaign AND c.metric = 'deposited_enrollments'"
    )
    op.drop_column("campaign_unit", "snapshot_rank")
    op.create_index(
        "ix_ranking_snapshot_series",
        "ranking_snapshot",
        ["campaign", "cadence", "period_end"],
    )
    op.add_column("credit_item", sa.Column("cleared_at", sa.DateTime(timezone=True)))
    op.create_table(
        "credit_policy",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("adopted_by", sa.String(length=64), nullable=False),
        sa.Column(
            "adopted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_credit_policy")),
    )
    op.create_index("ix_credit_policy_adopted_at", "credit_policy", ["adopted_at"])


def downgrade() -> None:
    op.drop_index("ix_credit_policy_adopted_at", table_name="credit_policy")
    op.drop_table("credit_policy")
    op.drop_column("credit_item", "cleared_at")
    op.drop_index("ix_ranking_snapshot_series", table_name="ranking_snapshot")
    op.add_column("campaign_unit", sa.Column("snapshot_rank", sa.Integer()))
    op.drop_column("campaign_unit", "persons")
    op.drop_column("campaign_unit", "reading_as_of")
