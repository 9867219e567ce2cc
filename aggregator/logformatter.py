"""Log lines for items without the raw page and the whole body: at DEBUG, Scrapy logs
every scraped item, and an article item carries its fetched page."""

from scrapy.logformatter import LogFormatter


class ArticleLogFormatter(LogFormatter):
    def scraped(self, item, response, spider):
        entry = super().scraped(item, response, spider)
        entry["args"] = {**entry["args"], "item": _short(item)}
        return entry

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["args"] = {**entry["args"], "item": _short(item)}
        return entry


def _short(item) -> str:
    url, title = getattr(item, "url", None), getattr(item, "title", None)
    return f"<article {url} {title!r}>" if url else repr(item)[:200]
