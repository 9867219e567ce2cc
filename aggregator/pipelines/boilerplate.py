"""Stage 2: strip boilerplate footer lines, keeping what was removed on the item.

Settings: ``BOILERPLATE_ENABLED`` (default True).
Stats: ``boilerplate/lines_removed`` and ``boilerplate/rule/<rule name>`` per rule hit.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from aggregator.clean import strip_boilerplate
from aggregator.drops import NoBody


class StripBoilerplatePipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("BOILERPLATE_ENABLED", True):
            raise NotConfigured("BOILERPLATE_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        stripped = strip_boilerplate(adapter["body"])
        adapter["body"] = stripped.body
        adapter["removed"] = list(adapter.get("removed") or []) + stripped.removed
        self.stats.inc_value("boilerplate/lines_removed", len(stripped.removed))
        for rule, hits in stripped.hits.items():
            self.stats.inc_value(f"boilerplate/rule/{rule}", hits)
        if not stripped.body.strip():
            raise NoBody(f"nothing but boilerplate on {adapter['url']}")
        return item
