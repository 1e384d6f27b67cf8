"""A real PostgreSQL for tests: `pg_url`, a session fixture, and `create_database`.

    from tests.pg import pg_url  # noqa: F401   (in tests/conftest.py)

`pg_url` runs scripts/postgres.sh (which installs the Debian `postgresql` package when it is
missing) to start a throwaway cluster on a free loopback port, creates a database and yields
'postgresql://postgres@127.0.0.1:PORT/parley_test'; the cluster is stopped and removed at the end.
When PostgreSQL cannot be installed or started the fixture FAILS, it never skips: a green run must
have exercised PostgreSQL. PARLEY_TEST_PG_URL=postgresql://... uses an existing server instead
(a fresh database is created on it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.services import start_service

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres.sh"


def create_database(url: str, name: str | None = None) -> str:
    """Create a fresh database on the server of `url`; return the URL of the new database."""
    import psycopg

    name = name or f"t_{uuid.uuid4().hex[:16]}"
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


# One server per test process, however many modules register the fixture (conftest.py and a test
# module importing it make two session fixtures): the first use starts it, the last one stops it.
_server: dict = {"users": 0, "url": None, "workdir": None}


def _acquire() -> str:
    if _server["url"] is None:
        existing = os.environ.get("PARLEY_TEST_PG_URL")
        if existing:
            _server["url"] = create_database(existing)
        else:
            workdir = tempfile.mkdtemp(prefix="parley-pg-")  # under /tmp: traversable by user postgres
            try:
                port = start_service("postgres.sh", "PostgreSQL", workdir)
                _server["url"] = create_database(
                    f"postgresql://postgres@127.0.0.1:{port}/postgres", "parley_test"
                )
            except BaseException:
                _stop(workdir)
                raise
            _server["workdir"] = workdir
    _server["users"] += 1
    return _server["url"]


def _release() -> None:
    _server["users"] -= 1
    if _server["users"] == 0 and _server["workdir"]:
        _stop(_server["workdir"])
        _server.update(url=None, workdir=None)


def _stop(workdir: str) -> None:
    subprocess.run(["bash", str(SCRIPT), "stop", workdir], capture_output=True, timeout=120)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_url():
    """URL of a database on a real PostgreSQL server, for the whole session."""
    url = _acquire()
    try:
        yield url
    finally:
        _release()
