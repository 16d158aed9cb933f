import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.common.events.catalogue.common import Sector
from services.grid.domain.checklists import (
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    ItemAnswer,
    TemplateRef,
    ensure_same_as_published,
    next_version,
    validate_answers,
)
from services.grid.domain.errors import ChecklistInvalid, InvalidInput, TemplateVersionImmutable

ITEMS = (
    ChecklistItem("exits", "Fire exits unobstructed"),
    ChecklistItem("extinguishers", "Extinguishers in date"),
    ChecklistItem("licence", "Licence displayed", may_be_not_applicable=False),
)
V1 = ChecklistTemplate(Sector.FIRE, 1, ITEMS)


def answers(**by_code: Answer) -> list[ItemAnswer]:
    return [ItemAnswer(code, answer) for code, answer in by_code.items()]


def test_a_complete_record_is_tallied():
    tally = validate_answers(
        V1, answers(exits=Answer.PASS, extinguishers=Answer.NOT_APPLICABLE, licence=Answer.FAIL)
    )
    assert (tally.passed, tally.failed, tally.not_applicable) == (1, 1, 1)


@pytest.mark.parametrize(
    ("given_answers", "message"),
    [
        (answers(exits=Answer.PASS, licence=Answer.PASS), r"unanswered items \['extinguishers'\]"),
        (
            answers(
                exits=Answer.PASS, extinguishers=Answer.PASS, licence=Answer.PASS, gas=Answer.PASS
            ),
            r"not in v1: \['gas'\]",
        ),
        (
            [
                *answers(exits=Answer.PASS, extinguishers=Answer.PASS, licence=Answer.PASS),
                ItemAnswer("exits", Answer.FAIL),
            ],
            r"answered twice \['exits'\]",
        ),
        (
            answers(exits=Answer.PASS, extinguishers=Answer.PASS, licence=Answer.NOT_APPLICABLE),
            r"cannot be not applicable \['licence'\]",
        ),
    ],
)
def test_answers_not_matching_the_pinned_version_are_refused(given_answers, message):
    with pytest.raises(ChecklistInvalid, match=message):
        validate_answers(V1, given_answers)


def test_every_fault_is_listed_at_once():
    with pytest.raises(ChecklistInvalid, match=r"unanswered.*not in v1"):
        validate_answers(V1, answers(gas=Answer.PASS))


def test_a_record_is_checked_against_its_own_version_not_the_newest():
    v2 = next_version([V1], Sector.FIRE, [*ITEMS, ChecklistItem("alarm", "Alarm works")])
    assert v2.ref == TemplateRef(Sector.FIRE, 2)
    old_record = answers(exits=Answer.PASS, extinguishers=Answer.PASS, licence=Answer.PASS)
    validate_answers(V1, old_record)
    with pytest.raises(ChecklistInvalid, match="alarm"):
        validate_answers(v2, old_record)


def test_versions_count_per_sector():
    gas = next_version([V1], Sector.GAS, ITEMS)
    assert gas.version == 1
    assert (
        next_version([V1, gas, next_version([V1], Sector.FIRE, ITEMS)], Sector.FIRE, ITEMS).version
        == 3
    )


def test_a_published_version_never_changes():
    ensure_same_as_published(V1, ChecklistTemplate(Sector.FIRE, 1, ITEMS))  # same import twice
    with pytest.raises(TemplateVersionImmutable):
        ensure_same_as_published(V1, ChecklistTemplate(Sector.FIRE, 1, ITEMS[:2]))
    with pytest.raises(InvalidInput):
        ensure_same_as_published(V1, ChecklistTemplate(Sector.FIRE, 2, ITEMS))


@pytest.mark.parametrize(
    ("version", "items"),
    [(0, ITEMS), (1, ()), (1, (ITEMS[0], ITEMS[0]))],
)
def test_malformed_templates_are_refused(version, items):
    with pytest.raises(InvalidInput):
        ChecklistTemplate(Sector.FIRE, version, items)
    with pytest.raises(InvalidInput):
        ChecklistItem("", "text")


@given(st.lists(st.sampled_from(["exits", "extinguishers", "licence", "gas"])), st.data())
def test_answers_are_valid_exactly_when_each_item_is_answered_once(codes, data):
    given_answers = [ItemAnswer(code, data.draw(st.sampled_from(Answer))) for code in codes]
    valid = sorted(codes) == sorted(item.code for item in ITEMS) and not any(
        a.code == "licence" and a.answer is Answer.NOT_APPLICABLE for a in given_answers
    )
    try:
        tally = validate_answers(V1, given_answers)
    except ChecklistInvalid:
        assert not valid
    else:
        assert valid
        assert tally.passed + tally.failed + tally.not_applicable == len(ITEMS)
