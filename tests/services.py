"""Real servers the tests need (PostgreSQL, Redis), started by the project's own scripts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fakes.server import free_port

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def start_service(script: str, what: str, workdir: str, port: int = 0) -> int:
    """`scripts/<script> start WORKDIR PORT` (it installs the Debian package when missing) on `port`,
    else on a free port, tried three times: a free port can be taken between probing and binding.
    Returns the port. FAILS the test, never skips it, when `what` cannot be installed or started."""
    failures = []
    for _ in range(3):
        chosen = port or free_port()
        try:
            proc = subprocess.run(
                ["bash", str(SCRIPTS / script), "start", workdir, str(chosen)],
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            failures.append(repr(e))
            continue
        if proc.returncode == 0:
            return chosen
        failures.append(proc.stderr.strip() or f"exit status {proc.returncode}")
    pytest.fail(
        f"{what} is required by these tests and could not be installed/started with "
        f"`{SCRIPTS / script} start DIR PORT`:\n{failures[-1]}",
        pytrace=False,
    )
