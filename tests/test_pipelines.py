"""Each pipeline stage on its own, with a real SQLite file where it stores."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article, RelatedArticle
from aggregator.drops import InvalidURL, NoBody
from aggregator.items import ArticleItem
from aggregator.pipelines.boilerplate import StripBoilerplatePipeline
from aggregator.pipelines.clean import CleanTextPipeline
from aggregator.pipelines.dedup import DedupPipeline
from aggregator.pipelines.relate import RelatePipeline
from aggregator.pipelines.store import StorePipeline

STORY = (
    "太原市近日出台支持科创园区发展的若干措施，对新入驻的高新技术企业给予租金补贴。\n"
    "措施明确，园区内企业研发投入达到一定比例的，可申请最高五百万元的奖励资金。\n"
    "太原市科技局有关负责人表示，这些措施将进一步优化营商环境，吸引更多科技企业落户。"
)


def item(**kw) -> ArticleItem:
    values = dict(url="https://news.example.cn/2024/0928/1.html", source="example", title="太原出台科创园区支持措施",
                  body=STORY, published_at="2024-09-28T10:00:00+08:00", fetched_at="2024-09-29T00:00:00+00:00")
    values.update(kw)
    return ArticleItem(**values)


def run(pipelines, it):
    """Pass ``it`` through the stages in order, awaiting the offloaded (async) ones."""

    async def through():
        nonlocal it
        for p in pipelines:
            it = p.process_item(it)
            if inspect.isawaitable(it):
                it = await it
        return it

    return asyncio.run(through())


@pytest.fixture
def crawler(sqlite_url):
    # batches of one, run on this thread: each stage is checked item by item here;
    # tests/test_offload.py covers batches and the worker process
    return get_crawler(settings_dict={"AGGREGATOR_DB_URL": sqlite_url, "AGGREGATOR_WORKERS": 0, "AGGREGATOR_BATCH_SIZE": 1})


def full_path(crawler):
    return [CleanTextPipeline.from_crawler(crawler), StripBoilerplatePipeline.from_crawler(crawler), DedupPipeline.from_crawler(crawler),
            StorePipeline.from_crawler(crawler), RelatePipeline.from_crawler(crawler)]


def test_clean_normalises_and_drops_empty(crawler):
    cleaned = CleanTextPipeline.from_crawler(crawler).process_item(item(title="  太原\u200b出台  措施 ", body="ＡＢＣ１２３\u3000正文"))
    assert cleaned.title == "太原出台 措施"
    assert cleaned.body == "ABC123 正文"
    with pytest.raises(NoBody):
        CleanTextPipeline.from_crawler(crawler).process_item(item(body=" \u200b \n "))


def test_boilerplate_stage_keeps_what_it_removed_and_counts_rules(crawler):
    stage = StripBoilerplatePipeline.from_crawler(crawler)
    footer = "版权声明:本文由网络蜘蛛自动收集于网络,如需转载请查明并注明出处,如有不妥之处请联系我们删除 400-0123-021 或 13391219793"
    out = stage.process_item(item(body=STORY + "\n" + footer))
    assert out.body == STORY
    assert out.removed == [footer]
    stats = crawler.stats.get_stats()
    assert stats["boilerplate/lines_removed"] == 1
    assert any(k.startswith("boilerplate/rule/") for k in stats)


def test_boilerplate_stage_strips_with_the_rules_it_has_while_the_database_is_down(crawler):
    """Learning a source's template lines reads its stored pages; with the database gone
    (nothing listens on the port) the page is stripped by the named rules, counted, and
    goes on to the store stage (which waits the outage out), instead of failing with a
    traceback."""
    from sqlalchemy import create_engine

    stage = StripBoilerplatePipeline(crawler.stats, create_engine("postgresql+psycopg://postgres@127.0.0.1:9/test"))
    footer = "版权声明:本文由网络蜘蛛自动收集于网络,如需转载请查明并注明出处,如有不妥之处请联系我们删除 400-0123-021 或 13391219793"
    out = stage.process_item(item(body=STORY + "\n" + footer))
    assert (out.body, out.removed) == (STORY, [footer])
    assert crawler.stats.get_value("boilerplate/learn_unavailable") == 1
    stage.process_item(item(body=STORY))  # not asked again before the next refresh
    assert crawler.stats.get_value("boilerplate/learn_unavailable") == 1


def test_dedup_stage_canonicalises_url_and_hashes_body(crawler):
    out = DedupPipeline.from_crawler(crawler).process_item(item(url="http://news.example.cn/2024/0928/1.html?utm_source=wx#top"))
    assert out.canonical_url == "https://news.example.cn/2024/0928/1.html"
    assert len(out.body_hash) == 64
    with pytest.raises(InvalidURL):
        DedupPipeline.from_crawler(crawler).process_item(item(url="http://[::1"))


def test_store_is_idempotent_and_updates_changed_content(crawler, sqlite_url):
    path = full_path(crawler)
    first = run(path, item())
    again = run(path, item(url="https://news.example.cn/2024/0928/1.html?spm=abc"))
    assert (first.stored, again.stored) == ("inserted", "unchanged")
    assert again.article_id == first.article_id
    changed = run(path, item(body=STORY + "\n记者补充：首批十家企业已经提交申请。"))
    assert changed.stored == "updated"
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        rows = session.scalars(select(Article)).all()
        assert len(rows) == 1 and rows[0].body.endswith("已经提交申请。") and rows[0].updated_at is not None
        assert rows[0].published_at.isoformat() == "2024-09-28T02:00:00+00:00"


def test_syndicated_copy_is_stored_and_linked_to_the_earliest(crawler, sqlite_url):
    path = full_path(crawler)
    original = run(path, item())
    copy = run(path, item(url="https://other.example.cn/a/2.html", source="other", title="转载：" + item().title,
                          body="（记者 王晓东）" + STORY.replace("，", ","), published_at="2024-09-29T08:00:00+08:00"))
    assert copy.duplicate_of == original.article_id
    assert crawler.stats.get_value("dedup/duplicates") == 1
    for stage in ("clean", "boilerplate", "dedup", "store", "relate"):
        assert crawler.stats.get_value(f"stage_cpu/{stage}") > 0


def test_relate_links_articles_sharing_keywords(crawler, sqlite_url):
    path = full_path(crawler)
    run(path, item())
    other = (
        "大同市科创园区管委会日前发布消息，园区将新建两座孵化器，面向高新技术企业开放申请。\n"
        "按照计划，入驻孵化器的科技企业可以享受三年免租，研发投入较大的企业还能获得奖励资金。\n"
        "园区负责人介绍，今年已有二十多家科技企业落户，涉及新材料、智能制造等领域。"
    )
    run(path, item(url="https://news.example.cn/2024/0929/2.html", title="大同科创园区新建孵化器", body=other))
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        links = session.scalars(select(RelatedArticle)).all()
    assert {(link.article_id, link.related_id) for link in links} == {(1, 2), (2, 1)}
    assert all(link.score > 0 and link.shared_keywords for link in links)


def test_template_lines_of_a_source_are_learned_from_its_stored_pages(sqlite_url):
    crawler = get_crawler(settings_dict={"AGGREGATOR_DB_URL": sqlite_url, "BOILERPLATE_LEARN_REFRESH": 1})
    path = full_path(crawler)
    header = "欢迎访问临港园区资讯频道"
    quote = "“科技是第一生产力、创新是第一动力。”"
    topics = ["新能源汽车", "集成电路", "生物医药", "人工智能", "高端装备", "新材料", "数字经济", "绿色低碳"]
    for n, topic in enumerate(topics):
        body = f"{header}\n园区{topic}产业今年实现较快增长，{n + 3}个重点项目开工建设，带动上下游企业集聚发展。\n"
        body += f"据介绍，{topic}领域已有{n + 12}家企业入驻，全年产值有望突破{n + 50}亿元，{topic}企业研发投入持续提高。"
        if n < 2:
            body += "\n" + quote  # a real sentence quoted by two articles
        out = run(path, item(url=f"https://park.example.cn/news/{n}.html", title=f"园区{topic}产业快速发展", body=body))
    assert header not in out.body and header in out.removed
    assert crawler.stats.get_value("boilerplate/rule/source_template") >= 1
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        quoted = session.scalars(select(Article.body).where(Article.body.contains(quote))).all()
    assert len(quoted) == 2
