from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.mockserver import MockServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_URL = os.environ.get("AGGREGATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the ../shared reference data is only on the project's machines")
    return path


@pytest.fixture(scope="session")
def fixture_site():
    with MockServer(FIXTURES / "site") as server:
        yield server


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL schema on the real server, dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means skip
        reason = f"PostgreSQL at {PG_URL} is unreachable ({type(exc).__name__}); .ci/run starts it"
        if os.environ.get("AGGREGATOR_REQUIRE_PG"):
            pytest.fail(reason)  # CI must really run these
        pytest.skip(reason)
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    yield url
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def run_scrapy(*args: str, db_url: str, cwd: Path = ROOT, extra_env: dict | None = None, timeout: int = 300):
    """Run the real `scrapy` command line, as a cron job would."""
    env = {**os.environ, "AGGREGATOR_DB_URL": db_url, **(extra_env or {})}
    return subprocess.run(
        # defaults first, so a test's own -s options win
        [sys.executable, "-m", "scrapy", args[0], "-s", "LOG_LEVEL=INFO", "-s", "DOWNLOAD_DELAY=0",
         "-s", "AUTOTHROTTLE_ENABLED=False", *args[1:]],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )
