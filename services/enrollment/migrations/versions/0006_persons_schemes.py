"""Persons gain their contribution years; enterprise arrears track the late fee paid.

`person.contribution_years` feeds the employee pension's retirement rule (000:L54).
`enterprise_arrears.late_fee_paid` and `late_fee_as_of` let a back-payment count the late
fee accrued since the last assessment or payment (deferred during a campaign, 000:L52).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "person",
        sa.Column("contribution_years", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "enterprise_arrears",
        sa.Column("late_fee_paid", sa.Numeric(14, 2), server_default="0", nullable=False),
    )
    op.add_column("enterprise_arrears", sa.Column("late_fee_as_of", sa.Date(), nullable=True))
    # Rows assessed before this revision accrued their late fee up to the assessment day.
    op.execute(
        "UPDATE enterprise_arrears SET late_fee_as_of = "
        "GREATEST(due_date, (assessed_at AT TIME ZONE 'Asia/Shanghai')::date)"
    )
    op.alter_column("enterprise_arrears", "late_fee_as_of", nullable=False)


def downgrade() -> None:
    op.drop_column("enterprise_arrears", "late_fee_as_of")
    op.drop_column("enterprise_arrears", "late_fee_paid")
    op.drop_column("person", "contribution_years")
