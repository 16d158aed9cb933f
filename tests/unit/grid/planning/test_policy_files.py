from importlib import resources

import services.grid.policy as policy_package
from services.grid.policy import (
    CADENCE,
    DUTY,
    GEO,
    LEDGERS,
    SPOT_CHECKS,
    load_cadence_policy,
    load_duty_policy,
    load_geo_policy,
    load_ledger_policy,
    load_spot_check_policy,
)


def test_every_bundled_policy_file_has_a_loader_and_loads():
    bundled = {
        entry.name
        for entry in resources.files(policy_package).iterdir()
        if entry.name.endswith(".toml")
    }
    assert bundled == {CADENCE, DUTY, GEO, LEDGERS, SPOT_CHECKS}
    versions = {
        load_cadence_policy().version,
        load_duty_policy().version,
        load_geo_policy().version,
        load_ledger_policy().version,
        load_spot_check_policy().version,
    }
    assert len(versions) == 5
