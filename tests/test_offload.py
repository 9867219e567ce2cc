"""Batches beside the reactor (aggregator.offload) and the store stage's batch function."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator.db.engine import make_engine
from aggregator.db.models import Article
from aggregator.dedup import body_hash
from aggregator.offload import MAX_WORKER_DEATHS, Batcher, Worker, WorkerDied
from aggregator.pipelines.store import store_batch

CALLS: list[list] = []


def double(batch: list[int]) -> list[int]:
    CALLS.append(list(batch))
    return [2 * x for x in batch]


def pid_of(batch: list[int]) -> list[int]:
    return [os.getpid()] * len(batch)


def die(batch):
    os._exit(3)


def die_once(batch: list[str]) -> list[int]:
    """Dies the first time (leaving a flag file), works the next."""
    flag = batch[0]
    if not os.path.exists(flag):
        open(flag, "w").close()
        os._exit(3)
    return [os.getpid()] * len(batch)


def fail(batch):
    raise ValueError("database went away")


def short(batch):
    return batch[:-1]


def stats():
    return MemoryStatsCollector(get_crawler())


def test_batches_fill_up_and_every_caller_gets_its_own_result_in_order():
    CALLS.clear()
    s = stats()

    async def main():
        batcher = Batcher("t", double, worker=None, stats=s, size=2, seconds=60)
        tasks = [asyncio.ensure_future(batcher.submit(i)) for i in range(5)]
        await asyncio.sleep(0)
        await batcher.drain()  # the fifth would otherwise wait for the 60 s timer
        return await asyncio.gather(*tasks)

    assert asyncio.run(main()) == [0, 2, 4, 6, 8]
    assert CALLS == [[0, 1], [2, 3], [4]]
    assert s.get_value("offload/batches/t") == 3
    assert s.get_value("stage_cpu/t") >= 0


def test_a_partial_batch_runs_after_the_time_limit():
    CALLS.clear()

    async def main():
        batcher = Batcher("t", double, worker=None, stats=stats(), size=50, seconds=0.05)
        return await asyncio.wait_for(asyncio.gather(batcher.submit(1), batcher.submit(2)), timeout=5)

    assert asyncio.run(main()) == [2, 4]
    assert CALLS == [[1, 2]]


@pytest.mark.parametrize("fn", [fail, short])
def test_a_failed_batch_fails_each_of_its_items(fn):
    async def main():
        batcher = Batcher("t", fn, worker=None, stats=stats(), size=3, seconds=60)
        return await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)

    results = asyncio.run(main())
    assert len(results) == 3 and all(isinstance(r, Exception) for r in results)


def test_batches_run_in_a_worker_process_which_is_restarted_when_it_dies():
    s = stats()
    worker = Worker("w", s)

    async def batch(fn):
        batcher = Batcher("t", fn, worker=worker, stats=s, size=3, seconds=60)
        return await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)

    try:
        pids = asyncio.run(batch(pid_of))
        assert len(set(pids)) == 1 and pids[0] != os.getpid()
        assert s.get_value("offload/rss_max/w") > 0
        died = asyncio.run(batch(die))  # dies on every try: run again, then given up
        assert all(isinstance(r, WorkerDied) for r in died)  # each item learns of it
        assert s.get_value("offload/worker_restarts") == 1 + MAX_WORKER_DEATHS
        assert s.get_value("offload/batch_retries/t") == MAX_WORKER_DEATHS
        again = asyncio.run(batch(pid_of))  # a new process takes the next batch
        assert len(set(again)) == 1 and again[0] not in (os.getpid(), pids[0])
    finally:
        worker.shutdown()


def test_a_batch_whose_worker_died_runs_again_on_a_new_worker(tmp_path):
    s = stats()
    worker = Worker("w", s)
    flag = str(tmp_path / "died-once")

    async def main():
        batcher = Batcher("t", die_once, worker=worker, stats=s, size=3, seconds=60)
        return await asyncio.gather(*(batcher.submit(flag) for _ in range(3)))

    try:
        pids = asyncio.run(main())
    finally:
        worker.shutdown()
    assert len(set(pids)) == 1 and pids[0] != os.getpid()  # every item got its result
    assert s.get_value("offload/worker_restarts") == 1
    assert s.get_value("offload/batch_retries/t") == 1


def _item(i: int, **kw) -> dict:
    body = f"第{i}篇：太原市近日出台支持科创园区发展的若干措施，对新入驻的高新技术企业给予租金补贴和研发奖励。"
    values = dict(url=f"https://news.example.cn/{i}.html", canonical_url=f"https://news.example.cn/{i}.html", source="example",
                  title=f"标题{i}", body=body, published_at=None, date_source=None, author=None, origin=None, editor=None,
                  category=None, fetched_at=datetime.now(timezone.utc).isoformat(), body_hash=body_hash(body), removed=[],
                  raw_html=b"<html></html>", encoding="utf-8")
    values.update(kw)
    return values


def test_store_batch_stores_the_good_items_when_one_item_is_bad(sqlite_url):
    make_engine(sqlite_url).dispose()
    items = [_item(0), _item(1, body=None), _item(2)]  # articles.body is NOT NULL
    results = store_batch(sqlite_url, "test", True, True, items)
    assert [r["outcome"] for r in results] == ["inserted", None, "inserted"]
    assert results[1]["error"] and "IntegrityError" in results[1]["error"]
    with Session(make_engine(sqlite_url, create_tables=False)) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 2


def test_copies_inside_one_batch_find_each_other(sqlite_url):
    make_engine(sqlite_url).dispose()
    story = "新华社太原9月28日电 " + "山西省太原市今年以来大力推进工业园区建设，新能源汽车、光伏和先进制造产业集聚发展，一批重点项目签约落地。" * 4
    items = [_item(0, body=story), _item(1, body="（记者 张三）" + story, source="other"), _item(2)]
    items[1]["body_hash"] = body_hash(items[1]["body"])
    results = store_batch(sqlite_url, "test", True, True, items)
    # they find each other, but only the later one added a copy to the story
    assert results[0]["dedup"] is None and results[1]["dedup"] == "near"
    assert results[2]["dedup"] is None
    ids = [r["article_id"] for r in results[:2]]
    dups = [r["duplicate_of"] for r in results[:2]]
    assert dups in ([None, ids[0]], [ids[1], None])  # one canonical, the other points at it


def test_a_rel_canonical_pointing_at_another_stored_article_cannot_overwrite_it(sqlite_url):
    make_engine(sqlite_url).dispose()
    victim = _item(1)
    store_batch(sqlite_url, "test", True, True, [victim])
    # page 2 names page 1 as its canonical, but is another story
    hijack = _item(2, canonical_url=victim["url"])
    (result,) = store_batch(sqlite_url, "test", True, True, [hijack])
    # the same page reached by another URL (same body) may still fold into page 1
    alias = _item(1, url="https://news.example.cn/1.html?from=list", canonical_url=victim["url"])
    (same,) = store_batch(sqlite_url, "test", True, True, [alias])
    with Session(make_engine(sqlite_url, create_tables=False)) as s:
        rows = {a.url: (a.title, a.fetched_url) for a in s.scalars(select(Article))}
    assert rows == {victim["url"]: ("标题1", victim["url"]), "https://news.example.cn/2.html": ("标题2", hijack["url"])}
    assert result["outcome"] == "inserted" and same["outcome"] == "unchanged"
