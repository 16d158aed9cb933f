"""Resident medical, variant B (tiers 280/380): every case of DOMAIN §1."""

from decimal import Decimal

import pytest

from services.enrollment.domain.errors import UnknownTier
from services.enrollment.domain.premiums import maximum_chargeable, quote_premium

from .policies import VARIANT_B, at, person

OCT_10 = at(2025, 10, 10)


def quote(tags: frozenset[str] = frozenset(), age: int = 30, tier: str | None = None, **facts):
    return quote_premium(VARIANT_B, person(age, tags=tags, **facts), OCT_10, tier)


def test_adult_chooses_tier_1_or_tier_2():
    assert quote().individual.amount == Decimal("280.00")
    assert quote(tier="tier1").individual.amount == Decimal("280.00")
    assert quote(tier="tier2").individual.amount == Decimal("380.00")
    assert quote(tier="tier2").subsidies == ()


def test_under_18_is_forced_to_tier_1():
    forced = quote(age=17, tier="tier2")
    assert forced.tier == "tier1"
    assert forced.individual.amount == Decimal("280.00")
    assert forced.tier_reason.code == "tier.forced"
    assert quote(age=18, tier="tier2").tier == "tier2"


def test_student_is_forced_to_tier_1():
    assert quote(age=20, tier="tier2", student=True).tier == "tier1"


def test_group_1_government_pays_tier_2_in_full():
    result = quote(frozenset({"disability_grade_1"}))
    assert result.tier == "tier2"
    assert result.individual.amount == 0
    assert result.subsidy_by_payer() == {"county": Decimal("380.00")}
    assert result.category == "b1_government_tier2"


GROUP_1 = [
    "sanwu",  # 三无
    "wubao",  # 五保
    "disability_grade_1",
    "disability_grade_2",
    "key_entitled_care",  # 重点优抚
    "heroic_dependant",  # 见义勇为遗属
    "family_planning_special_support",  # 计生特扶
    "land_requisitioned",  # 被征地农转非
]


@pytest.mark.parametrize("tag", GROUP_1)
def test_every_identity_of_group_1_has_tier_2_paid_and_its_minors_tier_1(tag):
    adult = quote(frozenset({tag}))
    assert (adult.tier, adult.individual.amount, adult.category) == (
        "tier2",
        0,
        "b1_government_tier2",
    )
    minor = quote(frozenset({tag}), age=12)
    assert (minor.tier, minor.individual.amount, minor.category) == (
        "tier1",
        0,
        "b2_government_tier1",
    )


def test_group_2_tier_1_free_tier_2_pays_100():
    assert quote(frozenset({"dibao"})).individual.amount == 0
    assert quote(frozenset({"dibao"})).subsidy_by_payer() == {"county": Decimal("280.00")}
    upgraded = quote(frozenset({"dibao"}), tier="tier2")
    assert upgraded.individual.amount == Decimal("100.00")
    assert upgraded.subsidy_by_payer() == {"county": Decimal("280.00")}


def test_group_3_subsidy_168_pays_112_or_212():
    tier1 = quote(frozenset({"disability_grade_3"}))
    assert tier1.subsidy_by_payer() == {"county": Decimal("168.00")}
    assert tier1.individual.amount == Decimal("112.00")
    assert quote(frozenset({"disability_grade_4"}), tier="tier2").individual.amount == 212


def test_low_income_family_only_the_old_and_the_young():
    low = frozenset({"low_income_family"})
    assert quote(low, age=65).individual.amount == Decimal("112.00")
    assert quote(low, age=60).individual.amount == Decimal("112.00")
    assert quote(low, age=17).individual.amount == Decimal("112.00")
    assert quote(low, age=30).individual.amount == Decimal("280.00")


def test_minor_of_group_1_falls_in_group_2():
    result = quote(frozenset({"wubao"}), age=10)
    assert result.tier == "tier1"
    assert result.individual.amount == 0
    assert result.category == "b2_government_tier1"


def test_highest_only_dibao_and_disability_grade_2():
    result = quote(frozenset({"dibao", "disability_grade_2"}))
    assert result.category == "b1_government_tier2"
    assert result.tier == "tier2" and result.individual.amount == 0
    assert result.subsidy_reason.code == "subsidy.highest_only"


def test_subsidies_need_county_household_registration():
    result = quote(frozenset({"disability_grade_1"}), local_hukou=False)
    assert result.individual.amount == Decimal("280.00")
    assert result.subsidies == ()


def test_new_out_of_city_student_pays_83():
    result = quote(age=19, student=True, local_hukou=False, new_nonlocal_student=True)
    assert result.individual.amount == Decimal("83.00")
    assert result.tier == "tier1"
    assert result.individual.reason.code == "individual.new_nonlocal_student"


def test_outside_window_no_full_premium_rule():
    result = quote_premium(VARIANT_B, person(30), at(2026, 2, 1))
    assert not result.within_window
    assert result.individual.amount == Decimal("280.00")
    assert result.benefits_start is None


def test_unknown_tier_is_refused():
    with pytest.raises(UnknownTier):
        quote(tier="tier3")


def test_maximum_chargeable_is_tier_2():
    assert maximum_chargeable(VARIANT_B) == Decimal("380.00")
