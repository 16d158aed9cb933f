"""Live progress per unit and scheme-year, kept by deltas (no recount per payment).

Revision ID: 0005
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_progress",
        sa.Column("scheme_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("enrolled", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("deposited", sa.Numeric(16, 2), nullable=False, server_default="0"),
        sa.Column("task", sa.Numeric(14, 2), nullable=False, server_default="0"),
        sa.Column(
            "as_of", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("scheme_code", "year", "unit_code", name="pk_unit_progress"),
    )
    # Existing data: what a recount gives, at every level of the tree (a village's town,
    # county, city and province codes are its prefixes padded with zeros). Tasks are
    # re-derived by `gridgov enrollment recount-progress`.
    op.execute(
        """
        INSERT INTO unit_progress (scheme_code, year, unit_code, completed, enrolled, deposited)
        SELECT e.scheme_code, e.year, rpad(left(e.unit_code, n), 12, '0'),
               count(*) FILTER (WHERE e.counted), count(*), coalesce(sum(e.deposited), 0)
        FROM enrollment e, unnest(ARRAY[12, 9, 6, 4, 2]) AS n
        WHERE e.state NOT IN ('duplicate', 'terminated')
        GROUP BY 1, 2, 3
        """
    )


def downgrade() -> None:
    op.drop_table("unit_progress")
