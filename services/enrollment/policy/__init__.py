"""The shipped scheme policies (the TOML files here) and their reading.

`domain.policy` parses and validates a policy's text; reading the files is done here, outside
`domain/`, which does no file I/O.
"""

from __future__ import annotations

from pathlib import Path

from services.enrollment.domain.errors import PolicyError
from services.enrollment.domain.policy import PolicyKey, SchemePolicy, parse_policy

DEFAULT_POLICY_DIR = Path(__file__).resolve().parent


def load_policy(path: Path) -> SchemePolicy:
    """Read and validate one TOML policy file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path.name}: {exc}") from exc
    return parse_policy(data.decode(), path.name)


def load_default_policies(directory: Path = DEFAULT_POLICY_DIR) -> dict[PolicyKey, SchemePolicy]:
    """Load every shipped policy file, keyed by (scheme, region, year, version)."""
    policies: dict[PolicyKey, SchemePolicy] = {}
    for path in sorted(directory.glob("*.toml")):
        policy = load_policy(path)
        if policy.key in policies:
            raise PolicyError(f"{path.name}: duplicate policy {policy.key}")
        policies[policy.key] = policy
    return policies
