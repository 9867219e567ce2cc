"""`scrapy crawl <spider>`, as Scrapy's, plus what a cron job needs:

- our settings (aggregator.config), the spider arguments and the database URL are
  checked before the crawler is even created: a mistake prints one line,
  ``error: <what is wrong>``, and exits 2 (an unknown ``-a`` name gets a "did you mean");
- the database is opened (created, checked) before anything is fetched: an outage there
  (server down, file read-only, disk full) prints ``error: database unavailable: …`` and
  exits 1; a URL that cannot work (no such database, a bad password, an unknown host) is
  a mistake: one line, exit 2; so is a schema older than this release's (run
  ``aggregator db upgrade``);
- the log is compact by default (aggregator/extensions/progress.py);
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

from aggregator import config, distributed
from aggregator.db.engine import make_engine, resolve_db_url
from aggregator.db import migrations
from aggregator.db.errors import describe, is_outage
from aggregator.dbwait import FATAL_KEY
from aggregator.extensions.crawl_run import LINE_KEY, STATUS_KEY
from aggregator.extensions.progress import compact_logging
from aggregator.spiders.base import SpiderArgumentError


class Command(ScrapyCrawlCommand):
    default_settings = {**ScrapyCrawlCommand.default_settings, "LOG_LEVEL": "INFO"}

    def process_options(self, args, opts) -> None:
        # Everything that can be wrong with the command line is found here, before the
        # crawler process exists: nothing is logged or fetched before the error line.
        super().process_options(args, opts)
        if len(args) != 1:
            raise UsageError("give exactly one spider name (scrapy list shows them)", print_help=False)
        try:
            for warning in config.check(self.settings):
                print(f"warning: {warning}", file=sys.stderr)
        except config.SettingError as exc:
            self._exit(f"error: {exc}", 2)
        from scrapy.spiderloader import get_spider_loader

        try:
            self.spidercls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            self._exit(f"error: unknown spider {args[0]!r} (scrapy list shows them)", 2)
        if distributed.enabled(self.settings):
            self._join_run(self.spidercls.name, opts)
        validate = getattr(self.spidercls, "validate_arguments", None)
        if validate is not None:
            try:
                validate(**opts.spargs)
            except SpiderArgumentError as exc:
                self._exit(f"error: {exc.line}", 2)
        self._check_database()
        compact_logging(self.settings)

    def run(self, args, opts) -> None:
        assert self.crawler_process
        crawler = self._create_crawler(self.spidercls)
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

    def _check_database(self) -> None:
        url = resolve_db_url(self.settings.get("AGGREGATOR_DB_URL"))
        try:
            config.check_db_url(url)
        except config.SettingError as exc:
            self._exit(f"error: {exc}", 2)
        try:
            engine = make_engine(url)
            try:
                with engine.connect() as conn:
                    revision = migrations.current(conn)
            finally:
                engine.dispose()
        except SQLAlchemyError as exc:
            if config.is_config_mistake(exc):
                self._exit(f"error: database: {describe(exc)}", 2)
            if is_outage(exc):
                self._exit(f"error: database unavailable: {describe(exc)}; nothing was fetched", 1)
            self._exit(f"error: database: {describe(exc)}", 2)
        if revision != migrations.HEAD:
            # An older schema lacks what this release writes: every batch would fail (and
            # its articles wait) until someone upgraded it. Said once, before anything runs.
            self._exit(f"error: the database schema is at {revision}, this release works with {migrations.HEAD}: "
                       "run `aggregator db upgrade` (with the crawls stopped)", 2)

    @staticmethod
    def _exit(line: str, code: int):
        print(line, file=sys.stderr)
        raise SystemExit(code)

    def _join_run(self, spider: str, opts) -> None:
        """Distributed mode: the run to join must exist and be running, on PostgreSQL, with
        Redis reachable; the worker crawls with the run's spider arguments."""
        from aggregator.distributed.join import JoinError, run_arguments

        try:
            opts.spargs = run_arguments(self.settings, spider, opts.spargs)
        except JoinError as exc:
            self._exit(f"error: {exc}", 2)
