"""Credit, campaigns, live rankings, snapshots, triggers and the applied-event log.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scope_unit", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=True),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("policy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_campaign")),
    )
    op.create_index(op.f("ix_campaign_metric"), "campaign", ["metric"], unique=False)
    op.create_table(
        "credit_entity",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("basic", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("basic_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("official_year", sa.Integer(), nullable=True),
        sa.Column("official_grade", sa.String(length=16), nullable=True),
        sa.Column("official_score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("official_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provisional_score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("provisional_grade", sa.String(length=16), nullable=True),
        sa.Column("policy_version", sa.String(length=64), nullable=True),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("score_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_grade", sa.String(length=16), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_credit_entity")),
    )
    op.create_index(
        op.f("ix_credit_entity_unit_code"), "credit_entity", ["unit_code"], unique=False
    )
    op.create_table(
        "credit_item",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_event_id", sa.String(length=64), nullable=False),
        sa.Column("source_type", sa.String(length=128), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_item")),
    )
    op.create_index(
        "ix_credit_item_code_time", "credit_item", ["credit_code", "occurred_at"], unique=False
    )
    op.create_table(
        "credit_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("item_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=2000), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_request")),
    )
    op.create_index(
        op.f("ix_credit_request_credit_code"), "credit_request", ["credit_code"], unique=False
    )
    op.create_table(
        "credit_score_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cause", sa.String(length=128), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_score_history")),
    )
    op.create_index(
        "ix_credit_score_history_code", "credit_score_history", ["credit_code", "id"], unique=False
    )
    op.create_table(
        "event_log",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_log")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_log_event_id")),
    )
    op.create_table(
        "campaign_unit",
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("pool", sa.String(length=64), nullable=False),
        sa.Column("defined_task", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("task", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("cadre_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("contact_cadre_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("progress", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("stage_progress", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("rank_from_bottom", sa.Integer(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("snapshot_rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign"],
            ["campaign.code"],
            name=op.f("fk_campaign_unit_campaign_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign", "unit_code", name=op.f("pk_campaign_unit")),
    )
    op.create_index(
        "ix_campaign_unit_pool_rank",
        "campaign_unit",
        ["campaign", "pool", "rank", "unit_code"],
        unique=False,
    )
    op.create_index("ix_campaign_unit_unit", "campaign_unit", ["unit_code"], unique=False)
    op.create_table(
        "ranking_snapshot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("expected_progress", sa.Numeric(precision=12, scale=6), nullable=True),
        sa.Column("taken_by", sa.String(length=64), nullable=False),
        sa.Column(
            "taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign"], ["campaign.code"], name=op.f("fk_ranking_snapshot_campaign_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_snapshot")),
        sa.UniqueConstraint("campaign", "cadence", "period", name="uq_ranking_snapshot_period"),
    )
    op.create_table(
        "snapshot_entry",
        sa.Column("snapshot_id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pool", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("progress", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("rank_from_bottom", sa.Integer(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("movement", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["ranking_snapshot.id"],
            name=op.f("fk_snapshot_entry_snapshot_id_ranking_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "unit_code", name=op.f("pk_snapshot_entry")),
    )
    op.create_table(
        "trigger_firing",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("snapshot_id", sa.Uuid(), nullable=False),
        sa.Column("previous_snapshot_id", sa.Uuid(), nullable=True),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("pool", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("actions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column(
            "fired_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["ranking_snapshot.id"],
            name=op.f("fk_trigger_firing_snapshot_id_ranking_snapshot"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_firing")),
        sa.UniqueConstraint("snapshot_id", "unit_code", "kind", name="uq_trigger_firing_once"),
    )
    op.create_index(
        op.f("ix_trigger_firing_campaign"), "trigger_firing", ["campaign"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_trigger_firing_campaign"), table_name="trigger_firing")
    op.drop_table("trigger_firing")
    op.drop_table("snapshot_entry")
    op.drop_table("ranking_snapshot")
    op.drop_index("ix_campaign_unit_unit", table_name="campaign_unit")
    op.drop_index("ix_campaign_unit_pool_rank", table_name="campaign_unit")
    op.drop_table("campaign_unit")
    op.drop_table("event_log")
    op.drop_index("ix_credit_score_history_code", table_name="credit_score_history")
    op.drop_table("credit_score_history")
    op.drop_index(op.f("ix_credit_request_credit_code"), table_name="credit_request")
    op.drop_table("credit_request")
    op.drop_index("ix_credit_item_code_time", table_name="credit_item")
    op.drop_table("credit_item")
    op.drop_index(op.f("ix_credit_entity_unit_code"), table_name="credit_entity")
    op.drop_table("credit_entity")
    op.drop_index(op.f("ix_campaign_metric"), table_name="campaign")
    op.drop_table("campaign")
