"""Policy files: the shipped defaults load, and invalid files are refused."""

from decimal import Decimal
from pathlib import Path

import pytest

from services.enrollment.domain.errors import PolicyError
from services.enrollment.domain.identity_tags import IDENTITY_TAGS
from services.enrollment.domain.policy import PayerShare, current_policy
from services.enrollment.policy import load_default_policies, load_policy

from .policies import POLICIES, VARIANT_B

MINIMAL = """
scheme_code = "resident_medical"
region = "test"
year = 2025
version = {version}
name = "test"
tiers = [{tiers}]
"""


def write(tmp_path: Path, version: int = 1, tiers: str = '{ code = "t", amount = "10" }') -> Path:
    path = tmp_path / f"v{version}.toml"
    path.write_text(MINIMAL.format(version=version, tiers=tiers), encoding="utf-8")
    return path


def test_the_four_default_policies_load():
    assert set(POLICIES) == {
        ("resident_pension", "default", 2025, 1),
        ("resident_medical", "variant-a", 2025, 1),
        ("resident_medical", "variant-b", 2025, 1),
        ("employee_pension", "default", 2025, 1),
    }


def test_decimal_fractions_are_exact():
    share = VARIANT_B.subsidies[2].shares[0]
    assert share.fraction == Decimal("0.6")


def test_current_policy_picks_the_highest_version(tmp_path):
    write(tmp_path, 1)
    write(tmp_path, 2, tiers='{ code = "t", amount = "12" }')
    policy = current_policy(load_default_policies(tmp_path), "resident_medical", "test", 2025)
    assert policy.version == 2 and policy.tiers[0].amount == 12
    with pytest.raises(PolicyError):
        current_policy(POLICIES, "resident_medical", "nowhere", 2025)


@pytest.mark.parametrize(
    "tiers",
    [
        '{ code = "t", amount = "-1" }',
        '{ code = "t", amount = "1.001" }',
        '{ code = "t", amount = "1" }, { code = "t", amount = "2" }',
    ],
)
def test_invalid_tiers_are_refused(tmp_path, tiers):
    with pytest.raises(PolicyError):
        load_policy(write(tmp_path, tiers=tiers))


def test_unknown_tier_references_and_bad_month_days_are_refused(tmp_path):
    path = write(tmp_path)
    path.write_text(path.read_text() + 'default_tier = "nope"\n', encoding="utf-8")
    with pytest.raises(PolicyError):
        load_policy(path)
    path = write(tmp_path)
    path.write_text(path.read_text() + '[window]\nstart = "02-30"\nend = "03-01"\n')
    with pytest.raises(PolicyError):
        load_policy(path)


def test_missing_file_is_a_policy_error(tmp_path):
    with pytest.raises(PolicyError):
        load_policy(tmp_path / "absent.toml")


def test_payer_share_needs_exactly_one_of_fraction_or_amount():
    with pytest.raises(ValueError):
        PayerShare(payer="city")
    with pytest.raises(ValueError):
        PayerShare(payer="city", fraction=Decimal("0.5"), amount=Decimal("1"))
    with pytest.raises(ValueError):
        PayerShare(payer="city", fraction=0.5)


SUBSIDY = """
[[subsidies]]
code = "s"
name = "s"
source = "s"
covers_tier = "t"
criteria = [{{ tags = ["{tag}"] }}]
shares = [{{ payer = "county", fraction = 1 }}]
"""


def test_a_subsidy_names_only_identity_tags(tmp_path):
    path = write(tmp_path)
    base = path.read_text()
    path.write_text(base + SUBSIDY.format(tag="dibao"), encoding="utf-8")
    assert load_policy(path).subsidies[0].criteria[0].tags == {"dibao"}
    path.write_text(base + SUBSIDY.format(tag="di_bao"), encoding="utf-8")
    with pytest.raises(PolicyError, match="di_bao"):
        load_policy(path)


def test_every_tag_the_shipped_policies_name_is_an_identity_tag():
    named = {t for p in POLICIES.values() for s in p.subsidies for c in s.criteria for t in c.tags}
    assert named == set(IDENTITY_TAGS), "and no identity tag that no policy uses"
