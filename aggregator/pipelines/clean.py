"""Stage 1: normalise the extracted text (width forms, invisible characters, whitespace)."""

from __future__ import annotations

from itemadapter import ItemAdapter

from aggregator.clean import normalize_text
from aggregator.drops import NoBody
from aggregator.stagetime import timed_stage

TEXT_FIELDS = ("title", "body", "author", "origin", "editor", "category")


class CleanTextPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    @timed_stage("clean")
    def process_item(self, item):
        adapter = ItemAdapter(item)
        for field in TEXT_FIELDS:
            value = adapter.get(field)
            if value:
                adapter[field] = normalize_text(value)
        if not (adapter.get("body") or "").strip():
            raise NoBody(f"no article text on {adapter['url']}")
        return item
