"""Three worker processes share one run over the real Redis and PostgreSQL: every page
fetched once, one row per article, complete; the workers end together; a worker killed
with SIGKILL loses nothing and is marked lost; politeness holds cluster-wide."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import create_engine, text

from tests.distributed.conftest import aggregator_cli, cluster_env, keys_of, start_run
from tests.faults import harness
from tests.faults.newsite import build
from tests.mockserver import MockServer

ARTICLES = 1000
QUIET, HEARTBEAT = 2, 1
#: a worker's own shutdown after it decided to end (engine stop, offload workers): measured ~1-2 s
TEARDOWN = 6


@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("dist-site")
    site = build(root / "www", ARTICLES, per_page=25)
    with MockServer(root / "www") as server:
        yield site, server


def expected_stories(site) -> set[frozenset[str]]:
    """Each original with its syndicated copies, in the terms of harness.audit."""
    stories: dict[str, set[str]] = {}
    for copy, original in site.copies.items():
        stories.setdefault(original, {original}).add(copy)
    return {frozenset(p.lstrip("/") for p in members) for members in stories.values()}


def assert_stories_linked(after: harness.Audit, site) -> None:
    """Every exact copy is in its original's story (near-duplicate detection may add a
    similar article to a story: the generated bodies share sentences)."""
    unlinked = [s for s in expected_stories(site) if not any(s <= found for found in after.stories)]
    assert not unlinked, f"{len(unlinked)} stories not linked, e.g. {sorted(unlinked[0])}"


def workers(n: int, run: int, env: dict, tmp_path, *extra: str, entry: tuple[str, ...] = ("-m", "scrapy"),
            name: str = "w") -> list[harness.Crawl]:
    settings = ["-s", f"AGGREGATOR_RUN_ID={run}", "-s", f"AGGREGATOR_REDIS_PREFIX={env['AGGREGATOR_REDIS_PREFIX']}",
                "-s", f"AGGREGATOR_DISTRIBUTED_QUIET_SECONDS={QUIET}", "-s", f"AGGREGATOR_HEARTBEAT_SECONDS={HEARTBEAT}",
                *extra]
    return [harness.Crawl(["site", *settings], env["AGGREGATOR_DB_URL"], env, entry=entry).start(tmp_path / f"{name}{i}.log")
            for i in range(n)]


class Drained:
    """When the run's queue and leases last became empty (watched in Redis)."""

    def __init__(self, server, prefix: str, run: int):
        self.server, self.keys = server, [f"{prefix}:run:{run}:queue", f"{prefix}:run:{run}:leases"]
        self.since: float | None = None

    def look(self) -> None:
        pipe = self.server.pipeline(transaction=False)
        for key in self.keys:
            pipe.zcard(key)
        empty = not any(pipe.execute())
        if not empty:
            self.since = None
        elif self.since is None:
            self.since = time.monotonic()


def wait_all(crawls: list[harness.Crawl], timeout: float = 150, drained: Drained | None = None) -> list[tuple[int, float]]:
    """(exit code, time.monotonic() at exit) of each crawl."""
    deadline = time.monotonic() + timeout
    ended: dict[int, tuple[int, float]] = {}
    while len(ended) < len(crawls):
        assert time.monotonic() < deadline, "workers still running"
        if drained is not None and not ended:
            drained.look()
        for i, c in enumerate(crawls):
            if i not in ended and c.proc.poll() is not None:
                ended[i] = (c.proc.returncode, time.monotonic())
        time.sleep(0.05)
    return [ended[i] for i in range(len(crawls))]


