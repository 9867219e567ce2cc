"""scrapy-redis's dupefilter, one per run (``PREFIX:run:ID:dupefilter``), shared by the
run's workers: each page is requested once per run, whichever worker found it first.

What is worth fetching at all is still the database's question (the incremental check),
so a new run fetches again what an earlier run fetched and never stored. A redirect back
to a page already requested is counted as a page drop (``redirect_loop``), as in a run of
one process (aggregator.dupefilter). The key is deleted with the run's other keys when
the run ends, never on a worker's close.
"""

from __future__ import annotations

from scrapy_redis.dupefilter import RFPDupeFilter

from aggregator.dupefilter import count_redirect_loop


class RunDupeFilter(RFPDupeFilter):
    def __init__(self, server, key, debug=False, stats=None):
        super().__init__(server, key, debug)
        self.stats = stats

    def close(self, reason=""):
        pass  # the fingerprints are the run's, not this worker's

    def log(self, request, spider):
        super().log(request, spider)
        if self.stats is not None:
            count_redirect_loop(request, self.stats)
