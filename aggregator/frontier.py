"""How far each channel's pagination was read, so that stopping early is safe.

An incremental crawl stops paginating at the first list page whose articles are all
stored: the articles behind it were read by an earlier run. That holds only if an
earlier run really read them. A run that was killed, failed, stopped at ``max_pages``
or lost a list page leaves an unread backlog behind a page that now looks stale, and
stopping there would lose that backlog for good, run after run.

So each channel (the first page of a pagination: a start URL, or a list page the site
spider found; the site spider keeps one for the whole site) has a ``crawl_frontier`` row.
``covered`` is true when the last run that read the channel read it to its end — to the
last page, or down to stale pages that a covered reading had read before, never cut
short by ``max_pages`` — and fetched every article it listed. A run clears
``covered`` when it opens the channel and sets it again only at a clean end, so a run
that dies leaves it false. A run may stop on stale pages only in a channel that was
covered when it opened it; in any other it paginates on past them, up to its end or
``max_pages``, fetching only what is not stored.

The cost of an unchanged, covered site stays one list page per channel.

Setting: ``AGGREGATOR_FRONTIER_ENABLED`` (default True; `scrapy parse` and `scrapy check`
turn it off: looking at one page must not record a channel as read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.db.errors import describe
from aggregator.db.models import CrawlFrontier
from aggregator.db.store import insert_for

logger = logging.getLogger(__name__)


@dataclass
class Channel:
    url: str
    covered_before: bool = False  # an earlier reading covered the whole channel
    pages_read: int = 0
    reached_end: bool = False  # a list page of it had no next page
    cut: bool = False  # a next page was left unread (max_pages)
    broken: bool = False  # a list page, or an article page it listed, could not be fetched

    @property
    def covered_now(self) -> bool:
        """Did this run cover the channel (given a clean end of the run)? Pagination that
        ended by itself (no next page, a page already read, stale pages where that is
        allowed) covers it; a page left unread or lost does not."""
        return not self.broken and not self.cut


def read_covered(session: Session, spider: str, channel: str) -> bool:
    return bool(session.scalar(
        select(CrawlFrontier.covered).where(CrawlFrontier.spider == spider, CrawlFrontier.channel == channel)))


def record(session: Session, spider: str, channel: Channel, *, covered: bool, run_id: int | None) -> None:
    """Upsert the channel's row; in the caller's transaction."""
    now = datetime.now(timezone.utc)
    values = {"covered": covered, "pages_read": channel.pages_read, "last_run": run_id, "updated_at": now}
    if channel.reached_end:
        values["reached_end_at"] = now
    stmt = insert_for(session, CrawlFrontier).values(spider=spider, channel=channel.url, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["spider", "channel"], set_=values))


class Frontier:
    """One per spider run: the channels it reads and what became of them."""

    def __init__(self, engine, spider: str, run_id=lambda: None, enabled: bool = True):
        self.engine = engine
        self.enabled = enabled
        self.spider = spider
        self.run_id = run_id
        self.channels: dict[str, Channel] = {}
        # A distributed run's workers each read part of a channel: ``shared(urls)`` tells the
        # others which channels this worker did not cover and returns every channel some
        # worker did not cover (aggregator.distributed.worker); None in a run of one process.
        self.shared = None

    def open(self, url: str) -> Channel:
        """The channel, read from the database on first use and marked as being read (not
        covered) until this run ends cleanly. When the database cannot say, the channel
        is taken as not covered: read deep, never lose."""
        channel = self.channels.get(url)
        if channel is not None:
            return channel
        channel = self.channels[url] = Channel(url)
        if not self.enabled:
            return channel
        try:
            with Session(self.engine) as session, session.begin():
                channel.covered_before = read_covered(session, self.spider, url)
                record(session, self.spider, channel, covered=False, run_id=self.run_id())
        except SQLAlchemyError as exc:
            logger.warning("Frontier of %s unknown (%s): reading it to its end", url, describe(exc))
        return channel

    def close(self, clean: bool) -> int:
        """Record every channel read; covered only where the run ended cleanly. Returns the
        number of channels recorded as covered."""
        if not self.channels or not self.enabled:
            return 0
        covered = 0
        elsewhere = self.publish()
        try:
            with Session(self.engine) as session, session.begin():
                for channel in self.channels.values():
                    now_covered = clean and channel.covered_now and channel.url not in elsewhere
                    covered += now_covered
                    record(session, self.spider, channel, covered=now_covered, run_id=self.run_id())
        except SQLAlchemyError as exc:  # left not covered: the next run reads deep
            logger.warning("Could not record the frontier (%s); the next run reads every channel to its end", describe(exc))
            return 0
        return covered

    def publish(self) -> set[str]:
        """Tell the run's other workers which channels this one left not covered; the
        channels any worker left not covered (empty in a run of one process)."""
        if self.shared is None:
            return set()
        return self.shared([c.url for c in self.channels.values() if not c.covered_now])
