"""Resident medical, variant A (320 individual + 580 fiscal): every case of DOMAIN §1."""

from datetime import date
from decimal import Decimal

from services.enrollment.domain.facts import PersonFacts, Sex
from services.enrollment.domain.premiums import maximum_chargeable, quote_premium

from .policies import VARIANT_A, at, person

NOV_1 = at(2025, 11, 1)


def test_ordinary_resident_pays_320_and_fiscal_pays_580():
    quote = quote_premium(VARIANT_A, person(30), NOV_1)
    assert quote.individual.amount == Decimal("320.00")
    assert quote.subsidy_by_payer() == {"fiscal": Decimal("580.00")}
    assert quote.total.amount == Decimal("900.00")
    assert quote.individual.reason.code == "individual.standard"
    assert quote.within_window and quote.benefits_start is None


def test_dibao_pays_nothing_city_pays_320():
    quote = quote_premium(VARIANT_A, person(30, tags=frozenset({"dibao"})), NOV_1)
    assert quote.individual.amount == 0
    assert quote.subsidy_by_payer() == {"city": Decimal("320.00"), "fiscal": Decimal("580.00")}
    assert quote.category == "a1_assistance"
    assert quote.individual.reason.code == "individual.fully_subsidized"


def test_every_group_one_identity_is_fully_paid_by_the_city():
    tags = ["poverty_registered", "poverty_monitored", "tekun", "orphan", "unsupported_child"]
    for tag in [*tags, "child_in_difficulty"]:
        quote = quote_premium(VARIANT_A, person(10, tags=frozenset({tag})), NOV_1)
        assert quote.subsidy_by_payer()["city"] == 320, tag


def test_age_65_city_pays_half():
    quote = quote_premium(VARIANT_A, person(65), NOV_1)
    assert quote.individual.amount == Decimal("160.00")
    assert quote.subsidy_by_payer()["city"] == Decimal("160.00")
    assert quote.category == "a2_age_60_69"


def test_age_band_60_to_69_is_inclusive():
    assert quote_premium(VARIANT_A, person(59), NOV_1).individual.amount == 320
    assert quote_premium(VARIANT_A, person(60), NOV_1).individual.amount == 160
    assert quote_premium(VARIANT_A, person(69), NOV_1).individual.amount == 160


def test_sixtieth_birthday_on_the_payment_day_counts():
    born = PersonFacts(birth_date=date(1965, 11, 1), sex=Sex.FEMALE)
    assert quote_premium(VARIANT_A, born, NOV_1).individual.amount == 160


def test_age_70_city_pays_all():
    quote = quote_premium(VARIANT_A, person(70), NOV_1)
    assert quote.individual.amount == 0
    assert quote.subsidy_by_payer()["city"] == Decimal("320.00")
    assert quote.category == "a2_age_70_plus"


def test_one_daughter_family_city_and_town_pay_half_each():
    quote = quote_premium(VARIANT_A, person(12, tags=frozenset({"one_daughter_family"})), NOV_1)
    assert quote.individual.amount == 0
    by_payer = quote.subsidy_by_payer()
    assert by_payer["city"] == Decimal("160.00") and by_payer["town"] == Decimal("160.00")


def test_severely_disabled_and_entitled_care_city_pays_all():
    for tag in ("severe_disability", "disability_grade_1", "entitled_care"):
        quote = quote_premium(VARIANT_A, person(40, tags=frozenset({tag})), NOV_1)
        assert quote.individual.amount == 0, tag
        assert quote.subsidy_by_payer()["city"] == 320, tag


def test_two_categories_only_the_highest_applies():
    quote = quote_premium(VARIANT_A, person(65, tags=frozenset({"severe_disability"})), NOV_1)
    assert quote.individual.amount == 0
    assert quote.subsidy_by_payer() == {"city": Decimal("320.00"), "fiscal": Decimal("580.00")}
    assert quote.category == "a4_severe_disability"
    assert quote.subsidy_reason.code == "subsidy.highest_only"


def test_age_and_one_daughter_family_do_not_stack():
    facts = person(65, tags=frozenset({"one_daughter_family"}))
    quote = quote_premium(VARIANT_A, facts, NOV_1)
    assert quote.category == "a3_family_planning"
    assert quote.subsidy_by_payer() == {
        "city": Decimal("160.00"),
        "town": Decimal("160.00"),
        "fiscal": Decimal("580.00"),
    }


def test_outside_window_pays_full_900_and_waits_30_days():
    quote = quote_premium(VARIANT_A, person(30), at(2026, 2, 1))
    assert quote.individual.amount == Decimal("900.00")
    assert quote.subsidies == ()
    assert quote.total.amount == Decimal("900.00")
    assert quote.benefits_start == date(2026, 3, 3)
    assert quote.individual.reason.code == "window.outside_full_premium"
    assert not quote.within_window


def test_outside_window_no_subsidy_for_dibao_either():
    quote = quote_premium(VARIANT_A, person(30, tags=frozenset({"dibao"})), at(2025, 10, 24))
    assert quote.individual.amount == Decimal("900.00")
    assert quote.subsidy_by_payer() == {}


def test_window_edges_in_shanghai_time():
    assert quote_premium(VARIANT_A, person(30), at(2025, 10, 25, 0, 0)).within_window
    assert quote_premium(VARIANT_A, person(30), at(2025, 12, 31, 23, 59)).within_window
    assert not quote_premium(VARIANT_A, person(30), at(2026, 1, 1, 0, 0)).within_window


def test_maximum_chargeable_is_the_full_premium():
    assert maximum_chargeable(VARIANT_A) == Decimal("900.00")
