"""One line of a score's explanation: which input moved it, by how much, under which rule."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ExplanationLine:
    """An input, its effect in points (or yuan), the rule code and a readable text."""

    input: str
    effect: Decimal
    rule_code: str
    text: str


def total_effect(lines: Iterable[ExplanationLine]) -> Decimal:
    """The sum of the effects of `lines`: by construction, the score they explain."""
    return sum((line.effect for line in lines), Decimal(0))
