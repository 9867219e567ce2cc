"""`scrapy reprocess [--source NAME]`: re-run extraction and cleaning over stored pages.

Nothing is fetched: each stored raw page (``articles.raw_html``) goes through the same
page-to-item code as a fresh crawl and the same item pipelines (clean, boilerplate,
dedup, store, relate), so rows are updated in place with whatever the current
extractor and rules make of them. Use it after improving a rule or a source's selectors.
"""

from __future__ import annotations

import functools
import sys

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.spiderloader import get_spider_loader
from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator import config
from aggregator import drops
from aggregator.db.engine import engine_for_crawler, make_engine, resolve_db_url
from aggregator.db.models import Article, Source
from aggregator.db.store import decompress_page
from aggregator.extract.pages import article_page_links
from aggregator.page import PageDropped, page_to_item

BATCH = 200


class ReprocessSpider(scrapy.Spider):
    """Feeds stored pages to the item pipelines; not a crawler, so not in `scrapy list`."""

    name = "reprocess"
    fetches_pages = False  # the run verdict must not expect responses
    custom_settings = {"INCREMENTAL_ENABLED": False}

    def __init__(self, source: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.source = source

    async def start(self):
        engine = engine_for_crawler(self.crawler)
        query = select(Article.id).join(Source).where(Article.raw_html.is_not(None)).order_by(Article.id)
        if self.source:
            query = query.where(Source.name == self.source)
        with Session(engine) as session:
            ids = session.scalars(query).all()
        for start in range(0, len(ids), BATCH):
            with Session(engine) as session:
                rows = session.execute(
                    select(Article.fetched_url, Article.url, Article.raw_html, Article.encoding, Article.fetched_at,
                           Article.category, Source.name, Source.spider)
                    .join(Source).where(Article.id.in_(ids[start:start + BATCH])).order_by(Article.id)
                ).all()
            for row in rows:
                item = self.item_for(row)
                if item is not None:
                    yield item

    def item_for(self, row):
        url = row.fetched_url or row.url
        raw = decompress_page(row.raw_html)
        if article_page_links(raw, url):
            # only page 1 of a multi-page article is kept: re-extracting it alone would cut
            # the stored article down to its first page
            self.crawler.stats.inc_value("reprocess/multipage_kept")
            return None
        try:
            return page_to_item(
                raw,
                url,
                source=row.name,
                fetched_at=row.fetched_at,
                encoding=row.encoding,
                selectors=self.selectors_of(row.spider),
                category=row.category,
                min_body_chars=config.value(self.settings, "AGGREGATOR_MIN_BODY_CHARS"),
            )
        except PageDropped as exc:
            drops.count_page_drop(self.crawler.stats, exc.reason, url, str(exc))
            return None

    def selectors_of(self, spider_name: str) -> dict | None:
        """The source spider's own selectors, so its pages are read as when crawled."""
        try:
            return getattr(self.spider_loader.load(spider_name), "selectors", None)
        except KeyError:
            return None

    @functools.cached_property
    def spider_loader(self):
        return get_spider_loader(self.settings)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[--source NAME]"

    def short_desc(self) -> str:
        return "Re-run extraction and cleaning over stored pages, without fetching"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--source", metavar="NAME", help="only this source (sources.name)")

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        config.exit_on_mistake(self.settings)  # one line and exit 2, before anything starts

    def run(self, args, opts) -> None:
        assert self.settings is not None and self.crawler_process is not None
        if opts.source:
            with Session(make_engine(resolve_db_url(self.settings.get("AGGREGATOR_DB_URL")))) as session:
                known = session.scalars(select(Source.name)).all()
            if opts.source not in known:
                print(f"error: --source: no source named {opts.source!r} (known: {', '.join(known) or 'none'})", file=sys.stderr)
                self.exitcode = 2
                return
        crawler = self.crawler_process.create_crawler(ReprocessSpider)
        self.crawler_process.crawl(crawler, source=opts.source)
        self.crawler_process.start()
        stats = crawler.stats.get_stats()
        print(
            f"reprocess: {stats.get('item_scraped_count', 0)} pages re-cleaned, "
            f"{stats.get('aggregator/stored/updated', 0)} rows updated, "
            f"{stats.get('aggregator/stored/unchanged', 0)} unchanged, "
            f"dropped {drops.dropped_by_reason(stats) or 'none'}"
        )
        if stats.get("aggregator/run_status") == "failed":
            self.exitcode = 1
