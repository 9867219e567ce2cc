"""The spider bench/distributed.py crawls: several generated sites in one run
(``-a sites=URL,URL,…``, each a channel's first list page), each article stored under its
own site's name."""

from __future__ import annotations

from aggregator.spiders.article import source_for_url
from aggregator.spiders.base import NewsSpider


class BenchSites(NewsSpider):
    name = "bench_sites"

    def __init__(self, *args, sites: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [u for u in sites.split(",") if u]

    def source_of(self, response) -> str:
        return source_for_url(response.url)
