"""The credit rules in force: the latest version adopted here, else the bundled default."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import RuleViolation
from services.scoring.credit.models import CreditPolicy
from services.scoring.domain.credit_rules import CreditRules, parse_credit_rules
from services.scoring.domain.errors import InvalidPolicy
from services.scoring.policy import load_credit_rules

IN_FORCE = "scoring.credit_rules"


@lru_cache(maxsize=1)
def default_rules() -> CreditRules:
    """The bundled credit rules (used until a version is adopted)."""
    return load_credit_rules()


async def in_force(session: AsyncSession) -> CreditRules:
    """The rules in force, read once per session."""
    cached: CreditRules | None = session.info.get(IN_FORCE)
    if cached is not None:
        return cached
    stored = await session.scalar(
        select(CreditPolicy.rules).order_by(CreditPolicy.adopted_at.desc()).limit(1)
    )
    rules = _parse(json.dumps(stored, sort_keys=True)) if stored else default_rules()
    session.info[IN_FORCE] = rules
    return rules


async def adopt(session: AsyncSession, rules: CreditRules, adopted_by: str) -> None:
    """Put `rules` in force from now on (no commit); re-adopting a version refreshes it."""
    values = {
        "version": rules.version,
        "rules": rules.model_dump(mode="json"),
        "adopted_by": adopted_by,
    }
    stmt = pg_insert(CreditPolicy).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["version"],
            set_={"rules": stmt.excluded.rules, "adopted_by": adopted_by, "adopted_at": func.now()},
        )
    )
    session.info[IN_FORCE] = rules


def resolve(name: str) -> CreditRules:
    """Rules by bundled version (`credit_rules.v1`) or by the path of a TOML file."""
    try:
        if name.endswith(".toml") and Path(name).exists():
            return parse_credit_rules(Path(name).read_text(encoding="utf-8"))
        return load_credit_rules(f"{name.removesuffix('.toml')}.toml")
    except FileNotFoundError as exc:
        raise RuleViolation(f"No credit rules {name!r}.", field="policy") from exc
    except InvalidPolicy as exc:
        raise RuleViolation(exc.detail, field="policy", code=exc.code) from exc


@lru_cache(maxsize=16)
def _parse(frozen: str) -> CreditRules:
    return CreditRules.model_validate(json.loads(frozen))
