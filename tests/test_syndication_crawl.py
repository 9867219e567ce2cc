"""Dedup quality through the real spiders: the syndication fixture (tests/dedup/
syndication.py, built from ../shared/data/cnews-dev.tsv) written as six static news
sites, each crawled with `scrapy crawl site` into one database; duplicate-pair
precision and recall are read back from articles.duplicate_of."""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article
from tests.conftest import run_scrapy
from tests.dedup.syndication import SITES, _page_path, build_fixture, load_cnews, true_pairs, write_sites

MIN_PRECISION = 0.98
MIN_RECALL = 0.95
ARTICLES_FROM = 250  # the first 250 cnews articles keep the crawl short; 40 of them syndicated


def key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{_page_path(url)}"


def test_syndicated_copies_found_through_the_crawl(tmp_path, sqlite_url):
    rows = load_cnews()[:ARTICLES_FROM]
    articles = build_fixture(data=rows)
    write_sites(articles, tmp_path / "sites")
    for site in SITES:
        result = run_scrapy(
            "crawl", "site", "-a", f"start_url=http://{site.host}/index.html", "-a", "max_pages=100",
            "-s", f"AGGREGATOR_MIRROR_DIR={tmp_path / 'sites'}", "-s", "RELATE_ENABLED=False", db_url=sqlite_url,
        )
        assert result.returncode == 0, result.stderr[-2000:]
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        stored = session.execute(select(Article.id, Article.fetched_url, Article.duplicate_of)).all()
    engine.dispose()
    by_key = {key(a.url): a for a in articles}
    crawled = {key(url): (aid, dup) for aid, url, dup in stored}
    assert set(crawled) == set(by_key), "every fixture article is crawled and stored once"
    keys = list(by_key)
    truth = true_pairs([by_key[k] for k in keys], keys)
    clusters: dict[int, list[str]] = {}
    for k, (aid, dup) in crawled.items():
        clusters.setdefault(dup or aid, []).append(k)
    predicted = {frozenset(p) for members in clusters.values() for p in itertools.combinations(members, 2)}
    tp = len(predicted & truth)
    precision = tp / len(predicted)
    recall = tp / len(truth)
    print(f"syndication crawl: {len(stored)} articles, {len(truth)} true pairs, {len(predicted)} found, "
          f"precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL
