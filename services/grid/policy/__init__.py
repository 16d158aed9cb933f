"""Default grid policy files, read from this package and validated by the domain models."""

from importlib import resources

from services.grid.domain.cadence import CadencePolicy, parse_cadence_policy
from services.grid.domain.duty import DutyPolicy, parse_duty_policy
from services.grid.domain.geo import GeoPolicy, parse_geo_policy
from services.grid.domain.ledgers import LedgerPolicy, parse_ledger_policy
from services.grid.domain.spot_checks import SpotCheckPolicy, parse_spot_check_policy

CADENCE = "cadence.v1.toml"
SPOT_CHECKS = "spot_checks.v1.toml"
DUTY = "duty.v1.toml"
LEDGERS = "ledgers.v1.toml"
GEO = "geo.v1.toml"


def read_policy_text(name: str) -> str:
    """The text of the default policy file `name`."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_cadence_policy(name: str = CADENCE) -> CadencePolicy:
    """The default inspection cadence policy, validated."""
    return parse_cadence_policy(read_policy_text(name))


def load_spot_check_policy(name: str = SPOT_CHECKS) -> SpotCheckPolicy:
    """The default spot-check policy, validated."""
    return parse_spot_check_policy(read_policy_text(name))


def load_duty_policy(name: str = DUTY) -> DutyPolicy:
    """The default grid member duty thresholds, validated."""
    return parse_duty_policy(read_policy_text(name))


def load_ledger_policy(name: str = LEDGERS) -> LedgerPolicy:
    """The default weekly ledger deadline, validated."""
    return parse_ledger_policy(read_policy_text(name))


def load_geo_policy(name: str = GEO) -> GeoPolicy:
    """The default location check of inspections, validated."""
    return parse_geo_policy(read_policy_text(name))
