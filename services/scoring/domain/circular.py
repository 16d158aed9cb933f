"""A circular (通报) as an office issues it: who is praised, who is criticised, the document
number, percentages and the Chinese words printed for the codes the API answers with."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from pydantic import Field

from .policy_base import PolicyModel
from .ranking import RankedUnit, in_bottom
from .triggers import ActionKind, TriggerKind


class OverlapRule(StrEnum):
    """Which list keeps a unit both the top places and the bottom places would name.

    In a pool of six, the top three and the bottom five share ranks 2 and 3: one document
    cannot praise and criticise the same village.
    """

    PRAISE_WINS = "praise_wins"
    """Criticism only for units not praised (the default)."""
    CRITICISM_WINS = "criticism_wins"
    """Praise only for units not criticised."""


class CircularPolicy(PolicyModel):
    """How a campaign's circulars are issued."""

    issuing_office: str = Field(default="考核工作领导小组办公室", min_length=1)
    # The document number reads `{document_prefix}〔{year}〕{n}号`.
    document_prefix: str = "考核办通"
    praised_top: int = Field(default=3, ge=0)
    overlap: OverlapRule = OverlapRule.PRAISE_WINS
    # DOMAIN §1: shares as the source prints them, truncated (906/23262 → 3.8%).
    share_rounding: Literal["truncate", "half_up"] = "truncate"
    share_places: int = Field(default=1, ge=0, le=4)


def praised_and_criticised(
    units: Sequence[RankedUnit], policy: CircularPolicy, bottom_n: int
) -> tuple[list[RankedUnit], list[RankedUnit]]:
    """The units praised (top places, pools larger than that) and criticised, never both."""
    top = [u for u in units if u.rank <= policy.praised_top and u.pool_size > policy.praised_top]
    bottom = [u for u in units if in_bottom(u, bottom_n)]
    if policy.overlap is OverlapRule.PRAISE_WINS:
        praised = {(u.pool, u.unit_id) for u in top}
        return top, [u for u in bottom if (u.pool, u.unit_id) not in praised]
    criticised = {(u.pool, u.unit_id) for u in bottom}
    return [u for u in top if (u.pool, u.unit_id) not in criticised], bottom


def percent(fraction: Decimal, policy: CircularPolicy = CircularPolicy()) -> str:
    """A fraction as the percentage a circular prints: 0.0389 → "3.8%" (truncated)."""
    scaled = Fraction(fraction) * 100 * 10**policy.share_places
    whole = (
        math.floor(scaled)
        if policy.share_rounding == "truncate"
        else math.floor(scaled + Fraction(1, 2))
    )
    value = Decimal(whole).scaleb(-policy.share_places)
    return f"{value:.{policy.share_places}f}%"


def document_number(policy: CircularPolicy, year: int, sequence: int) -> str:
    """文号: the office's prefix, the year in 〔〕 and the circular's number in that year."""
    if sequence < 1:
        raise ValueError(f"a document number counts from 1, got {sequence}")
    return f"{policy.document_prefix}〔{year}〕{sequence}号"


def movement_text(movement: int | None) -> str:
    """升降 as printed: ↑2, ↓1, — (unchanged), 新 (not in the previous ranking)."""
    if movement is None:
        return "新"
    if movement == 0:
        return "—"
    return f"↑{movement}" if movement > 0 else f"↓{-movement}"


TRIGGER_LABELS: dict[str, str] = {
    TriggerKind.BOTTOM_TWICE_CRITICISM: "连续两次排名后列",
    TriggerKind.BOTTOM_TWICE_ADMONITION: "连续两次排名末位",
    TriggerKind.QUARTER_BEHIND: "季度排名末位且低于序时进度",
    TriggerKind.QUARTER_BEHIND_TWICE: "连续两个季度排名末位且低于序时进度",
}
ACTION_LABELS: dict[str, str] = {
    ActionKind.CRITICISM_CIRCULAR: "通报批评",
    ActionKind.WRITTEN_EXPLANATION: "书面说明情况",
    ActionKind.RECTIFICATION_DEADLINE: "限期整改",
    ActionKind.ADMONITION_TALK: "约谈",
    ActionKind.EXPLAIN_AT_REPORT_MEETING: "述职会上说明",
    ActionKind.DISCIPLINE_TALK: "纪委约谈",
}


def trigger_label(kind: str) -> str:
    """The Chinese name of a trigger kind (the code itself if unknown)."""
    return TRIGGER_LABELS.get(kind, kind)


def action_label(kind: str) -> str:
    """The Chinese name of an action kind (the code itself if unknown)."""
    return ACTION_LABELS.get(kind, kind)


@dataclass(frozen=True)
class Heading:
    """The head of an issued circular (版头): office, number, date, title."""

    office: str
    number: str
    issued_on: str
    title: str
