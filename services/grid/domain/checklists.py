"""Versioned checklist templates per sector, and a record's answers checked against the
version it pins (DOMAIN §3: "checklist items with pass/fail"; issue: "each record pins the
template version it used").

A template version, once published, never changes: a change is a new version (the sector's
highest + 1). A record names (sector, version); its answers must cover every item of that
version exactly once, name no other item, and each be pass, fail or not applicable (the last
only where the item allows it).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from libs.common.events.catalogue.common import Sector

from .errors import ChecklistInvalid, InvalidInput, TemplateVersionImmutable


class Answer(StrEnum):
    """The answer to one checklist item."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a template: a stable code, the question, and whether it may be n/a."""

    code: str
    text: str
    may_be_not_applicable: bool = True

    def __post_init__(self) -> None:
        if not self.code or not self.text:
            raise InvalidInput("a checklist item needs a code and a text", field="items")


@dataclass(frozen=True)
class TemplateRef:
    """The template version a record pins."""

    sector: Sector
    version: int


@dataclass(frozen=True)
class ChecklistTemplate:
    """One immutable version of a sector's checklist."""

    sector: Sector
    version: int
    items: tuple[ChecklistItem, ...]

    def __post_init__(self) -> None:
        if self.version < 1:
            raise InvalidInput("template versions start at 1", field="version")
        if not self.items:
            raise InvalidInput("a template has at least one item", field="items")
        repeated = sorted(c for c, n in Counter(i.code for i in self.items).items() if n > 1)
        if repeated:
            raise InvalidInput(f"item codes listed twice: {repeated}", field="items")

    @property
    def ref(self) -> TemplateRef:
        """The reference a record pins."""
        return TemplateRef(self.sector, self.version)


def next_version(
    published: Iterable[ChecklistTemplate], sector: Sector, items: Iterable[ChecklistItem]
) -> ChecklistTemplate:
    """A new version of `sector`'s checklist: one above the highest already published."""
    versions = [t.version for t in published if t.sector is sector]
    return ChecklistTemplate(sector, max(versions, default=0) + 1, tuple(items))


def ensure_same_as_published(published: ChecklistTemplate, proposed: ChecklistTemplate) -> None:
    """Publishing a version again is allowed only with the very same items (an import run
    twice); anything else would change a version records already pin."""
    if published.ref != proposed.ref:
        raise InvalidInput("not the same template version", field="version")
    if published != proposed:
        raise TemplateVersionImmutable(
            f"{published.sector} checklist v{published.version} is published and cannot change; "
            "publish a new version",
            field="items",
        )


@dataclass(frozen=True)
class ItemAnswer:
    """A record's answer to one item."""

    code: str
    answer: Answer


@dataclass(frozen=True)
class ChecklistTally:
    """How many items a valid record passed, failed and found not applicable."""

    passed: int
    failed: int
    not_applicable: int


def validate_answers(template: ChecklistTemplate, answers: Iterable[ItemAnswer]) -> ChecklistTally:
    """Check a record's answers against the template version it pins, listing every fault."""
    given = list(answers)
    counts = Counter(a.code for a in given)
    known = {item.code: item for item in template.items}
    faults = []
    if missing := sorted(set(known) - set(counts)):
        faults.append(f"unanswered items {missing}")
    if unknown := sorted(set(counts) - set(known)):
        faults.append(f"items not in v{template.version}: {unknown}")
    if repeated := sorted(code for code, n in counts.items() if n > 1):
        faults.append(f"items answered twice {repeated}")
    if not_allowed := sorted(
        a.code
        for a in given
        if a.answer is Answer.NOT_APPLICABLE
        and a.code in known
        and not known[a.code].may_be_not_applicable
    ):
        faults.append(f"items that cannot be not applicable {not_allowed}")
    if faults:
        raise ChecklistInvalid(
            f"{template.sector} checklist v{template.version}: " + "; ".join(faults),
            field="checklist",
        )
    by_answer = Counter(a.answer for a in given)
    return ChecklistTally(
        by_answer[Answer.PASS], by_answer[Answer.FAIL], by_answer[Answer.NOT_APPLICABLE]
    )
