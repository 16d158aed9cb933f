"""Campaign units keep their facts by business day; late facts per stage; money tasks.

Revision ID: 0005
Revises: 0004

- campaign_unit.day_facts: Asia/Shanghai day → [count, yuan, persons, latest business
  time] of the unit's facts; value, stage readings and completion time are derived from
  them, so the order the events arrive in cannot change them.
- campaign_unit.late_facts: stage → [counted, refused, yuan refused, persons refused] of the
  facts that arrived after the stage ended (the late-data policy).
- campaign_unit.counts_amount: whether the unit's task counts yuan rather than persons.
- snapshot_entry.explanation: the unit's explanation frozen with its score, so the next
  snapshot after a late fact says what changed and why.

Existing units keep their figures until `gridgov scoring rebuild` derives them from the
event log (their facts are there; a unit's old figures came from processing-time readings).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for name in ("day_facts", "late_facts"):
        op.add_column(
            "campaign_unit",
            sa.Column(
                name,
                postgresql.JSONB(astext_type=sa.Text()),
                nullable=False,
                server_default="{}",
            ),
        )
    op.add_column(
        "campaign_unit",
        sa.Column("counts_amount", sa.Boolean(), nullable=False, server_default="false"),
    )
    op.add_column(
        "snapshot_entry",
        sa.Column(
            "explanation",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default="[]",
        ),
    )


def downgrade() -> None:
    op.drop_column("snapshot_entry", "explanation")
    for name in ("counts_amount", "late_facts", "day_facts"):
        op.drop_column("campaign_unit", name)
