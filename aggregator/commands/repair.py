"""`scrapy repair`: finish the articles that interrupted runs left pending.

A crawl that was killed, lost its worker or its database mid-way leaves rows that still
owe their dedup signature and story link, or their keywords, regions and related links
(``articles.dedup_pending``, ``relate_pending``; see aggregator/pending.py). Every crawl
finishes them at its start; this command does it without crawling. It marks runs whose
process died ``interrupted`` first, and leaves alone what running crawls still owe.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy.commands import ScrapyCommand
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aggregator import config
from aggregator import pending
from aggregator.db.engine import make_engine, resolve_db_url
from aggregator.db.errors import describe
from aggregator.db.models import CrawlRun
from aggregator.relate.store import options_from_settings
from aggregator.runs import mark_dead_runs, this_host


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def short_desc(self) -> str:
        return "Finish the articles that interrupted crawls left half-done (dedup, keywords, links)"

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        config.exit_on_mistake(self.settings)  # one line and exit 2, before anything starts

    def run(self, args, opts) -> None:
        assert self.settings is not None
        settings = self.settings
        try:
            self.exitcode = self._repair(settings)
        except SQLAlchemyError as exc:
            print(f"error: database: {describe(exc)}", file=sys.stderr)
            self.exitcode = 1

    def _repair(self, settings) -> int:
        url = resolve_db_url(settings.get("AGGREGATOR_DB_URL"))
        engine = make_engine(url)
        now = datetime.now(timezone.utc)
        with Session(engine) as session, session.begin():
            run = CrawlRun(spider="repair", started_at=now, status="running", items_dropped={}, stats={},
                           host=this_host(), pid=os.getpid(), heartbeat_at=now)
            session.add(run)
            session.flush()
            run_id = run.id
            dead = mark_dead_runs(session, exclude=run_id,
                                  heartbeat_seconds=config.value(settings, "AGGREGATOR_HEARTBEAT_SECONDS"))
        if dead:
            print(f"repair: runs {', '.join(map(str, dead))} had died: marked interrupted")
        factory = sessionmaker(engine)
        with factory() as session:
            claimed = pending.claim(session, run_id)
        relate_options = options_from_settings(settings)
        columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True, disable=not claimed) as bar:
            task = bar.add_task("repair", total=claimed)
            done = pending.finish_claimed(factory, run_id, relate=config.value(settings, "RELATE_ENABLED"),
                                          relate_options=relate_options,
                                          progress=lambda n: bar.update(task, completed=n))
        with factory() as session, session.begin():
            left = pending.count_pending(session)
            session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(
                status="finished", finished_at=datetime.now(timezone.utc), items_stored=0,
                stats={"repair/claimed": claimed, **{f"repair/{k}": v for k, v in done.items()}}))
        print(f"repair: {url}: finished {claimed} articles (dedup {done['dedup']}, relate {done['relate']}); "
              f"{left} still pending (owed by running crawls)" if left else
              f"repair: {url}: finished {claimed} articles (dedup {done['dedup']}, relate {done['relate']}); none left pending")
        return 0
