from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.errors import InvalidCount, InvalidPolicy
from services.scoring.domain.penalties import (
    PenaltyKind,
    PenaltyLadder,
    apply_penalty_ladder,
    count_by_month,
)
from services.scoring.domain.policy_base import validate_policy
from services.scoring.policy import load_penalty_ladder

LADDER = load_penalty_ladder()
CRITICISM = ("circular_criticism", "village", 0)
TALK = ("reminder_talk", "responsible_persons", 0)
MEMBER = ("pay_deduction", "village_committee_member_in_charge", 100)


def caretakers(amount: int) -> tuple[str, str, int]:
    return ("pay_deduction", "caretaker", amount)


def ladder(includes: bool, stack: bool) -> PenaltyLadder:
    return LADDER.model_copy(update={"above_includes_threshold": includes, "steps_stack": stack})


# (above_includes_threshold, steps_stack, burnings in the month) → actions due
CASES = [
    (True, True, 1, [CRITICISM, caretakers(50)]),
    (True, True, 2, [CRITICISM, caretakers(100)]),
    (True, True, 3, [CRITICISM, caretakers(150), MEMBER, TALK]),
    (True, True, 4, [CRITICISM, caretakers(200), MEMBER, TALK]),
    (True, False, 1, [caretakers(50)]),
    (True, False, 2, [caretakers(100)]),
    (True, False, 3, [MEMBER, TALK]),
    (True, False, 4, [MEMBER, TALK]),
    (False, True, 1, [CRITICISM]),
    (False, True, 2, [CRITICISM, caretakers(100)]),
    (False, True, 3, [CRITICISM, caretakers(150), MEMBER, TALK]),
    (False, True, 4, [CRITICISM, caretakers(200), MEMBER, TALK]),
    (False, False, 1, [CRITICISM]),
    (False, False, 2, [caretakers(100)]),
    (False, False, 3, [MEMBER, TALK]),
    (False, False, 4, [MEMBER, TALK]),
]


@pytest.mark.parametrize(("includes", "stack", "burnings", "expected"), CASES)
def test_straw_burning_ladder(includes, stack, burnings, expected):
    actions = apply_penalty_ladder(burnings, ladder(includes, stack))
    assert [(a.kind, a.target_role, a.amount) for a in actions] == expected


def test_defaults_read_yishang_as_including_one_and_stack_the_steps():
    assert LADDER.above_includes_threshold and LADDER.steps_stack


def test_no_burning_no_action():
    assert apply_penalty_ladder(0, LADDER) == ()


def test_a_negative_count_is_refused():
    with pytest.raises(InvalidCount):
        apply_penalty_ladder(-1, LADDER)


def test_money_is_always_taken_from_a_person_never_the_village():
    for burnings in range(1, 6):
        for action in apply_penalty_ladder(burnings, LADDER):
            if action.kind is PenaltyKind.PAY_DEDUCTION:
                assert action.target_role not in {"village", "village_committee"}


def test_a_ladder_that_fines_the_village_is_refused():
    data = LADDER.model_dump(mode="python")
    data["steps"][1]["actions"][0]["target_role"] = "village"
    with pytest.raises(InvalidPolicy, match="person"):
        validate_policy(PenaltyLadder, data)


def test_the_reminder_talk_is_held_by_the_town_discipline_office():
    talk = apply_penalty_ladder(3, LADDER)[-1]
    assert (talk.kind, talk.by_role) == (PenaltyKind.REMINDER_TALK, "town_discipline_office")
    assert talk.amount == Decimal(0)


def test_burnings_count_per_shanghai_calendar_month():  # 002 ST-4
    utc = ZoneInfo("UTC")
    moments = [
        datetime(2024, 10, 30, 9, tzinfo=SHANGHAI),
        datetime(2024, 11, 2, 9, tzinfo=SHANGHAI),
        datetime(2024, 10, 31, 17, tzinfo=utc),  # 1 Nov 01:00 in Shanghai
    ]
    assert count_by_month(moments) == {(2024, 10): 1, (2024, 11): 2}
