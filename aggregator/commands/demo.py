"""`scrapy demo`: the main job, offline.

Crawls every shipped source spider whose site has a bundled copy under data/sites/
(served from disk by the offline mirror middleware: the same spiders and pipelines as
a live crawl), into the configured database, then prints a short summary.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator import config
from aggregator.db.engine import make_engine, resolve_db_url
from aggregator.db.models import Article, RelatedArticle
from aggregator.extensions.crawl_run import STATUS_KEY
from aggregator.spiders.base import NewsSpider

SITES_DIR = Path(__file__).resolve().parents[2] / "data" / "sites"


def demo_spiders(spider_loader, sites_dir: Path) -> list[type[NewsSpider]]:
    """Source spiders whose start pages all have a bundled copy."""
    out = []
    for name in spider_loader.list():
        cls = spider_loader.load(name)
        starts = list(getattr(cls, "channels", {}) or getattr(cls, "start_urls", []))
        if starts and all((sites_dir / (urlsplit(u).hostname or "")).is_dir() for u in starts):
            out.append(cls)
    return out


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}

    def short_desc(self) -> str:
        return "Crawl the bundled copies of the shipped sources offline and summarise"

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        config.exit_on_mistake(self.settings)  # one line and exit 2, before anything starts

    def run(self, args, opts) -> None:
        assert self.settings is not None and self.crawler_process is not None
        self.settings.set("AGGREGATOR_MIRROR_DIR", str(SITES_DIR), priority="cmdline")
        spiders = demo_spiders(self.crawler_process.spider_loader, SITES_DIR)
        crawlers = []
        for cls in spiders:
            crawler = self.crawler_process.create_crawler(cls)
            crawlers.append(crawler)
            self.crawler_process.crawl(crawler)
        self.crawler_process.start()
        totals: dict[str, int] = {}
        for crawler in crawlers:
            for key, value in crawler.stats.get_stats().items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        url = resolve_db_url(self.settings.get("AGGREGATOR_DB_URL"))
        with Session(make_engine(url)) as session:
            articles = session.scalar(select(func.count()).select_from(Article))
            copies = session.scalar(select(func.count()).select_from(Article).where(Article.duplicate_of.is_not(None)))
            links = session.scalar(select(func.count()).select_from(RelatedArticle))
        failed = [c.spider.name for c in crawlers if c.stats.get_value(STATUS_KEY) == "failed"]
        print(f"demo: crawled {', '.join(c.name for c in spiders)} from {SITES_DIR}")
        print(
            f"  pages fetched {totals.get('response_received_count', 0)}, "
            f"stored {totals.get('aggregator/stored/inserted', 0)} new / {totals.get('aggregator/stored/updated', 0)} updated, "
            f"duplicates {totals.get('dedup/duplicates', 0)}, "
            f"boilerplate lines removed {totals.get('boilerplate/lines_removed', 0)}"
        )
        print(f"  database {url}: {articles} articles ({copies} syndicated copies), {links} related links")
        if failed:
            print(f"  FAILED runs: {', '.join(failed)} (see crawl_runs)")
            self.exitcode = 1
