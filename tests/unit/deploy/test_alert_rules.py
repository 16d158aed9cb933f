"""The alert rules evaluated by Prometheus' own tool: `promtool check rules` parses them and
`promtool test rules` runs deploy/prometheus/alerts_test.yml, where every alert has a case
in which it fires and one in which it stays silent.

promtool comes from Debian's `prometheus` package (`make install` installs it as root where
apt-get is available). Without it these tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

PROMETHEUS = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"
RULES = PROMETHEUS / "alerts.yml"
RULE_TESTS = PROMETHEUS / "alerts_test.yml"


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    message = "promtool missing: apt-get install prometheus (or run `make install` as root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_promtool_accepts_the_rules():
    result = run_promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alert_unit_tests_pass():
    result = run_promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def alert_names() -> set[str]:
    return {
        rule["alert"]
        for group in load(RULES)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def rule_tests() -> list[dict[str, Any]]:
    return [case for test in load(RULE_TESTS)["tests"] for case in test.get("alert_rule_test", [])]


def test_the_unit_tests_load_the_rules():
    rule_files = load(RULE_TESTS)["rule_files"]
    assert [(PROMETHEUS / f).resolve() for f in rule_files] == [RULES.resolve()]


def test_every_alert_is_tested_firing_and_silent():
    firing = {case["alertname"] for case in rule_tests() if case.get("exp_alerts")}
    silent = {case["alertname"] for case in rule_tests() if not case.get("exp_alerts")}
    assert alert_names() - firing == set(), "alerts never tested firing"
    assert alert_names() - silent == set(), "alerts never tested staying silent"
    unknown = (firing | silent) - alert_names()
    assert not unknown, f"tests of alerts that do not exist: {unknown}"


def test_the_firing_cases_check_the_annotations_operators_read():
    for case in rule_tests():
        for expected in case.get("exp_alerts") or []:
            annotations = expected.get("exp_annotations", {})
            assert {"summary", "description"} <= set(annotations), case["alertname"]
