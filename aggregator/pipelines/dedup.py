"""Stage 3: identity of the article — canonical URL and exact body hash.

The URL is canonicalised (tracking parameters, fragments, index pages, scheme …), so
the same page reached two ways is stored once. The near-duplicate decision needs the
article's row id, so it is made when the row is written: the store stage indexes the
row and links its story cluster (aggregator.dedup.register_article) in one step.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from aggregator.dedup import InvalidURL, body_hash, canonical_url
from aggregator.drops import InvalidURL as InvalidURLDrop
from aggregator.stagetime import timed_stage


class DedupPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    @timed_stage("dedup")
    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            adapter["canonical_url"] = canonical_url(adapter["url"], adapter.get("canonical_url"))
        except InvalidURL as exc:
            raise InvalidURLDrop(f"{exc}: {adapter['url']!r}") from exc
        adapter["body_hash"] = body_hash(adapter["body"])
        return item
