"""Deliveries show how far a bank file's import has come.

`delivery.state` is `importing` while a file's chunks are being posted, then `done`, or
`stopped` with `stopped_reason` when posting failed part-way; `expected_lines` is the
file's line count, `updated_at` the time of its last progress. Deliveries recorded before
this revision were complete: `done`.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "delivery", sa.Column("state", sa.String(16), server_default="done", nullable=False)
    )
    op.add_column("delivery", sa.Column("expected_lines", sa.Integer(), nullable=True))
    op.add_column("delivery", sa.Column("stopped_reason", sa.Text(), nullable=True))
    op.add_column(
        "delivery",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    for column in ("updated_at", "stopped_reason", "expected_lines", "state"):
        op.drop_column("delivery", column)
