"""Default scoring policy files, read from this package and validated by the domain models."""

from importlib import resources

from services.scoring.domain.campaign_policy import CampaignPolicy, parse_campaign_policy_toml
from services.scoring.domain.credit_rules import CreditRules, parse_credit_rules
from services.scoring.domain.penalties import PenaltyLadder, parse_penalty_ladder

CREDIT_RULES = "credit_rules.v1.toml"
RESIDENT_MEDICAL_CAMPAIGN = "campaign_resident_medical.v1.toml"
RESIDENT_PENSION_CAMPAIGN = "campaign_resident_pension.v1.toml"
STRAW_BURNING_LADDER = "straw_burning_ladder.v1.toml"


def read_policy_text(name: str) -> str:
    """The text of the default policy file `name`."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_credit_rules(name: str = CREDIT_RULES) -> CreditRules:
    """The default credit rules, validated."""
    return parse_credit_rules(read_policy_text(name))


def campaign_policy_files() -> tuple[str, ...]:
    """The names of every bundled campaign policy file."""
    names = (entry.name for entry in resources.files(__name__).iterdir())
    return tuple(sorted(n for n in names if n.startswith("campaign_") and n.endswith(".toml")))


def load_campaign_policy(name: str = RESIDENT_MEDICAL_CAMPAIGN) -> CampaignPolicy:
    """A default campaign policy, validated."""
    return parse_campaign_policy_toml(read_policy_text(name))


def load_penalty_ladder(name: str = STRAW_BURNING_LADDER) -> PenaltyLadder:
    """A default penalty ladder, validated."""
    return parse_penalty_ladder(read_policy_text(name))
