"""A dupefilter that lets the database, not ``requests.seen``, say what is done.

With ``-s JOBDIR=…`` Scrapy's dupefilter keeps the fingerprint of every request it
scheduled in ``requests.seen``, and a resumed run never requests those again. But the
store stage lags the downloader: a run killed mid-crawl had fetched hundreds of article
pages whose items never reached the database, and a resumed run would skip them for good.

Here article and list pages are de-duplicated for the life of one process only (each is
still requested once per run); whether an article page is worth fetching is the
incremental check's question, asked of the database (aggregator.middlewares.incremental).
Other requests keep Scrapy's persistent behaviour.

A redirect back to a page already requested is a redirect loop: it is counted as a page
drop (``redirect_loop``) instead of vanishing as a filtered duplicate.
"""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter

from aggregator import drops

#: request.meta["aggregator_page"] values of the pages the database keeps track of
TRACKED = ("article", "list")


class StoredAwareDupeFilter(RFPDupeFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.this_run: set[bytes] = set()

    def request_seen(self, request) -> bool:
        if request.meta.get("aggregator_page") not in TRACKED:
            return super().request_seen(request)
        fp = self._fingerprint(request)
        if fp in self.this_run:
            return True
        self.this_run.add(fp)
        return False

    def log(self, request, spider) -> None:
        super().log(request, spider)
        count_redirect_loop(request, spider.crawler.stats)


def count_redirect_loop(request, stats) -> None:
    """A filtered request that is a redirect back to a page already requested: counted as
    a page drop, not a silent duplicate (shared with aggregator.distributed.dupefilter)."""
    redirects = request.meta.get("redirect_urls")
    if redirects and request.meta.get("aggregator_page") in TRACKED:
        drops.count_page_drop(stats, drops.REDIRECT_LOOP, redirects[0], f"redirected back to {request.url}")
        if request.meta["aggregator_page"] == "article":
            stats.inc_value("aggregator/article_pages/failed")
