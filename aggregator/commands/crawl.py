"""`scrapy crawl <spider>`, as Scrapy's, plus two things a cron job needs:

- spider arguments are validated before anything starts; a bad one prints one line,
  ``error: <field>: <what is wrong>``, and exits 2;
- the database is opened (created, checked) before anything is fetched: an outage there
  (server down, file read-only, disk full) prints ``error: database unavailable: …`` and
  exits 1; any other database error (a bad URL) prints one line and exits 2;
- the exit code is 1 when the run failed or was interrupted (see
  aggregator/extensions/crawl_run.py); when it ended on a fatal cause (the database
  stayed unavailable), that cause is the last line, ``error: …``;
- with ``AGGREGATOR_REDIS_URL`` set, ``-s AGGREGATOR_RUN_ID=ID`` joins that distributed run
  as one more worker, with the run's spider arguments (aggregator.distributed); a missing
  or ended run, SQLite, or Redis out of reach is one ``error:`` line and exit 2.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from sqlalchemy.exc import SQLAlchemyError

from aggregator import distributed
from aggregator.db.engine import make_engine, resolve_db_url
from aggregator.db.errors import describe, is_outage
from aggregator.dbwait import FATAL_KEY
from aggregator.extensions.crawl_run import LINE_KEY, STATUS_KEY
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
        if distributed.enabled(self.settings) and not self._join_run(spidercls.name, opts):
            return
        validate = getattr(spidercls, "validate_arguments", None)
        if validate is not None:
            try:
                validate(**opts.spargs)
            except SpiderArgumentError as exc:
                self._fail(f"-a {exc}")
                return
        if not self._database_ready():
            return
        crawler = self._create_crawler(spidercls)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        status = crawler.stats.get_value(STATUS_KEY)
        if self.crawler_process.bootstrap_failed or status not in (None, "finished"):
            self.exitcode = 1
        line = crawler.stats.get_value(LINE_KEY)
        if line:  # whatever LOG_LEVEL: the one line cron mail should show
            print(line, file=sys.stderr)
        fatal = crawler.stats.get_value(FATAL_KEY)
        if fatal:
            print(f"error: {fatal}; the next run fetches what was not stored", file=sys.stderr)

    def _database_ready(self) -> bool:
        url = resolve_db_url(self.settings.get("AGGREGATOR_DB_URL"))
        try:
            make_engine(url).dispose()
        except SQLAlchemyError as exc:
            if is_outage(exc):
                print(f"error: database unavailable: {describe(exc)}; nothing was fetched", file=sys.stderr)
                self.exitcode = 1
            else:
                self._fail(f"database: {describe(exc)}")
            return False
        return True

    def _join_run(self, spider: str, opts) -> bool:
        """Distributed mode: the run to join must exist and be running, on PostgreSQL, with
        Redis reachable; the worker crawls with the run's spider arguments."""
        from aggregator.distributed.join import JoinError, run_arguments

        try:
            opts.spargs = run_arguments(self.settings, spider, opts.spargs)
        except JoinError as exc:
            self._fail(str(exc))
            return False
        return True

    def _fail(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = 2
