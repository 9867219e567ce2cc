"""Two crawlers relating at once on PostgreSQL keep an older article's list at TOP_N.

The reverse-link step reads an *older* article's links, drops its weakest and adds the
new article. Without a lock, two workers linking two new articles to the same older
article both read its full list, both drop the same weakest link and both add theirs:
the older article ended with TOP_N + 1 links (this test failed so before
aggregator.relate.links took its advisory lock around that step).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from aggregator.db.engine import make_engine
from aggregator.db.models import Article, ArticleKeyword, RelatedArticle, Source
from aggregator.relate.store import TOP_N, link_related

OLD, NEW_A, NEW_B = 1, 100, 101


@pytest.fixture
def engine(pg_url):
    eng = make_engine(pg_url)
    now = datetime.now(timezone.utc)
    with Session(eng) as s, s.begin():
        s.execute(insert(Source).values(id=1, name="s", spider="s"))
        ids = [OLD, *range(2, 2 + TOP_N), NEW_A, NEW_B]
        s.execute(insert(Article), [{"id": i, "url": f"https://s.test/{i}", "fetched_url": f"https://s.test/{i}",
                                     "source_id": 1, "title": f"t{i}", "body": "b", "fetched_at": now,
                                     "body_hash": f"{i:064d}"} for i in ids])
        s.execute(insert(ArticleKeyword).values(article_id=OLD, keyword="光伏", weight=1.0))
        # the older article's list is full, of weak links
        s.execute(insert(RelatedArticle), [{"article_id": OLD, "related_id": i, "score": 0.1, "shared_keywords": "x"}
                                           for i in range(2, 2 + TOP_N)])
    yield eng
    eng.dispose()


def relate(engine, article_id: int, hold: float, started: threading.Event | None = None) -> None:
    with Session(engine) as s, s.begin():
        s.execute(insert(ArticleKeyword).values(article_id=article_id, keyword="光伏", weight=1.0))
        link_related(s, article_id, keywords={"光伏": 1.0})
        if started is not None:
            started.set()
        time.sleep(hold)  # the rest of the batch


def test_two_workers_linking_into_one_older_article_keep_its_list_at_top_n(engine):
    started = threading.Event()
    first = threading.Thread(target=relate, args=(engine, NEW_A, 1.0, started))
    first.start()
    assert started.wait(10)
    relate(engine, NEW_B, 0.0)  # reads the older article's links while the first batch is open
    first.join()
    with Session(engine) as s:
        links = s.scalars(select(RelatedArticle.related_id).where(RelatedArticle.article_id == OLD)).all()
    assert NEW_A in links or NEW_B in links
    assert len(links) <= TOP_N, f"the older article has {len(links)} links"
