"""Fixtures of the distributed suite: the real Redis and PostgreSQL of the machine.

Each test gets a key prefix of its own (``t-<hex>``; every key it made is deleted
afterwards, by SCAN on that prefix — never FLUSHALL/FLUSHDB) and a PostgreSQL schema of
its own (tests/conftest.py's ``pg_url``). Without Redis the tests skip with the reason;
with ``AGGREGATOR_REQUIRE_REDIS=1`` (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT

REDIS_URL = os.environ.get("AGGREGATOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_server():
    try:
        import redis

        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        server.ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach it means skip
        reason = f"Redis at {REDIS_URL} is unreachable ({type(exc).__name__}); .ci/run starts it"
        if os.environ.get("AGGREGATOR_REQUIRE_REDIS"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    server.close()


@pytest.fixture
def prefix(redis_server):
    value = f"t-{uuid.uuid4().hex[:12]}"
    yield value
    keys = list(redis_server.scan_iter(match=f"{value}:*", count=1000))
    if keys:
        redis_server.delete(*keys)


def keys_of(server, prefix: str) -> list[str]:
    return sorted(k.decode() for k in server.scan_iter(match=f"{prefix}:*", count=1000))


def cluster_env(pg_url: str, prefix: str) -> dict:
    return {"AGGREGATOR_DB_URL": pg_url, "AGGREGATOR_REDIS_URL": REDIS_URL, "AGGREGATOR_REDIS_PREFIX": prefix}


def aggregator_cli(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aggregator.cli", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout)


def start_run(env: dict, spider: str, *spargs: str) -> int:
    args = [a for pair in spargs for a in ("-a", pair)]
    done = aggregator_cli("run", "start", spider, *args, "-s", f"AGGREGATOR_REDIS_PREFIX={env['AGGREGATOR_REDIS_PREFIX']}",
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip())
