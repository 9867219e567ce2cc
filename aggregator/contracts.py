"""Scrapy contracts of ours, for `scrapy check` (registered in SPIDER_CONTRACTS).

``@fields title body published_at``: every item the callback returns has a non-empty
value for each field named. Scrapy's ``@scrapes`` only checks that a field exists, and
an ArticleItem has every field, empty or not: an extraction that found no title would
pass it.
"""

from __future__ import annotations

from itemadapter import ItemAdapter, is_item
from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail


class FieldsContract(Contract):
    name = "fields"

    def post_process(self, output):
        for x in output:
            if is_item(x):
                adapter = ItemAdapter(x)
                empty = [name for name in self.args if not adapter.get(name)]
                if empty:
                    raise ContractFail(f"empty fields in {adapter.get('url') or 'an item'}: {', '.join(empty)}")
