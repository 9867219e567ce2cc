"""Why a page or an item was dropped: one named reason each, counted in the stats.

Item drops raise a ``DropItem`` subclass, which Scrapy counts as
``item_dropped_reasons_count/<ClassName>``. Pages dropped before they become items
(not HTML, oversized, redirected off-site, no article text) are counted by
``count_page_drop`` under ``aggregator/page_dropped/<reason>``. The crawl-run
recorder folds both into ``crawl_runs.items_dropped``.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

logger = logging.getLogger(__name__)

PAGE_DROP_PREFIX = "aggregator/page_dropped/"
ITEM_DROP_PREFIX = "item_dropped_reasons_count/"


class NoBody(DropItem):
    """The page had no article text after cleaning."""


class InvalidURL(DropItem):
    """The article URL cannot be parsed or canonicalised."""


class StoreFailed(DropItem):
    """The database refused the row; the run goes on and nothing stored is touched."""


class Interrupted(DropItem):
    """The crawl was stopped (Ctrl-C, SIGTERM) before the item's batch started: not
    stored; the next run fetches the page again."""


class DatabaseDown(DropItem):
    """The database stayed unavailable past AGGREGATOR_DB_RETRY_SECONDS (or the crawl was
    stopped while waiting for it): not stored; the next run fetches the page again."""


# Page-level reasons (a response that never became an item).
NOT_HTML = "not_html"
EMPTY_PAGE = "empty_page"
NO_ARTICLE = "no_article"
NOT_ARTICLE = "not_article"  # text that is not HTML and has no title (plain text, random bytes)
OVERSIZED = "oversized"
OFFSITE_REDIRECT = "offsite_redirect"
HTTP_ERROR = "http_error"
DOWNLOAD_ERROR = "download_error"
REDIRECT_LOOP = "redirect_loop"
MULTIPAGE_INCOMPLETE = "multipage_incomplete"
EXTRACTION_FAILED = "extraction_failed"
TRUNCATED = "truncated"

#: Every page-level reason, in the order the docs list them.
PAGE_REASONS = (EMPTY_PAGE, NOT_HTML, NOT_ARTICLE, OVERSIZED, NO_ARTICLE, OFFSITE_REDIRECT, REDIRECT_LOOP, TRUNCATED,
                HTTP_ERROR, DOWNLOAD_ERROR, MULTIPAGE_INCOMPLETE, EXTRACTION_FAILED)
#: Item-level reasons (the DropItem subclasses above): bad items, then storage losses.
ITEM_REASONS = ("NoBody", "InvalidURL", "StoreFailed", "DatabaseDown", "Interrupted")
#: Of those, the ones that are not a bad page but a page not stored: the next run fetches it again.
STORAGE_REASONS = ("StoreFailed", "DatabaseDown", "Interrupted")


def count_page_drop(stats, reason: str, url: str, detail: str = "") -> None:
    stats.inc_value(PAGE_DROP_PREFIX + reason)
    logger.warning("Dropped page (%s) %s%s", reason, url, f": {detail}" if detail else "")


def dropped_by_reason(stats: dict) -> dict[str, int]:
    """All drop counters of a run's stats, keyed by reason."""
    out: dict[str, int] = {}
    for key, value in stats.items():
        for prefix in (PAGE_DROP_PREFIX, ITEM_DROP_PREFIX):
            if key.startswith(prefix):
                reason = key[len(prefix):]
                out[reason] = out.get(reason, 0) + int(value)
    return out
