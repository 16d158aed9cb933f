"""Scheme-years belong to a region; whole ID numbers are shown only on purpose, recorded.

A scheme is configuration per region and year (DOMAIN §1): `scheme_year` gains
`region_code`, the 12-digit code of the district (区/县) that offers it, and its key becomes
(region, scheme, year). Scheme-years that existed before belonged to the one region the
system served: they move to the district named by `GRIDGOV_SCHEME_YEAR_REGION` when the
migration runs, by default the demo district 320115000000.

Resident ID numbers are masked for every role; a role that needs a whole number reveals it
with a reason, and `id_reveal` keeps each reveal (who, role, when, whose, why, request).

Self-contained: it needs only revision 0009 (another 0010 may be chained beside it).

Revision ID: 0010
Revises: 0009
"""

import os
import re

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DEFAULT_REGION = "320115000000"


def _region() -> str:
    region = os.environ.get("GRIDGOV_SCHEME_YEAR_REGION", DEFAULT_REGION)
    if not re.fullmatch(r"\d{6}000000", region):
        raise ValueError(f"GRIDGOV_SCHEME_YEAR_REGION must be a district code, not {region!r}")
    return region


def upgrade() -> None:
    op.add_column(
        "scheme_year",
        sa.Column("region_code", sa.String(12), nullable=False, server_default=_region()),
    )
    op.alter_column("scheme_year", "region_code", server_default=None)
    op.drop_constraint("pk_scheme_year", "scheme_year", type_="primary")
    op.create_primary_key("pk_scheme_year", "scheme_year", ["region_code", "scheme_code", "year"])
    op.create_table(
        "id_reveal",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_id_reveal_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_id_reveal")),
    )
    op.create_index(op.f("ix_id_reveal_person_id"), "id_reveal", ["person_id"])
    op.create_index("ix_id_reveal_unit_at", "id_reveal", ["unit_code", "at"])


def downgrade() -> None:
    op.drop_index("ix_id_reveal_unit_at", table_name="id_reveal")
    op.drop_index(op.f("ix_id_reveal_person_id"), table_name="id_reveal")
    op.drop_table("id_reveal")
    # Only one region's scheme-years fit the old key: refuse rather than drop the others.
    others = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM scheme_year WHERE region_code <> :r").bindparams(r=_region())
    )
    if others:
        raise RuntimeError(f"{others} scheme-years of other regions: cannot downgrade")
    op.drop_constraint("pk_scheme_year", "scheme_year", type_="primary")
    op.create_primary_key("pk_scheme_year", "scheme_year", ["scheme_code", "year"])
    op.drop_column("scheme_year", "region_code")
