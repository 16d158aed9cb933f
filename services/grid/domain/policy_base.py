"""What every grid policy shares: frozen pydantic models parsed from TOML text.

The files live in `services.grid.policy`, which reads them; this module only parses text.
"""

import tomllib
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InvalidPolicy


class PolicyModel(BaseModel):
    """Base of policy models: immutable, and an unknown key is a mistake, not an extension."""

    model_config = ConfigDict(frozen=True, extra="forbid")


PolicyT = TypeVar("PolicyT", bound=PolicyModel)


def parse_policy(model: type[PolicyT], text: str) -> PolicyT:
    """Parse TOML `text` (floats read as Decimal) and validate it against `model`."""
    try:
        data: dict[str, Any] = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidPolicy(f"{model.__name__}: not valid TOML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidPolicy(f"{model.__name__}: {exc}") from exc
