"""The provisional credit score: basic information plus additional items, with explanation."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import groupby

from .business_calendar import add_months, ensure_aware, local_date
from .credit import MAX_SCORE, MIN_SCORE, CreditGrade, grade_for
from .credit_rules import BasicInfoRules, CreditDimension, CreditItemKind, CreditRules, ItemRule
from .errors import InvalidCreditInput
from .explanation import ExplanationLine, total_effect

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CreditItem:
    """One additional credit item, kept with the event that produced it."""

    kind: CreditItemKind
    occurred_at: datetime
    source_event_id: str


@dataclass(frozen=True)
class ProvisionalScore:
    """A provisional score, its grade, why it is what it is, and the policy that produced it."""

    score: Decimal
    grade: CreditGrade
    explanation: tuple[ExplanationLine, ...]
    policy_version: str
    as_of: datetime


def compute_provisional_score(
    basic: Mapping[CreditDimension, Decimal],
    items: Iterable[CreditItem],
    rules: CreditRules,
    as_of: datetime,
) -> ProvisionalScore:
    """Score an entity under `rules` as of `as_of`, clamped to 0–1000 and fully explained."""
    ensure_aware(as_of)
    lines = [*explain_basic_info(basic, rules.basic), *explain_items(items, rules, as_of)]
    raw = total_effect(lines)
    score = min(max(raw, MIN_SCORE), MAX_SCORE)
    if score != raw:
        text = f"total {raw} clamped to the {MIN_SCORE}–{MAX_SCORE} range"
        lines.append(ExplanationLine("total", score - raw, "CR-CLAMP", text))
    return ProvisionalScore(score, grade_for(score), tuple(lines), rules.version, as_of)


def explain_basic_info(
    basic: Mapping[CreditDimension, Decimal], rules: BasicInfoRules
) -> list[ExplanationLine]:
    """One line per dimension: its weighted share of the base points, to the cent."""
    _check_basic_info(basic, rules)
    weights = tuple((d, rules.weights[d]) for d in _DIMENSIONS)
    lines = []
    for dimension, points, source, code, before, after in _basic_terms(
        rules.base_points, rules.max_dimension_score, weights
    ):
        value = basic[dimension]
        effect = (points * value / rules.max_dimension_score).quantize(CENT, ROUND_HALF_UP)
        lines.append(ExplanationLine(source, effect, code, f"{before}{value}{after}"))
    return lines


_DIMENSIONS = tuple(CreditDimension)


@lru_cache(maxsize=16)
def _basic_terms(
    base_points: Decimal, max_score: Decimal, weights: tuple[tuple[CreditDimension, Decimal], ...]
) -> tuple[tuple[CreditDimension, Decimal, str, str, str, str], ...]:
    """Per dimension: base points × weight, and the fixed parts of its line (rescoring
    200,000 entities computes them a million times otherwise)."""
    return tuple(
        (d, base_points * w, f"basic:{d}", f"CR-BASE-{d}", f"{d} ", f"/{max_score} at weight {w}")
        for d, w in weights
    )


def _check_basic_info(basic: Mapping[CreditDimension, Decimal], rules: BasicInfoRules) -> None:
    missing = set(_DIMENSIONS) - set(basic)
    if missing:
        raise InvalidCreditInput(f"basic credit information lacks {sorted(missing)}")
    for dimension, value in basic.items():
        if not isinstance(value, Decimal) or not 0 <= value <= rules.max_dimension_score:
            raise InvalidCreditInput(f"{dimension} score {value!r} is outside 0–100")


def explain_items(
    items: Iterable[CreditItem], rules: CreditRules, as_of: datetime
) -> list[ExplanationLine]:
    """One line per item up to `as_of`: its effect, capped per kind, or zero once expired."""
    known = [item for item in items if ensure_aware(item.occurred_at) <= ensure_aware(as_of)]
    known.sort(key=lambda item: (item.kind, item.occurred_at, item.source_event_id))
    lines: list[ExplanationLine] = []
    for kind, group in groupby(known, key=lambda item: item.kind):
        lines.extend(
            _explain_kind(list(group), rules.items[kind], rules.validity_months(kind), as_of)
        )
    return lines


def is_item_valid(item: CreditItem, validity_months: int, as_of: datetime) -> bool:
    """Whether `item` still counts on `as_of`'s Shanghai date (window end exclusive)."""
    return local_date(as_of) < add_months(local_date(item.occurred_at), validity_months)


def _explain_kind(
    items: list[CreditItem], rule: ItemRule, validity_months: int, as_of: datetime
) -> Iterator[ExplanationLine]:
    counted = Decimal(0)
    for item in items:
        source = f"{item.kind}:{item.source_event_id}"
        if not is_item_valid(item, validity_months, as_of):
            text = f"{rule.text} (older than {validity_months} months, no longer counts)"
            yield ExplanationLine(source, Decimal(0), f"CR-EXPIRED-{item.kind}", text)
            continue
        effect = _capped(rule, counted)
        counted += abs(effect)
        capped = effect != rule.points
        code = f"CR-{'CAP' if capped else 'ITEM'}-{item.kind}"
        yield ExplanationLine(
            source, effect, code, rule.text + (" (cap reached)" if capped else "")
        )


def _capped(rule: ItemRule, counted: Decimal) -> Decimal:
    """The item's effect once the kind has already moved the score by `counted` points."""
    if rule.cap is None:
        return rule.points
    magnitude = max(min(abs(rule.points), rule.cap - counted), Decimal(0))
    return magnitude if rule.points >= 0 or magnitude == 0 else -magnitude
