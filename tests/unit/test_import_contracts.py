"""The import contracts in pyproject.toml: `lint-imports` refuses a circle, a service importing
another service, a database or file-system import in a domain package, and libs importing
services; the tree as it is keeps them.

Each case copies `libs`, `services` and pyproject.toml to a temporary directory, appends one
import line to a real module there and runs `lint-imports` on the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the code and its contracts, to break."""
    for package in ("libs", "services"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint(tree: Path, *contracts: str) -> tuple[int, str]:
    """Run `lint-imports` on the copy (only `contracts`, if named): exit status and output."""
    command = [str(LINT_IMPORTS), "--no-logo", "--no-cache", "pyproject.toml"]
    for contract in contracts:
        command += ["--contract", contract]
    done = subprocess.run(
        command,
        cwd=tree,
        env=os.environ | {"PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def append(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    assert path.exists(), path
    with path.open("a") as out:
        out.write(f"\n{line}  # noqa\n")


def cycles_in(output: str) -> set[str]:
    return set(re.findall(r"No cycles are allowed in ([\w.]+)\.", output))


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    status, output = lint(tree)
    assert status == 0, output
    assert "Contracts: 4 kept, 0 broken." in output


def test_a_circle_between_concept_packages_is_refused(tree: Path) -> None:
    # enrollments uses persons' use cases; persons calling back into enrollments loops.
    append(
        tree,
        "services.enrollment.persons.service",
        "from services.enrollment.enrollments import settlement",
    )
    status, output = lint(tree, "acyclic")
    assert status != 0
    assert "services.enrollment" in cycles_in(output), output


def test_reading_another_concepts_table_is_no_circle(tree: Path) -> None:
    # One database per service: a use case may read any of its tables (models.py).
    append(
        tree,
        "services.enrollment.persons.service",
        "from services.enrollment.enrollments import models",
    )
    status, output = lint(tree, "acyclic")
    assert status == 0, output


def test_a_circle_is_refused(tree: Path) -> None:
    # awards imports policy_base; policy_base importing awards closes a circle.
    append(tree, "services.scoring.domain.policy_base", "from . import awards")
    status, output = lint(tree, "acyclic")
    assert status != 0
    assert "No import cycles BROKEN" in output
    assert "services.scoring.domain" in cycles_in(output), output


def test_a_service_importing_another_service_is_refused(tree: Path) -> None:
    append(tree, "services.hazards.app", "import services.grid.models")
    status, output = lint(tree, "services-independent")
    assert status != 0
    assert "No service imports another service BROKEN" in output
    assert "services.hazards is not allowed to import services.grid" in output, output


@pytest.mark.parametrize(
    ("line", "imported"),
    [
        ("import sqlalchemy", "sqlalchemy"),
        ("from fastapi import HTTPException", "fastapi"),
        ("from libs.common.db import UnitOfWork", "libs.common.db"),
        ("from pathlib import Path", "pathlib"),
    ],
)
def test_a_domain_module_importing_infrastructure_is_refused(
    tree: Path, line: str, imported: str
) -> None:
    append(tree, "services.enrollment.domain.units", line)
    status, output = lint(tree, "pure-domain")
    assert status != 0
    assert "domain packages import no database, web, broker, HTTP client or file I/O BROKEN" in (
        output
    )
    assert f"services.enrollment.domain.units -> {imported}" in output, output


def test_libs_importing_a_service_is_refused(tree: Path) -> None:
    append(tree, "libs.common.identifiers", "import services.demo")
    status, output = lint(tree, "common-below-services")
    assert status != 0
    assert "libs never imports services BROKEN" in output
    assert "libs.common.identifiers -> services.demo" in output, output