def db_rows(url: str, sql: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    engine.dispose()
    return rows


def site_hits(server: MockServer) -> dict[str, list[float]]:
    with server.httpd.lock:
        return {path: list(times) for path, times in server.httpd.hits.items()}


def test_three_workers_share_one_run(big_site, pg_url, prefix, redis_server, tmp_path):
    site, server = big_site
    server.httpd.hits.clear()
    env = cluster_env(pg_url, prefix)
    run = start_run(env, "site", f"start_url={server.url}/index.html", "max_pages=100")
    crawls = workers(3, run, env, tmp_path)
    drained = Drained(redis_server, prefix, run)
    ends = wait_all(crawls, drained=drained)
    for (code, _), crawl in zip(ends, crawls):
        assert code == 0, crawl.stderr()[-3000:]
    hits = site_hits(server)
    # every worker ended once the queue and every lease had been empty QUIET s: within
    # QUIET + a heartbeat of the last ack (plus its own shutdown), and within a second or so
    # of each other
    exits = [t for _, t in ends]
    assert drained.since is not None
    assert max(exits) - drained.since <= QUIET + HEARTBEAT + TEARDOWN, (max(exits) - drained.since)
    assert min(exits) - drained.since >= QUIET - 0.5  # none ended before the quiet period
    assert max(exits) - min(exits) <= HEARTBEAT + 1
    # each page fetched exactly once cluster-wide (robots.txt once per worker)
    twice = {p: len(t) for p, t in hits.items() if len(t) != 1 and p != "/robots.txt"}
    assert not twice, f"fetched more than once: {sorted(twice.items())[:5]}"
    assert sum(1 for p in hits if p.startswith("/post/")) == ARTICLES
    assert len(hits["/robots.txt"]) == 3
    after = harness.audit(pg_url)
    assert after.stored == ARTICLES and len(after.urls) == ARTICLES
    assert after.half_done == [] and after.silent == []
    assert_stories_linked(after, site)  # every syndicated copy linked to its story
    # one run row with the workers' stats summed; three workers, finished
    runs = db_rows(pg_url, "SELECT id, status, items_stored, pages_fetched FROM crawl_runs")
    assert [(r.id, r.status) for r in runs] == [(run, "finished")]
    ws = db_rows(pg_url, "SELECT status, items_stored, pages_fetched FROM crawl_run_workers ORDER BY id")
    assert [w.status for w in ws] == ["finished"] * 3
    assert runs[0].items_stored == sum(w.items_stored for w in ws) == ARTICLES
    assert runs[0].pages_fetched == sum(w.pages_fetched for w in ws) == sum(len(t) for t in hits.values())
    assert all(w.pages_fetched > 0 for w in ws), [w.pages_fetched for w in ws]  # each took a share
    # the run's keys are gone
    assert [k for k in keys_of(redis_server, prefix) if k.startswith(f"{prefix}:run:")] == []
    # health reads the run, not its three processes
    health = aggregator_cli("health", "--db", pg_url, env={})
    assert health.returncode == 0, health.stdout + health.stderr
    print(f"pages per worker: {[w.pages_fetched for w in ws]}; exits {[round(t - drained.since, 2) for t in exits]} s "
          "after the run drained")


def test_a_killed_worker_loses_nothing(big_site, pg_url, prefix, redis_server, tmp_path):
    site, server = big_site
    server.httpd.hits.clear()
    env = cluster_env(pg_url, prefix)
    run = start_run(env, "site", f"start_url={server.url}/index.html", "max_pages=100")
    crawls = workers(3, run, env, tmp_path)
    victim = crawls[1]
    harness.strike_when_busy(victim, 250)  # mid-run: it holds leases and a batch in its store stage
    victim_worker = db_rows(pg_url, f"SELECT id FROM crawl_run_workers WHERE pid = {victim.pid}")[0].id
    victim.signal_group(signal.SIGKILL)
    ends = wait_all([c for c in crawls if c is not victim])
    for code, _ in ends:
        assert code == 0, "\n".join(c.stderr()[-2000:] for c in crawls if c is not victim)
    hits = site_hits(server)
    assert sum(1 for p in hits if p.startswith("/post/")) == ARTICLES  # nothing left unfetched
    after = harness.audit(pg_url)
    assert after.stored == ARTICLES, f"{ARTICLES - after.stored} articles lost"
    assert after.half_done == [] and after.silent == []
    assert_stories_linked(after, site)
    assert [(r.id, r.status) for r in db_rows(pg_url, "SELECT id, status FROM crawl_runs")] == [(run, "finished")]
    statuses = dict(db_rows(pg_url, "SELECT id, status FROM crawl_run_workers"))
    assert statuses.pop(victim_worker) == "lost"
    assert set(statuses.values()) == {"finished"}
    assert [k for k in keys_of(redis_server, prefix) if k.startswith(f"{prefix}:run:")] == []
    refetched = sum(1 for p, t in hits.items() if len(t) > 1 and p != "/robots.txt")
    print(f"pages fetched again after the kill: {refetched}")


@pytest.mark.parametrize("instant", ["ack-list:3", "take-list:3"])
def test_a_worker_killed_at_the_worst_instant_loses_nothing(instant, big_site, pg_url, prefix, redis_server, tmp_path):
    """The instants a SIGKILL at random (the test above) hits only now and then, every
    time (tests/distributed/dying_worker.py): the worker dies right after its third list
    page (index, page 1, page 2) is acked — that page is never fetched again, so what it
    found must be in the run's queue by then — or right after the shared budget gave it
    page 3, not queued yet — page 2, read again by the other worker, must still queue it.
    Else the rest of the site is lost, and the run still ends "finished"."""
    site, server = big_site
    server.httpd.hits.clear()
    env = cluster_env(pg_url, prefix)
    run = start_run(env, "site", f"start_url={server.url}/index.html", "max_pages=100")
    [victim] = workers(1, run, env, tmp_path, entry=("-m", "tests.distributed.dying_worker", instant), name="victim")
    assert victim.wait(timeout=120) == -signal.SIGKILL, victim.stderr()[-3000:]
    assert "dying_worker: SIGKILL right after" in victim.stderr()  # the hook struck, not something else
    [survivor] = workers(1, run, env, tmp_path, name="survivor")
    [(code, _)] = wait_all([survivor])
    assert code == 0, survivor.stderr()[-3000:]
    hits = site_hits(server)
    fetched = sum(1 for p in hits if p.startswith("/post/"))
    assert fetched == ARTICLES, f"{ARTICLES - fetched} articles never fetched"
    after = harness.audit(pg_url)
    assert after.stored == ARTICLES, f"{ARTICLES - after.stored} articles lost"
    assert after.half_done == [] and after.silent == []
    assert [(r.id, r.status) for r in db_rows(pg_url, "SELECT id, status FROM crawl_runs")] == [(run, "finished")]
    assert sorted(s for (s,) in db_rows(pg_url, "SELECT status FROM crawl_run_workers")) == ["finished", "lost"]
    assert [k for k in keys_of(redis_server, prefix) if k.startswith(f"{prefix}:run:")] == []


def test_politeness_is_cluster_wide(pg_url, prefix, tmp_path):
    build(tmp_path / "www", 30, per_page=10)
    with MockServer(tmp_path / "www") as server:
        env = cluster_env(pg_url, prefix)
        run = start_run(env, "site", f"start_url={server.url}/index.html", "max_pages=100")
        crawls = workers(3, run, env, tmp_path, "-s", "DOWNLOAD_DELAY=0.2")
        ends = wait_all(crawls)
        assert [code for code, _ in ends] == [0, 0, 0], crawls[0].stderr()[-2000:]
        times = sorted(t for ts in site_hits(server).values() for t in ts)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) >= 30
    # at least DOWNLOAD_DELAY between any two requests to the site, whichever worker sent them
    # (tolerance: a busy worker's event loop may send a few ms past its start time)
    assert min(gaps) >= 0.2 - 0.03, sorted(gaps)[:5]
    print(f"{len(times)} requests, gaps min {min(gaps):.3f} s, median {sorted(gaps)[len(gaps) // 2]:.3f} s")
