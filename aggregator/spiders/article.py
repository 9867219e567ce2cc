"""`scrapy crawl article -a url=URL` or `-a urls_file=FILE`: extract any article pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

from aggregator.middlewares.incremental import REFRESH_META
from aggregator.spiders.base import NewsSpider, SpiderArgumentError, parse_url_argument


#: The encodings a urls_file may be in: UTF-8 (with or without a BOM), else GB18030
#: (a superset of GBK and GB2312, what a file saved on a Chinese Windows desktop is in).
URLS_FILE_ENCODINGS = ("utf-8-sig", "gb18030")


class ArticleSpider(NewsSpider):
    name = "article"
    arguments = NewsSpider.arguments + ("url", "urls_file")

    @classmethod
    def validate_arguments(cls, **kwargs) -> dict:
        clean = super().validate_arguments(**kwargs)
        if bool(kwargs.get("url")) == bool(kwargs.get("urls_file")):
            raise SpiderArgumentError("url", "give exactly one of -a url=URL or -a urls_file=FILE")
        clean.pop("url", None)
        clean.pop("urls_file", None)
        if kwargs.get("url"):
            clean["urls"] = [parse_url_argument("url", kwargs["url"])]
        else:
            path = Path(kwargs["urls_file"])
            try:
                lines = read_urls_file(path).splitlines()
            except OSError as exc:
                raise SpiderArgumentError("urls_file", f"cannot read {str(path)!r} ({exc.strerror})") from None
            urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
            if not urls:
                raise SpiderArgumentError("urls_file", f"{str(path)!r} lists no URL")
            clean["urls"] = [parse_url_argument(f"urls_file line {n}", u) for n, u in enumerate(urls, 1)]
        return clean

    urls: list[str] = []

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            request = self.article_request(url, category=None)
            request.meta[REFRESH_META] = True  # asked for by name: fetched even when stored, updated in place
            yield request

    def source_of(self, response) -> str:
        # Pages from anywhere: each site is its own source, named by its host.
        return source_for_url(response.url)


def read_urls_file(path: Path) -> str:
    """The text of a urls_file, in the first of URLS_FILE_ENCODINGS it decodes in."""
    data = path.read_bytes()
    for encoding in URLS_FILE_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpiderArgumentError("urls_file", f"{str(path)!r} is neither UTF-8 nor GBK/GB18030 text: save it as UTF-8")


def source_for_url(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname or parts.scheme
