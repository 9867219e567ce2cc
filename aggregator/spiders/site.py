"""`scrapy crawl site -a start_url=URL [-a allow=REGEX] [-a max_pages=N]`.

Discovers the article pages of one site: from the start page it follows channel (list)
pages and their pagination, and extracts every article page they link to.
``max_pages`` bounds the list pages read in all (default 20); ``allow`` is a regex
that article URLs must match. The frontier (aggregator.frontier) is kept for the whole
site, as one channel: covered when a run read every list page it found within budget.
"""

from __future__ import annotations

from aggregator import discovery
from aggregator.budget import SPENT, TAKEN, ListBudget
from aggregator.category import channel_name
from aggregator.spiders.article import source_for_url
from aggregator.spiders.base import NewsSpider, SpiderArgumentError


class SiteSpider(NewsSpider):
    name = "site"

    @classmethod
    def validate_arguments(cls, **kwargs) -> dict:
        if not kwargs.get("start_url"):
            raise SpiderArgumentError("start_url", "required: -a start_url=URL")
        return super().validate_arguments(**kwargs)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_name = source_for_url(self.start_urls[0])
        # the start page is the first; a distributed run swaps in one shared in Redis
        self.list_budget = ListBudget(self.max_pages - 1, self.start_urls[0])

    def may_read_list_page(self, url: str, page: int, channel) -> bool:
        # One budget for the whole site, shared by pagination and channel pages; a list
        # page linked from many pages (the nav bar) is counted once.
        verdict = self.list_budget.take(url)
        if verdict == SPENT:
            channel.cut = True
        return verdict == TAKEN

    def follow_lists(self, response, links):
        # Channel pages linked from this list page become list pages too, within budget.
        # Named by a link text that names a channel (a nav link), never a pager's
        # (下一页, 尾页, 2): else they inherit this page's channel, or the page's own.
        texts: dict[str, str] = {}
        for link in links:
            name = channel_name(link.text)
            if name:
                texts.setdefault(link.url, name)
        channel = self.frontier.open(response.meta["channel"])
        for url in discovery.list_links(response.url, links, self._allow_re):
            if not self.may_read_list_page(url, 1, channel):
                continue
            yield self.list_request(url, page=1, category=texts.get(url) or response.meta.get("category"),
                                    channel=channel.url)
