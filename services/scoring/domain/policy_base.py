"""What every scoring policy model shares: frozen pydantic models parsed from TOML text."""

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InvalidPolicy


class PolicyModel(BaseModel):
    """Base of policy models: immutable, and unknown keys are a mistake, not an extension."""

    model_config = ConfigDict(frozen=True, extra="forbid")


PolicyT = TypeVar("PolicyT", bound=PolicyModel)


def parse_toml(text: str) -> dict[str, Any]:
    """Parse policy TOML, reading every float as a Decimal so that no value passes through float."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidPolicy(f"policy is not valid TOML: {exc}") from exc


def validate_policy(model: type[PolicyT], data: Mapping[str, Any]) -> PolicyT:
    """Validate `data` against `model`, reporting failures as InvalidPolicy."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidPolicy(f"{model.__name__}: {exc}") from exc
