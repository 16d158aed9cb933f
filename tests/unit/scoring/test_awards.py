from datetime import date
from decimal import Decimal

import pytest

from services.scoring.domain.awards import (
    DateBucketAwards,
    ProgressReading,
    VillageCompletion,
    first_completion_date,
    settle_date_bucket_awards,
)
from services.scoring.domain.errors import InvalidPolicy
from services.scoring.domain.policy_base import validate_policy
from services.scoring.policy import RESIDENT_PENSION_CAMPAIGN, load_campaign_policy

# DOMAIN §4.2's date-bucket figures (000:L170–L190) are the resident pension campaign's.
_AWARDS = load_campaign_policy(RESIDENT_PENSION_CAMPAIGN).date_bucket_awards
assert _AWARDS is not None
POLICY: DateBucketAwards = _AWARDS
YEAR = 2024


def village(
    completed_on: date | None,
    per_capita: str = "520",
    cadres: int = 5,
    persons: int = 3000,
) -> VillageCompletion:
    return VillageCompletion(
        unit_id="320115103201",
        completed_on=completed_on,
        per_capita=Decimal(per_capita),
        cadre_ids=tuple(f"cadre-{i}" for i in range(cadres)),
        contact_cadre_ids=("town-cadre-1",),
        subsidy_persons=persons,
    )


def settle(v: VillageCompletion):
    return settle_date_bucket_awards(v, POLICY, YEAR)


def test_t18_done_by_jun_30_pays_1200_per_cadre():
    outcome = settle(village(date(2024, 6, 25)))
    assert outcome.per_cadre == 1200
    assert sum(amount for _, amount in outcome.cadre_awards) == 6000
    assert outcome.village_award == 0
    assert outcome.subsidy_deduction == 0
    assert not outcome.honours_barred


def test_t19_done_on_jul_31_with_per_capita_600_pays_1000_per_cadre_and_2000():
    outcome = settle(village(date(2024, 7, 31), "600", cadres=4))
    assert outcome.per_cadre * len(outcome.cadre_awards) + outcome.village_award == 6000


def test_t20_done_by_aug_31_with_per_capita_610():
    outcome = settle(village(date(2024, 8, 20), "610", cadres=3))
    assert (outcome.per_cadre, outcome.village_award) == (800, 2000)


def test_t21_done_by_sep_30_is_neither_rewarded_nor_penalised():
    outcome = settle(village(date(2024, 9, 15), "550"))
    assert (outcome.per_cadre, outcome.village_award, outcome.subsidy_deduction) == (0, 0, 0)
    assert not outcome.honours_barred


def test_t22_full_rate_with_per_capita_below_500_is_not_complete():
    readings = [
        ProgressReading(date(2024, 7, 10), Decimal(1), Decimal(480)),
        ProgressReading(date(2024, 8, 5), Decimal(1), Decimal(505)),
    ]
    assert first_completion_date(readings, POLICY) == date(2024, 8, 5)
    assert first_completion_date(readings[:1], POLICY) is None


@pytest.mark.parametrize(("per_capita", "award"), [("600", 2000), ("599.99", 0)])
def test_t23_t24_the_per_capita_award_includes_600(per_capita, award):
    assert settle(village(date(2024, 6, 1), per_capita)).village_award == award


@pytest.mark.parametrize(
    ("completed_on", "deduction"),
    [(date(2024, 10, 20), 1500), (date(2024, 11, 30), 2100), (date(2024, 12, 31), 3000)],
)
def test_t25_t27_late_completion_loses_part_of_the_county_subsidy(completed_on, deduction):
    outcome = settle(village(completed_on, persons=3000))
    assert outcome.subsidy_deduction == deduction
    assert outcome.per_cadre == 0
    assert not outcome.honours_barred


def test_t28_not_completing_bars_the_village_and_its_cadres_from_honours():
    outcome = settle(village(None))
    assert outcome.honours_barred
    assert set(outcome.barred_person_ids) == {f"cadre-{i}" for i in range(5)} | {"town-cadre-1"}
    assert outcome.subsidy_deduction == 3000
    assert outcome.village_award == 0


def test_completing_after_the_last_bucket_counts_as_not_completed():
    assert settle(village(date(2025, 1, 3), "650")).honours_barred


def test_the_explanation_adds_up_to_the_money():
    outcome = settle(village(date(2024, 11, 2), "600", persons=1000))
    assert sum(line.effect for line in outcome.explanation) == Decimal(2000 - 700)


def test_buckets_must_run_forward_in_time():
    data = POLICY.model_dump(mode="python")
    data["buckets"] = list(reversed(data["buckets"]))
    with pytest.raises(InvalidPolicy):
        validate_policy(DateBucketAwards, data)


def test_the_medical_campaign_completes_at_its_premium_and_names_no_per_capita_award():
    medical = load_campaign_policy().date_bucket_awards
    assert medical is not None
    assert first_completion_date(
        [ProgressReading(date(2024, 6, 1), Decimal(1), Decimal(320))], medical
    )
    outcome = settle_date_bucket_awards(village(date(2024, 6, 1), "900"), medical, YEAR)
    assert outcome.per_cadre == 1200 and outcome.village_award == 0
    assert [line.rule_code for line in outcome.explanation] == ["AW-BUCKET"]
