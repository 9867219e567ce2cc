"""`scrapy check`, as Scrapy's, recording no crawl_runs row and leaving the frontier as
it was (see aggregator/commands/parse.py). Spiders whose start pages all have a bundled
copy under data/sites/ are checked against it (unless AGGREGATOR_MIRROR_DIR is set), so
the shipped sources' contracts run offline."""

from __future__ import annotations

from scrapy.commands.check import Command as ScrapyCheckCommand
from scrapy.spiderloader import get_spider_loader

from aggregator.commands.parse import NOT_A_CRAWL, use_bundled_copy


class Command(ScrapyCheckCommand):
    default_settings = {**ScrapyCheckCommand.default_settings, **NOT_A_CRAWL}

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        loader = get_spider_loader(self.settings)
        urls = []
        for name in args or loader.list():
            try:
                cls = loader.load(name)
            except KeyError:
                continue  # Scrapy's own check says so
            if any("@url" in (getattr(getattr(cls, m, None), "__doc__", None) or "") for m in dir(cls)):
                urls += list(getattr(cls, "channels", {}) or getattr(cls, "start_urls", []))
        use_bundled_copy(self.settings, urls)
