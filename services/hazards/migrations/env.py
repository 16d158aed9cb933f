"""Alembic environment: shared runner, this service's metadata (see libs.common.migrations)."""

from libs.common.migrations import run_env

run_env()
