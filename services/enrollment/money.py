"""Amounts of yuan as requests carry them: decimal strings (or integers), never floats.

A JSON number with a fraction arrives as a binary float and may already have lost the
exact fen (0.1 + 0.2), so it is refused rather than rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from services.enrollment.domain.policy import refuse_float

NoFloat = BeforeValidator(refuse_float)
Yuan = Annotated[
    Decimal, NoFloat, Field(gt=0, max_digits=14, decimal_places=2, examples=["320.00"])
]
"""A positive amount of yuan to the fen."""
YuanOrZero = Annotated[Decimal, NoFloat, Field(ge=0, max_digits=14, decimal_places=2)]
"""An amount of yuan to the fen, zero allowed."""
