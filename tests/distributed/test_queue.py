"""The run's queue over the real Redis: pops are leases, acked when done, put back when
expired, released or their worker is lost; no deprecated Scrapy API on the way."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings

import pytest
import scrapy
from scrapy.exceptions import ScrapyDeprecationWarning

from aggregator.distributed import RunKeys, delete_run_keys
from aggregator.distributed.budget import RedisListBudget
from aggregator.distributed.leases import LeaseBook
from aggregator.distributed.workers import sum_stats
from tests.conftest import ROOT


class Tiny(scrapy.Spider):
    name = "tiny"

    def parse_page(self, response):
        yield {"url": response.url}

    def parse_list(self, response):
        return [req(7)]


SPIDER = Tiny()


@pytest.fixture
def queue(redis_server, prefix):
    from aggregator.distributed.queue import LeasedQueue

    keys = RunKeys(prefix, 7)
    return LeasedQueue(redis_server, SPIDER, keys.queue, keys=keys, lease_seconds=30)


def req(n: int, priority: int = 0) -> scrapy.Request:
    return scrapy.Request(f"http://example.test/{n}", callback=SPIDER.parse_page, priority=priority, meta={"n": n})


def test_scrapy_redis_imports_with_deprecation_warnings_as_errors():
    """A deprecation in Scrapy that scrapy-redis (or our use of it) trips fails here first."""
    modules = ["scrapy_redis", "scrapy_redis.connection", "scrapy_redis.queue", "scrapy_redis.dupefilter",
               "scrapy_redis.scheduler", "scrapy_redis.picklecompat", "aggregator.distributed.queue",
               "aggregator.distributed.dupefilter", "aggregator.distributed.scheduler", "aggregator.distributed.worker",
               "aggregator.distributed.polite", "aggregator.distributed.addon", "aggregator.distributed.join"]
    code = ("import warnings; from scrapy.exceptions import ScrapyDeprecationWarning; "
            "warnings.simplefilter('error', ScrapyDeprecationWarning); import importlib; "
            + "; ".join(f"importlib.import_module({m!r})" for m in modules))
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-W", "error::PendingDeprecationWarning",
                           "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


def test_pop_is_a_lease_until_acked(queue, redis_server):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScrapyDeprecationWarning)  # request (de)serialisation included
        warnings.simplefilter("error", DeprecationWarning)
        queue.push(req(1))
        queue.push(req(2, priority=5))
        token, first = queue.pop_lease("w1:1")
    assert first.url.endswith("/2") and first.meta["n"] == 2 and first.callback.__name__ == "parse_page"
    assert queue.counts() == {"queued": 1, "leased": 1, "done": 0}
    assert queue.quiet_for() == -1
    assert queue.ack(token) is True and queue.ack(token) is False  # once
    assert queue.counts() == {"queued": 1, "leased": 0, "done": 1}


def test_released_expired_and_lost_leases_go_back_with_their_priority(queue, redis_server):
    for n, prio in ((1, 0), (2, 3), (3, 9)):
        queue.push(req(n, prio))
    t3, _ = queue.pop_lease("w1:1")
    t2, _ = queue.pop_lease("w2:1")
    t1, _ = queue.pop_lease("w12:1")
    assert queue.release([t3]) == 1  # a stopping worker hands it back
    assert queue.requeue_holder("w1") == 0  # w1's only lease is back already; w12 is not w1
    assert queue.requeue_holder("w2") == 1  # a lost worker's lease
    assert queue.counts()["queued"] == 2 and queue.counts()["leased"] == 1
    assert queue.pop_lease("w3:1")[1].meta["n"] == 3  # its priority kept
    queue.lease_seconds = 0.2
    t, _ = queue.pop_lease("w3:2")
    assert queue.renew([t]) == 1
    time.sleep(0.3)
    assert queue.requeue_expired() >= 1  # expired: no heartbeat renewed it
    assert queue.ack(t) is False  # too late: it is queued again, fetched again


def test_quiet_only_when_queue_and_leases_are_empty(queue):
    queue.push(req(1))
    assert queue.quiet_for() == -1
    token, _ = queue.pop_lease("w1:1")
    assert queue.quiet_for() == -1  # leased: not done
    queue.ack(token)
    time.sleep(0.2)
    assert 0.15 <= queue.quiet_for() < 5


def test_delete_run_keys_deletes_only_that_run(redis_server, prefix, queue):
    queue.push(req(1))
    other = RunKeys(prefix, 8)
    redis_server.set(other.done, 1)
    assert delete_run_keys(redis_server, RunKeys(prefix, 7)) == 1
    assert redis_server.get(other.done) == b"1"


class FakeQueue:
    def __init__(self):
        self.acked, self.released = [], []

    def ack(self, token):
        self.acked.append(token)
        return True

    def release(self, tokens):
        self.released += tokens
        return len(tokens)


def test_a_lease_is_done_when_its_callback_and_every_item_are():
    book = LeaseBook(q := FakeQueue())
    request = req(1)
    book.begin("w1:1|0", request, default_callback=None)
    response = scrapy.http.HtmlResponse("http://example.test/1", body=b"<html></html>", request=request)
    out = iter(request.callback(response))  # the wrapped callback
    assert next(out) == {"url": "http://example.test/1"}
    with pytest.raises(StopIteration):
        next(out)
    assert q.acked == []  # returned, but its item is still in the pipelines
    book.item_finished("w1:1|0")
    assert q.acked == ["w1:1|0"]


def test_an_item_handed_back_puts_its_page_back_in_the_queue():
    book = LeaseBook(q := FakeQueue())
    request = scrapy.Request("http://example.test/a", callback=lambda response: [{"a": 1}, {"b": 2}])
    book.begin("w1:2|0", request, default_callback=None)
    list(request.callback(None))
    book.item_finished("w1:2|0")
    book.item_finished("w1:2|0", handed_back=True)  # Interrupted / DatabaseDown
    assert q.acked == [] and q.released == ["w1:2|0"]


def test_a_retried_request_hands_its_lease_on():
    book = LeaseBook(q := FakeQueue())
    request = req(1)
    book.begin("w1:3|0", request, default_callback=None)
    again = book.restore("w1:3|0", request.replace(dont_filter=True))
    assert again.callback == SPIDER.parse_page  # picklable again
    book.handed_on("w1:3|0")
    assert q.acked == ["w1:3|0"]


def leased(book: LeaseBook, token: str, callback) -> scrapy.Request:
    request = scrapy.Request("http://example.test/list", callback=callback, meta={"aggregator_lease": token})
    book.begin(token, request, default_callback=None)
    return request


def read_page(book: LeaseBook, request: scrapy.Request) -> list:
    """Read a leased page as a worker does: its wrapped callback's output through the
    worker's spider middleware, to the end (Scrapy's scraper reads it all before it
    schedules a single request)."""
    import asyncio
    from types import SimpleNamespace

    from aggregator.distributed.spidermw import FoundRequestsMiddleware

    response = scrapy.http.HtmlResponse(request.url, body=b"<html></html>", request=request)
    mw = FoundRequestsMiddleware(SimpleNamespace(distributed_scheduler=SimpleNamespace(book=book)))

    async def read():
        async def output():
            for value in request.callback(response):
                yield value
        return [value async for value in mw.process_spider_output(response, output())]

    return asyncio.run(read())


@pytest.mark.parametrize("returns", ["a generator", "one request"])
def test_a_page_is_done_only_once_the_requests_it_found_are_queued(returns):
    """A page acked with what it found still in the worker's memory, then a SIGKILL: those
    requests are fetched by nobody, ever (the page is done)."""
    book = LeaseBook(q := FakeQueue())
    if returns == "a generator":
        def callback(response):
            yield req(1)
            yield req(2)
    else:
        def callback(response):
            return req(1)
    out = read_page(book, leased(book, "w1:4|0", callback))
    assert [r.meta["aggregator_found_by"] for r in out] == ["w1:4|0"] * (2 if returns == "a generator" else 1)
    for _ in out:
        assert q.acked == []  # read to the end, but not all it found is queued yet
        book.request_queued("w1:4|0")
    assert q.acked == ["w1:4|0"]


def test_the_scheduler_queues_a_found_request_then_acks_its_page(redis_server, prefix):
    """Over the real Redis: the found request is in the run's queue, without the page's
    mark, before the page's lease is acked; found again, it is a duplicate, and that page
    is done all the same."""
    from aggregator.distributed.scheduler import DistributedScheduler

    scheduler = DistributedScheduler(redis_server, keys=RunKeys(prefix, 11), lease_seconds=30)
    from types import SimpleNamespace

    spider = Tiny()
    spider.crawler = SimpleNamespace()  # where open() leaves the scheduler for the worker extension
    scheduler.open(spider)
    scheduler.holder = "w1"
    for n, first in ((1, True), (2, False)):
        scheduler.queue.push(scrapy.Request(f"http://example.test/list{n}", callback=spider.parse_list, dont_filter=True))
        page = scheduler.next_request()
        out = read_page(scheduler.book, page)
        assert scheduler.queue.counts()["leased"] == 1  # read, not done
        assert [scheduler.enqueue_request(r) for r in out] == [first]
        assert scheduler.queue.counts() == {"queued": 1, "leased": 0, "done": n}  # queued, then acked
    _, found = scheduler.queue.pop_lease("w2:1")
    assert found.url == "http://example.test/7" and "aggregator_found_by" not in found.meta


def test_push_unseen_records_the_fingerprint_and_queues_in_one_step(queue, redis_server, prefix):
    dupefilter = RunKeys(prefix, 7).dupefilter
    assert queue.push_unseen(req(1, priority=4), "fp-1", dupefilter) is True
    assert queue.push_unseen(req(1, priority=4), "fp-1", dupefilter) is False  # seen: not queued twice
    assert redis_server.sismember(dupefilter, "fp-1")
    assert queue.counts()["queued"] == 1
    token, back = queue.pop_lease("w1:1")
    assert token == "w1:1|-4" and back.meta["n"] == 1  # scrapy-redis's score: -priority


def test_budget_is_shared_and_counts_a_page_once(redis_server, prefix):
    keys = RunKeys(prefix, 9)
    a = RedisListBudget(redis_server, keys, 2, "http://s.test/")
    b = RedisListBudget(redis_server, keys, 2, "http://s.test/")
    assert a.take("http://s.test/") == "seen"  # the seed itself
    assert a.take("http://s.test/1") == "taken"
    # queued again (the dupefilter drops it if a is alive and queued it), counted once
    assert b.take("http://s.test/1") == "taken"
    assert b.take("http://s.test/2") == "taken"
    assert a.take("http://s.test/3") == "spent"


def test_run_stats_sum_counts_and_keep_peaks():
    total = sum_stats([
        {"response_received_count": 3, "memusage/max": 10, "start_time": "2026-01-01 10:00", "stage_cpu/relate": 0.5},
        {"response_received_count": 4, "memusage/max": 30, "start_time": "2026-01-01 09:00", "stage_cpu/relate": 0.25},
    ])
    assert total == {"response_received_count": 7, "memusage/max": 30, "start_time": "2026-01-01 09:00",
                     "stage_cpu/relate": 0.75}


def test_politeness_scripts_bound_concurrency_and_space_start_times(redis_server, prefix):
    from aggregator.distributed.polite import ACQUIRE, RESERVE

    acquire, reserve = redis_server.register_script(ACQUIRE), redis_server.register_script(RESERVE)
    slots, nxt = f"{prefix}:polite:h:slots", f"{prefix}:polite:h:next"
    # CONCURRENT_REQUESTS_PER_DOMAIN=2 across every worker; a place comes back when given back
    assert [acquire(keys=[slots], args=[2, t, 60]) for t in ("a", "b", "c")] == [1, 1, 0]
    redis_server.zrem(slots, "a")
    assert acquire(keys=[slots], args=[2, "c", 60]) == 1
    # a killed worker's place expires by itself
    assert acquire(keys=[slots], args=[3, "d", 0.1]) == 1
    time.sleep(0.15)
    assert redis_server.zscore(slots, "d") is not None and acquire(keys=[slots], args=[3, "e", 60]) == 1
    assert redis_server.zscore(slots, "d") is None
    # one start time per delay, whoever asks: 0, then 0.5, 1.0 s from now
    waits = [float(reserve(keys=[nxt], args=[0.5])) for _ in range(3)]
    assert waits[0] == 0 and 0.45 <= waits[1] <= 0.5 and 0.95 <= waits[2] <= 1.0
