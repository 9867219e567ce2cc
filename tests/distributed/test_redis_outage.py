"""Redis goes away mid-run and comes back (a private redis-server the test kills with
SIGKILL and restarts from its append-only file; the machine's shared Redis is never
touched): the workers wait it out, and the run ends complete."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

import pytest

from tests.distributed.conftest import start_run
from tests.distributed.test_cluster import wait_all, workers
from tests.faults import harness
from tests.faults.newsite import build
from tests.faults.pgserver import free_port
from tests.mockserver import MockServer

ARTICLES = 150


class PrivateRedis:
    def __init__(self, root):
        self.port = free_port()
        self.dir = root
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # every write on disk before it is acknowledged: a SIGKILL loses nothing acknowledged
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def private_redis(tmp_path, redis_server):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    if server.proc.poll() is None:
        server.kill()


def test_workers_wait_out_a_redis_restart(private_redis, pg_url, tmp_path):
    build(tmp_path / "www", ARTICLES, per_page=25)
    with MockServer(tmp_path / "www") as server:
        env = {"AGGREGATOR_DB_URL": pg_url, "AGGREGATOR_REDIS_URL": private_redis.url, "AGGREGATOR_REDIS_PREFIX": "t"}
        run = start_run(env, "site", f"start_url={server.url}/index.html", "max_pages=100")
        crawls = workers(2, run, env, tmp_path)
        harness.wait_for_articles(crawls[0], 30)
        assert all(c.proc.poll() is None for c in crawls), "the run ended before the outage"
        private_redis.kill()
        time.sleep(3)
        private_redis.start()
        ends = wait_all(crawls)
    assert [code for code, _ in ends] == [0, 0], "\n".join(c.stderr()[-2500:] for c in crawls)
    assert any("Redis is back after" in c.stderr() for c in crawls)  # it really was away for them
    after = harness.audit(pg_url)
    assert after.stored == ARTICLES and after.half_done == []
    assert after.runs == [(run, "finished")]
