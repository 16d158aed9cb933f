import pytest

from services.scoring.domain.campaign_policy import (
    CampaignPolicy,
    parse_campaign_policy,
    parse_campaign_policy_toml,
)
from services.scoring.domain.errors import ForbiddenMetric, InvalidPolicy, UnknownPool
from services.scoring.domain.formulas import FormulaKind
from services.scoring.domain.metrics import MetricKind, ensure_allowed_metric
from services.scoring.domain.ranking import SubjectKind
from services.scoring.policy import (
    RESIDENT_MEDICAL_CAMPAIGN,
    load_campaign_policy,
    read_policy_text,
)

DEFAULT = load_campaign_policy()


def default_data() -> dict:
    return DEFAULT.model_dump(mode="json")


def test_the_default_campaign_ranks_villages_and_branch_farms_separately():
    assert DEFAULT.subject is SubjectKind.VILLAGE
    assert DEFAULT.metric is MetricKind.DEPOSITED_ENROLLMENTS
    assert DEFAULT.formula is FormulaKind.STAGE
    assert DEFAULT.pool_for("community") == "villages"
    assert DEFAULT.pool_for("branch_farm") == "branch_farms"
    with pytest.raises(UnknownPool):
        DEFAULT.pool_for("school")


def test_a_policy_dumped_and_reparsed_is_unchanged():
    assert parse_campaign_policy(default_data()) == DEFAULT


@pytest.mark.parametrize("name", ["fine_revenue", "罚没收入", "Fine Revenue", "fines"])
def test_fine_revenue_is_never_an_allowed_metric(name):
    data = default_data() | {"metric": name}
    with pytest.raises(ForbiddenMetric):
        parse_campaign_policy(data)
    with pytest.raises(ForbiddenMetric):
        CampaignPolicy.model_validate(data)
    with pytest.raises(ForbiddenMetric):
        ensure_allowed_metric(name)


def test_fine_revenue_in_a_toml_file_is_refused():
    text = read_policy_text(RESIDENT_MEDICAL_CAMPAIGN).replace(
        'metric = "deposited_enrollments"', 'metric = "罚没收入"'
    )
    with pytest.raises(ForbiddenMetric):
        parse_campaign_policy_toml(text)


def test_an_unknown_metric_is_an_invalid_policy():
    with pytest.raises(InvalidPolicy):
        parse_campaign_policy(default_data() | {"metric": "smiles"})


def test_the_stage_formula_needs_stages():
    with pytest.raises(InvalidPolicy, match="stages"):
        parse_campaign_policy(default_data() | {"stages": None})


def test_rank_awards_must_name_known_pools():
    data = default_data()
    data["rank_awards"]["pools"]["towns"] = data["rank_awards"]["pools"]["villages"]
    with pytest.raises(InvalidPolicy, match="pool"):
        parse_campaign_policy(data)


def test_a_unit_category_belongs_to_one_pool_only():
    data = default_data()
    data["pools"][1]["unit_categories"] = ["branch_farm", "village"]
    with pytest.raises(InvalidPolicy):
        parse_campaign_policy(data)


def test_unknown_keys_are_mistakes():
    with pytest.raises(InvalidPolicy):
        parse_campaign_policy(default_data() | {"bonus": 1})


def test_lower_is_better_metrics():
    assert not MetricKind.FIRE_POINTS.higher_is_better
    assert not MetricKind.OVERDUE_HAZARDS.higher_is_better
    assert MetricKind.HAZARDS_CLOSED_ON_TIME.higher_is_better
