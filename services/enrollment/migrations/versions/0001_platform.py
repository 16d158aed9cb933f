"""Platform tables: outbox, inbox, dead letters, re-sync checkpoints, idempotency keys.

Revision ID: 0001
Revises:
"""

from alembic import op

from libs.common import platform_schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_schema.create(op)


def downgrade() -> None:
    platform_schema.drop(op)
