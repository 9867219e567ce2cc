"""Two real processes ingest copies of the same stories at the same moment: no duplicate
pair may be missed, the clusters must converge (one canonical per story, no chains)."""

import multiprocessing as mp
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.db.engine import make_engine
from aggregator.db.models import Article
from tests.dedup.concurrency_worker import ingest
from tests.dedup.syndication import load_cnews, paragraphs, syndicate_body


def _stories(n: int):
    rng = random.Random(7)
    texts = [t for _, t in load_cnews(required=False) or []] or None
    if texts is None:  # no dataset: synthetic but distinct bodies
        from tests.dedup.test_fingerprint import BODY

        texts = [f"第{i}号通报。" + BODY.replace("全市", f"第{i}市") * 2 for i in range(n)]
    texts = [t for t in texts if len(t) > 400][:n]
    a_items, b_items = [], []
    for i, text in enumerate(texts):
        paras = paragraphs(text)
        exact = i % 5 == 0
        ba = "\n".join(paras)
        bb = ba if exact else syndicate_body(paras, rng, drop=True)
        # alternate which process's copy was published first, so re-pointing happens
        ma, mb = (i, i + 30) if i % 2 else (i + 30, i)
        a_items.append({"story": i, "url": f"https://a.example/{i}", "body": ba, "source": "site-a", "minute": ma})
        b_items.append({"story": i, "url": f"https://b.example/{i}", "body": bb, "source": "site-b", "minute": mb})
    return a_items, b_items


def test_two_processes_never_miss_a_pair(db_url, register=None):
    engine = make_engine(db_url)  # creates the tables once, before the workers start
    engine.dispose()
    a_items, b_items = _stories(40)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [ctx.Process(target=ingest, args=(db_url, items, barrier, results, register)) for items in (a_items, b_items)]
    for p in procs:
        p.start()
    outs = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(kind == "ok" for kind, _ in outs), [o for k, o in outs if k != "ok"]
    assert all(p.exitcode == 0 for p in procs)

    story_of = {}
    for _, out in outs:
        for story, aid, _kind in out:
            story_of[aid] = story
    engine = make_engine(db_url, create_tables=False)
    with Session(engine) as s:
        rows = s.execute(select(Article.id, Article.duplicate_of, Article.published_at)).all()
    engine.dispose()
    dup = {r.id: r.duplicate_of for r in rows}
    pub = {r.id: r.published_at for r in rows}
    assert len(dup) == 2 * len(a_items)
    by_story = {}
    for aid, story in story_of.items():
        by_story.setdefault(story, []).append(aid)
    for story, ids in by_story.items():
        roots = {dup[i] or i for i in ids}
        assert len(roots) == 1, f"story {story}: pair missed or clusters diverged: {[(i, dup[i]) for i in ids]}"
        root = roots.pop()
        assert dup[root] is None  # no chains
        assert root == min(ids, key=lambda i: pub[i]), f"story {story}: canonical is not the earliest"
    # and no two stories were merged
    assert len({dup[i] or i for i in dup}) == len(by_story)
