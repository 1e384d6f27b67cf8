"""The Interactions API contract (parley.contract.checks) under pytest: every check against Parley on
loopback by default, or against any running implementation with --base-url/--api-key/--model (see
conftest.py). `parley contract` runs the same checks as a table."""

from __future__ import annotations

import pytest

from parley.contract.checks import CHECKS, Check, Target


@pytest.mark.parametrize("check", CHECKS, ids=[check.id for check in CHECKS])
def test_contract(check: Check, target: Target):
    check.run(target)
