"""Stage 2: strip boilerplate lines, keeping what was removed on the item.

Two sources of rules: the named rule library (aggregator/clean/rules.py) and, per news
source, its template lines — short lines at the head or tail of the body that recur on
many of that source's pages (aggregator.clean.learn_source_boilerplate). Template lines
are learned from the source's stored articles in the database (body plus removed
lines), so every crawler of a source learns the same lines; the per-process copy is
only a cache, refreshed every ``BOILERPLATE_LEARN_REFRESH`` items of that source.

Settings: ``BOILERPLATE_ENABLED`` (default True), ``BOILERPLATE_LEARN`` (True),
``BOILERPLATE_LEARN_SAMPLE`` (stored pages learned from, 200),
``BOILERPLATE_LEARN_MIN_PAGES`` (5) and ``BOILERPLATE_LEARN_MIN_SHARE`` (0.5): a line
must be on at least that many pages and that share of the sample, so a sentence quoted
by two articles is never taken for a template; ``BOILERPLATE_LEARN_REFRESH`` (50).
Stats: ``boilerplate/lines_removed`` and ``boilerplate/rule/<rule name>`` per rule hit
(learned lines count as ``boilerplate/rule/source_template``); ``boilerplate/learn_unavailable``
(the stored pages could not be read, the database being down: the rules known so far
were used).
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator import config
from aggregator.clean import DEFAULT_RULES, learn_source_boilerplate, strip_boilerplate, with_learned_lines
from aggregator.db.engine import engine_for_crawler
from aggregator.db.errors import describe, is_outage
from aggregator.db.models import Article, Source
from aggregator.drops import NoBody
from aggregator.stagetime import timed_stage

logger = logging.getLogger(__name__)


def stored_bodies(session: Session, source: str, limit: int) -> list[str]:
    """The source's latest stored bodies with their removed lines put back at the end."""
    rows = session.execute(
        select(Article.body, Article.removed_text).join(Source)
        .where(Source.name == source).order_by(Article.id.desc()).limit(limit)
    )
    return [body + ("\n" + removed if removed else "") for body, removed in rows]


class StripBoilerplatePipeline:
    def __init__(self, stats, engine=None, *, sample=200, min_pages=5, min_share=0.5, refresh=50):
        self.stats = stats
        self.engine = engine  # None: no per-source learning
        self.sample, self.min_pages, self.min_share, self.refresh = sample, min_pages, min_share, refresh
        self._rules: dict[str, tuple] = {}  # source -> (rules, items until refresh)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not config.value(settings, "BOILERPLATE_ENABLED"):
            raise NotConfigured("BOILERPLATE_ENABLED is off")
        learn = config.value(settings, "BOILERPLATE_LEARN")
        return cls(
            crawler.stats,
            engine_for_crawler(crawler) if learn else None,
            sample=config.value(settings, "BOILERPLATE_LEARN_SAMPLE"),
            min_pages=config.value(settings, "BOILERPLATE_LEARN_MIN_PAGES"),
            min_share=config.value(settings, "BOILERPLATE_LEARN_MIN_SHARE"),
            refresh=config.value(settings, "BOILERPLATE_LEARN_REFRESH"),
        )

    def rules_for(self, source: str) -> tuple:
        if self.engine is None:
            return DEFAULT_RULES
        rules, left = self._rules.get(source, (None, 0))
        if rules is None or left <= 0:
            try:
                with Session(self.engine) as session:
                    bodies = stored_bodies(session, source, self.sample)
            except SQLAlchemyError as exc:
                if not is_outage(exc):
                    raise
                # The database is down: the page goes on with the lines learned last (the
                # named rules when none were), and the store stage waits out the outage or
                # hands the page back. Tried again after the next BOILERPLATE_LEARN_REFRESH items.
                self.stats.inc_value("boilerplate/learn_unavailable")
                logger.warning("Could not read %s's stored pages to learn its template lines (%s): "
                               "stripping with the rules known so far", source, describe(exc))
                rules = rules or DEFAULT_RULES
            else:
                learned = learn_source_boilerplate(bodies, min_share=self.min_share, min_pages=self.min_pages)
                rules = with_learned_lines(learned) if learned else DEFAULT_RULES
            left = self.refresh
        self._rules[source] = (rules, left - 1)
        return rules

    @timed_stage("boilerplate")
    def process_item(self, item):
        adapter = ItemAdapter(item)
        stripped = strip_boilerplate(adapter["body"], self.rules_for(adapter["source"]))
        adapter["body"] = stripped.body
        adapter["removed"] = list(adapter.get("removed") or []) + stripped.removed
        self.stats.inc_value("boilerplate/lines_removed", len(stripped.removed))
        for rule, hits in stripped.hits.items():
            self.stats.inc_value(f"boilerplate/rule/{rule}", hits)
        if not stripped.body.strip():
            raise NoBody(f"nothing but boilerplate on {adapter['url']}")
        return item
