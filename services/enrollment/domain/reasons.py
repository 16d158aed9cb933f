"""The rule that decided a value: a short stable code plus a human sentence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """Why a rule produced a value; `code` is stable, `text` is for people."""

    code: str
    text: str
