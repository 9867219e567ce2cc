"""One outcome model for a crawl run: the exit code, ``crawl_runs.status`` and
``problems``, the end-of-run line and ``aggregator health`` all read it.

``finished`` (exit 0): the run did its job. Single article pages that failed (dead
links, bad pages, retries given up) are counted by reason and do not fail it, up to
``AGGREGATOR_MAX_FAILED_SHARE`` of the article pages.

``failed`` (exit 1), with each cause named in ``problems``:

==========================  =======================================================
cause                       when
==========================  =======================================================
``database_unavailable``    the database stayed unavailable past the retry bound
``storage``                 an item fetched was not stored (StoreFailed, DatabaseDown)
``site_unreachable``        a start or list page could not be downloaded (refused,
                            timeout, DNS) after retries
``channel_gone``            a start or list page answered 404 or 410
``list_page_failed``        a start or list page answered another error (5xx, 403)
``article_pages_failed``    more than AGGREGATOR_MAX_FAILED_SHARE of the article pages
                            could not be fetched
``nothing_fetched``         not one page came back
``exceptions``              an exception in a spider callback, a pipeline, a worker
                            or an asyncio task nobody awaited (aggregator/loop_errors)
``closed``                  Scrapy closed the run for another reason (a timeout, …)
==========================  =======================================================

``interrupted`` (exit 1): stopped by a signal (Ctrl-C, SIGTERM) — or, marked by the
next run, its process died. Scrapy's own ERROR log lines decide nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aggregator.drops import ITEM_DROP_PREFIX

DEFAULT_MAX_FAILED_SHARE = 0.2
#: Item drops that mean a fetched article was lost to storage (fetched again next run).
STORAGE_DROPS = ("StoreFailed", "DatabaseDown")
LIST_FAILURES = {"unreachable": "site_unreachable", "gone": "channel_gone", "http": "list_page_failed"}


@dataclass
class Outcome:
    status: str  # finished, failed, interrupted
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "finished" else 1


def judge(reason: str, stats: dict, *, fetches_pages: bool = True,
          max_failed_share: float = DEFAULT_MAX_FAILED_SHARE) -> Outcome:
    """The outcome of a run that Scrapy closed with ``reason``, from its stats."""
    problems: dict[str, str] = {}
    if reason == "shutdown":
        handed_back = stats.get(f"{ITEM_DROP_PREFIX}Interrupted", 0)
        problems["interrupted"] = "stopped by a signal" + (
            f"; {handed_back} fetched pages handed back, fetched again next run" if handed_back else "")
        return Outcome("interrupted", problems)
    if reason == "database_unavailable":
        problems["database_unavailable"] = str(stats.get("aggregator/fatal") or "the database stayed unavailable")
    elif reason != "finished":
        problems["closed"] = f"Scrapy closed the run: {reason}"
    lost = {name: stats.get(f"{ITEM_DROP_PREFIX}{name}", 0) for name in STORAGE_DROPS}
    if sum(lost.values()):
        problems["storage"] = f"{sum(lost.values())} fetched articles not stored (" + ", ".join(
            f"{k} {v}" for k, v in lost.items() if v) + "); fetched again next run"
    for kind, cause in LIST_FAILURES.items():
        n = stats.get(f"aggregator/list_failed/{kind}", 0)
        if n:
            problems[cause] = f"{n} list page{'s' if n != 1 else ''} could not be read"
    failed = stats.get("aggregator/article_pages/failed", 0)
    tried = failed + stats.get("aggregator/article_pages/fetched", 0)
    if tried and failed / tried > max_failed_share:
        problems["article_pages_failed"] = f"{failed} of {tried} article pages failed ({failed / tried:.0%} > {max_failed_share:.0%})"
    if fetches_pages and not stats.get("response_received_count", 0):
        problems["nothing_fetched"] = "not one page came back"
    exceptions = {"spider": stats.get("spider_exceptions/count", 0), "pipeline": stats.get("aggregator/item_errors", 0),
                  "worker": stats.get("relate/errors", 0),
                  "unhandled in the event loop": stats.get("aggregator/loop_errors", 0)}
    if sum(exceptions.values()):
        problems["exceptions"] = ", ".join(f"{k} {v}" for k, v in exceptions.items() if v)
    return Outcome("failed" if problems else "finished", problems)


def failed_pages(stats: dict) -> int:
    """Article pages that failed without failing the run (counted, logged at WARNING)."""
    return int(stats.get("aggregator/article_pages/failed", 0))
