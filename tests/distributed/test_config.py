"""Distributed mode's bad settings: one ``error:`` line and exit 2, before anything is
fetched; the run's spider arguments are the workers'."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.distributed.conftest import REDIS_URL, aggregator_cli, cluster_env, start_run


def crawl(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr[-2000:]
    # (Scrapy's own start-up lines come first, as for any `scrapy crawl`)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return errors[0]


def test_sqlite_is_refused(tmp_path, redis_server):
    env = {"AGGREGATOR_DB_URL": f"sqlite:///{tmp_path / 'x.db'}", "AGGREGATOR_REDIS_URL": REDIS_URL}
    line = one_error_line(crawl("site", "-s", "AGGREGATOR_RUN_ID=1", env=env))
    assert "needs PostgreSQL" in line
    line = one_error_line(aggregator_cli("run", "start", "site", "-a", "start_url=http://127.0.0.1:9/", env=env))
    assert "needs PostgreSQL" in line


def test_a_worker_needs_a_run_that_exists(pg_url, prefix):
    env = cluster_env(pg_url, prefix)
    assert "AGGREGATOR_RUN_ID: required" in one_error_line(crawl("site", env=env))
    assert "run 999 does not exist" in one_error_line(crawl("site", "-s", "AGGREGATOR_RUN_ID=999", env=env))
    unreachable = {**env, "AGGREGATOR_REDIS_URL": "redis://127.0.0.1:9/0"}
    assert "redis: cannot reach" in one_error_line(crawl("site", "-s", "AGGREGATOR_RUN_ID=1", env=unreachable))


def test_workers_crawl_with_the_runs_arguments(pg_url, prefix):
    env = cluster_env(pg_url, prefix)
    run = start_run(env, "site", "start_url=http://127.0.0.1:9/index.html", "max_pages=3")
    line = one_error_line(crawl("site", "-s", f"AGGREGATOR_RUN_ID={run}", "-s", f"AGGREGATOR_REDIS_PREFIX={prefix}",
                                "-a", "max_pages=5", env=env))
    assert "max_pages='3'" in line
    line = one_error_line(crawl("article", "-s", f"AGGREGATOR_RUN_ID={run}", env=env))
    assert "crawls with the spider 'site'" in line
    status = aggregator_cli("run", "status", str(run), "-s", f"AGGREGATOR_REDIS_PREFIX={prefix}", env=env)
    assert status.returncode == 0, status.stderr
    assert "1 queued, 0 leased, 0 done" in status.stdout and "no worker has joined yet" in status.stdout
