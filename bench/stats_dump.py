"""Benchmark-only extension: write the crawl's final stats to BENCH_STATS_FILE as JSON."""

import json

from scrapy import signals


class StatsToFile:
    def __init__(self, crawler):
        self.crawler = crawler
        self.path = crawler.settings.get("BENCH_STATS_FILE")

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def closed(self, spider, reason):
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(self.crawler.stats.get_stats(), f, default=str)
