"""A dupefilter that lets the database, not ``requests.seen``, say what is done.

With ``-s JOBDIR=…`` Scrapy's dupefilter keeps the fingerprint of every request it
scheduled in ``requests.seen``, and a resumed run never requests those again. But the
store stage lags the downloader: a run killed mid-crawl had fetched hundreds of article
pages whose items never reached the database, and a resumed run would skip them for good.

Here article and list pages are de-duplicated for the life of one process only (each is
still requested once per run); whether an article page is worth fetching is the
incremental check's question, asked of the database (aggregator.middlewares.incremental).
Other requests keep Scrapy's persistent behaviour.
"""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter

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
