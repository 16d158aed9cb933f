"""The scoring demo part: its campaign and credit records are valid as the API takes them."""

from libs.common.identifiers import validate_credit_code
from services import demo
from services.scoring.campaigns.schemas import CampaignCreate
from services.scoring.demo import ENTITIES, campaign, entity_code
from services.scoring.domain.campaign_policy import parse_campaign_policy
from services.scoring.domain.formulas import FormulaKind
from services.scoring.domain.metrics import MetricKind


def test_the_demo_campaign_ranks_the_six_villages_on_next_years_resident_medical():
    body = CampaignCreate.model_validate(campaign(2027))
    assert body.scheme == "resident-medical-a" and body.year == 2027
    assert [u.unit_code for u in body.units] == list(demo.VILLAGES)
    assert {(u.category, u.task) for u in body.units} == {("village", 20)}


def test_the_demo_policy_scores_the_completion_rate_so_todays_progress_counts():
    policy = parse_campaign_policy(campaign(2027)["policy"])
    assert (policy.metric, policy.formula, policy.stages) == (
        MetricKind.DEPOSITED_ENROLLMENTS,
        FormulaKind.RATE,
        None,
    )
    assert policy.pool_for("village") == "villages"


def test_the_demo_entities_have_valid_credit_codes_in_demo_villages():
    for n, (unit, _, _) in enumerate(ENTITIES, start=1):
        assert validate_credit_code(entity_code(n)) == entity_code(n)
        assert unit in demo.VILLAGES


def test_the_scoring_part_runs_after_enrollments():
    assert demo.PARTS.index("services.scoring.demo") > demo.PARTS.index("services.enrollment.demo")


def test_the_demo_year_is_one_whose_demo_payments_are_already_made() -> None:
    from datetime import UTC, datetime

    from services.enrollment.demo import demo_payments

    for now in (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)):
        year = demo.demo_year(now)
        latest = max(datetime.fromisoformat(str(p["deposited_at"])) for p in demo_payments(year))
        assert latest <= now, (now, year)
    assert demo.demo_year(datetime(2026, 12, 4, tzinfo=UTC)) == 2027
