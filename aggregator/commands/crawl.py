"""`scrapy crawl <spider>`, as Scrapy's, plus two things a cron job needs:

- spider arguments are validated before anything starts; a bad one prints one line,
  ``error: <field>: <what is wrong>``, and exits 2;
- the exit code is 1 when the run failed (see aggregator/extensions/crawl_run.py).
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from aggregator.extensions.crawl_run import STATUS_KEY
from aggregator.spiders.base import SpiderArgumentError


class Command(ScrapyCrawlCommand):
    default_settings = {**ScrapyCrawlCommand.default_settings, "LOG_LEVEL": "INFO"}

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name (scrapy list shows them)", print_help=False)
        assert self.crawler_process
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            self._fail(f"unknown spider {args[0]!r} (scrapy list shows them)")
            return
        validate = getattr(spidercls, "validate_arguments", None)
        if validate is not None:
            try:
                validate(**opts.spargs)
            except SpiderArgumentError as exc:
                self._fail(f"-a {exc}")
                return
        crawler = self._create_crawler(spidercls)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or crawler.stats.get_value(STATUS_KEY) == "failed":
            self.exitcode = 1

    def _fail(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = 2
