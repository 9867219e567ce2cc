"""Small components: the offline mirror, the run verdict, spider argument checks, category."""

from __future__ import annotations

import pytest
from parsel import Selector

from aggregator.category import category_from_page
from aggregator.extensions.crawl_run import run_status, run_summary
from aggregator.outcome import judge
from aggregator.middlewares.mirror import mirror_path
from aggregator.spiders.article import ArticleSpider
from aggregator.spiders.base import SpiderArgumentError
from aggregator.spiders.site import SiteSpider


def test_mirror_maps_urls_inside_the_copy_only(tmp_path):
    (tmp_path / "a.example" / "post").mkdir(parents=True)
    assert mirror_path(tmp_path, "https://a.example/post/1.html") == (tmp_path / "a.example/post/1.html").resolve()
    assert mirror_path(tmp_path, "http://a.example/") == (tmp_path / "a.example/index.html").resolve()
    assert mirror_path(tmp_path, "https://b.example/x.html") is None
    assert mirror_path(tmp_path, "https://a.example/../../etc/passwd") is None


@pytest.mark.parametrize("stats, cause", [
    ({"item_dropped_reasons_count/StoreFailed": 1}, "storage"),
    ({"item_dropped_reasons_count/DatabaseDown": 3}, "storage"),
    ({"aggregator/list_failed/unreachable": 1}, "site_unreachable"),
    ({"aggregator/list_failed/gone": 1}, "channel_gone"),
    ({"aggregator/list_failed/http": 2}, "list_page_failed"),
    ({"aggregator/article_pages/failed": 3, "aggregator/article_pages/fetched": 9}, "article_pages_failed"),
    ({"spider_exceptions/count": 1}, "exceptions"),
    ({"aggregator/item_errors": 1}, "exceptions"),
    ({"relate/errors": 1}, "exceptions"),
])
def test_each_cause_fails_the_run_and_is_named(stats, cause):
    outcome = judge("finished", {"response_received_count": 10, **stats})
    assert (outcome.status, list(outcome.problems), outcome.exit_code) == ("failed", [cause], 1)


def test_a_few_dead_article_links_do_not_fail_the_run():
    stats = {"response_received_count": 30, "aggregator/article_pages/failed": 2, "aggregator/article_pages/fetched": 25,
             "aggregator/page_dropped/http_error": 2, "log_count/ERROR": 2}
    outcome = judge("finished", stats)
    assert (outcome.status, outcome.problems, outcome.exit_code) == ("finished", {}, 0)
    assert judge("finished", stats, max_failed_share=0.05).status == "failed"


def test_run_verdict():
    ok = {"response_received_count": 3}
    assert run_status("finished", ok) == "finished"
    assert run_status("shutdown", ok) == "interrupted"
    assert run_status("database_unavailable", ok) == "failed"
    # Scrapy's own ERROR lines ("Gave up retrying" for one dead link) decide nothing
    assert run_status("finished", {**ok, "log_count/ERROR": 1}) == "finished"
    assert run_status("finished", {}) == "failed"
    summary = run_summary({"response_received_count": 3, "aggregator/stored/inserted": 2,
                           "aggregator/page_dropped/not_html": 1, "item_dropped_reasons_count/NoBody": 2})
    assert summary["items_stored"] == 2
    assert summary["items_dropped"] == {"not_html": 1, "NoBody": 2}


@pytest.mark.parametrize("kwargs, field", [
    ({}, "start_url"),
    ({"start_url": "not a url"}, "start_url"),
    ({"start_url": "https://a.cn/", "max_pages": "0"}, "max_pages"),
    ({"start_url": "https://a.cn/", "allow": "[a-"}, "allow"),
])
def test_site_arguments_are_validated_with_the_field_named(kwargs, field):
    with pytest.raises(SpiderArgumentError) as info:
        SiteSpider.validate_arguments(**kwargs)
    assert info.value.field == field


def test_article_spider_reads_a_urls_file(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("# pages to fetch\nhttps://a.cn/1.html\n\nhttps://a.cn/2.html\n", encoding="utf-8")
    spider = ArticleSpider(urls_file=str(urls))
    assert spider.urls == ["https://a.cn/1.html", "https://a.cn/2.html"]
    urls.write_text("https://a.cn/1.html\nnot-a-url\n", encoding="utf-8")
    with pytest.raises(SpiderArgumentError, match="urls_file line 2"):
        ArticleSpider(urls_file=str(urls))


def test_category_from_meta_or_breadcrumb():
    assert category_from_page(Selector(text='<meta property="article:section" content="产业园区">')) == "产业园区"
    crumb = '<div class="place">当前位置:<a href="/">首页</a> &gt; <a href="/c1.html">太原产业信息</a> &gt; 正文内容</div>'
    assert category_from_page(Selector(text=crumb)) == "太原产业信息"
    assert category_from_page(Selector(text="<p>没有栏目</p>")) is None


def test_stored_pages_are_found_by_canonical_or_fetched_url(sqlite_url):
    from datetime import datetime, timezone

    from sqlalchemy.orm import Session

    from aggregator.db.engine import make_engine
    from aggregator.db.store import source_id, upsert_article
    from aggregator.middlewares.incremental import stored_urls

    engine = make_engine(sqlite_url)
    now = datetime(2024, 9, 28, tzinfo=timezone.utc)
    with Session(engine) as session, session.begin():
        sid = source_id(session, "s", "site")
        for url, fetched in (("https://a.cn/p/1", "http://a.cn/p/1.html?utm_source=x"),  # rel=canonical elsewhere
                             ("https://a.cn/p/2.html", "http://a.cn/p/2.html")):
            upsert_article(session, {"url": url, "fetched_url": fetched, "source_id": sid, "title": "t", "body": "b",
                                     "fetched_at": now, "published_at": now, "body_hash": url})
    with Session(engine) as session:
        found = stored_urls(session, ["http://a.cn/p/1.html?utm_source=x", "http://a.cn/p/2.html?spm=1", "http://a.cn/p/3.html"])
    assert set(found) == {"http://a.cn/p/1.html?utm_source=x", "http://a.cn/p/2.html?spm=1"}
