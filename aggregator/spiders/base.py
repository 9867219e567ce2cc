"""The base every spider builds on: list pages → article pages → ArticleItem.

A source spider only declares what differs from the automatic behaviour:

    class MySource(NewsSpider):
        name = "my_source"
        start_urls = ["https://news.example.cn/list/"]
        article_links = "ul.news-list a"          # optional; else discovered
        next_page = "a.next"                      # optional; else 下一页/rel=next
        selectors = {"body": "div.article"}       # optional; else extracted

Arguments every spider takes on the command line (validated up front):
``-a start_url=URL`` (replaces start_urls), ``-a max_pages=N`` (list pages per start
URL), ``-a allow=REGEX`` (article URLs must match).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twisted.internet.defer import CancelledError

from aggregator import config
from aggregator import discovery, drops
from aggregator.db.engine import engine_for_crawler
from aggregator.db.errors import describe
from aggregator.frontier import Channel, Frontier
from aggregator.middlewares.incremental import STORED_META, stored_check, stored_urls
from aggregator.extract.pages import article_page_links, join_pages
from aggregator.outcome import STORAGE_DROPS
from aggregator.page import PageDropped, page_to_item

DEFAULT_MAX_PAGES = 20
#: request.meta key of the source (sources.name) a request's page belongs to
SOURCE_META = "aggregator_source"
#: An article page answering with these is gone for good (a dead link): it does not
#: leave its channel unread. Any other failure may pass, so the channel is read again.
GONE_STATUSES = {404, 410}


class SpiderArgumentError(ValueError):
    """A spider argument is missing or invalid; the message names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field

    @property
    def line(self) -> str:
        """What ``scrapy crawl`` prints after ``error:``."""
        return f"-a {self}"


class UnknownArgument(SpiderArgumentError):
    def __init__(self, field: str, known):
        from aggregator.config import did_you_mean

        hint = did_you_mean(field, known)
        self.known = sorted(known)
        super().__init__(field, "unknown argument" + (f" (did you mean {hint}?)" if hint else ""))
        self.hint = hint

    @property
    def line(self) -> str:
        return f"unknown argument -a {self.field}" + (f" (did you mean {self.hint}?)" if self.hint else
                                                      " (this spider takes " + ", ".join(self.known) + ")")


def parse_url_argument(field: str, value: str) -> str:
    value = (value or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "file") or (parts.scheme != "file" and not parts.hostname):
        raise SpiderArgumentError(field, f"expected an absolute http(s) URL, got {value!r}")
    return value


def parse_positive_int(field: str, value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpiderArgumentError(field, f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise SpiderArgumentError(field, f"must be at least 1, got {number}")
    return number


def parse_regex(field: str, value: str) -> re.Pattern:
    try:
        return re.compile(value)
    except re.error as exc:
        raise SpiderArgumentError(field, f"not a valid regular expression ({exc})") from None


class NewsSpider(scrapy.Spider):
    """Base spider: reads list pages (with pagination) and extracts article pages."""

    # --- declarative attributes for source spiders ---------------------------------
    start_urls: list[str] = []
    channels: dict[str, str] = {}  # start URL -> channel name, when a source has several channels
    source_name: str | None = None  # stored in sources.name; defaults to the spider name
    category: str | None = None  # the channel these pages belong to
    article_links: str | None = None  # CSS or XPath selecting article <a> elements on list pages
    next_page: str | None = None  # CSS or XPath selecting the next-page <a>
    selectors: dict[str, str] = {}  # per-field overrides for extraction: title, body, date, author
    allow: str | None = None  # regex that article URLs must match
    max_pages: int = DEFAULT_MAX_PAGES  # list pages read per start URL
    #: The ``-a`` names this spider takes; a subclass taking more adds its own. Names
    #: starting with ``_`` (scrapyd's ``_job``) are Scrapy's, never checked.
    arguments: tuple[str, ...] = ("start_url", "max_pages", "allow")

    @classmethod
    def validate_arguments(cls, **kwargs) -> dict:
        """Check command-line arguments before anything starts; raise SpiderArgumentError."""
        for name in kwargs:
            if name not in cls.arguments and not name.startswith("_"):
                raise UnknownArgument(name, cls.arguments)
        clean = dict(kwargs)
        if "start_url" in kwargs:
            clean["start_url"] = parse_url_argument("start_url", kwargs["start_url"])
        if "max_pages" in kwargs:
            clean["max_pages"] = parse_positive_int("max_pages", kwargs["max_pages"])
        if "allow" in kwargs:
            parse_regex("allow", kwargs["allow"])
        return clean

    def __init__(self, *args, **kwargs):
        # Validated arguments become attributes (scrapy.Spider sets them).
        kwargs = type(self).validate_arguments(**kwargs)
        start_url = kwargs.pop("start_url", None)
        super().__init__(*args, **kwargs)
        if start_url:
            self.start_urls, self.channels = [start_url], {}
            if getattr(self, "allowed_domains", None):
                self.allowed_domains = [urlsplit(start_url).hostname]
        self.max_pages = int(self.max_pages)
        self._allow_re = parse_regex("allow", self.allow) if self.allow else None

    @property
    def source(self) -> str:
        return self.source_name or self.name

    def source_of(self, response: Response) -> str:
        """The source an article page belongs to (sources.name): the one its request
        carries, else the spider's. (A request keeps the source of the spider that made
        it, whichever worker of a distributed run fetches it.)"""
        return response.meta.get(SOURCE_META) or self.source

    # --- crawling ----------------------------------------------------------------
    @property
    def frontier(self) -> Frontier:
        """How far each channel was read (aggregator.frontier)."""
        if "_frontier" not in self.__dict__:
            stats = self.crawler.stats
            self._frontier = Frontier(engine_for_crawler(self.crawler), self.name,
                                      run_id=lambda: stats.get_value("aggregator/crawl_run_id"),
                                      enabled=config.value(self.settings, "AGGREGATOR_FRONTIER_ENABLED"))
        return self._frontier

    async def start(self) -> AsyncIterator[scrapy.Request]:
        starts = dict(self.channels) or {url: self.category for url in self.start_urls}
        for url, category in starts.items():
            yield self.list_request(url, page=1, category=category, dont_filter=True)

    def list_request(self, url: str, *, page: int, category: str | None, dont_filter: bool = False,
                     channel: str | None = None) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            # channel: the first page of this pagination, which the frontier is kept by
            meta={"aggregator_page": "list", "list_page": page, "category": category, "channel": channel or url,
                  SOURCE_META: self.source},
            dont_filter=dont_filter,  # a start page may also be linked from elsewhere
        )

    def article_request(self, url: str, *, category: str | None, list_url: str | None = None,
                        channel: str | None = None) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            meta={"aggregator_page": "article", "category": category, "list_url": list_url, "channel": channel,
                  SOURCE_META: self.source},
            # a list page's articles are fetched before the next list page, so the queue
            # holds about a page of requests, not a whole site's (memory stays flat on
            # large sites)
            priority=1,
        )

    def parse(self, response: Response):
        """What ``scrapy parse URL`` calls without ``-c``: a start page, or a page shaped
        like a list (``category-1_2.html``, ``/list/``), is read as a list page; any other
        as an article page. A crawl never calls it (each request names its callback)."""
        starts = set(self.channels) | set(self.start_urls)
        if response.url in starts or discovery.looks_like_list(discovery.Link(response.url, "")):
            return self.parse_list(response)
        return self.parse_article(response)

    def parse_list(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            drops.count_page_drop(self.crawler.stats, drops.NOT_HTML, response.url)
            return
        category = response.meta.get("category")
        page = response.meta.get("list_page", 1)
        channel = self.frontier.open(response.meta.get("channel") or response.url)
        channel.pages_read = max(channel.pages_read, page)
        links = None if self.article_links and self.next_page else page_links(response, self.crawler.stats)  # read once
        urls = self.find_article_links(response, links)
        stored = self.stored_among(urls)  # one query for the page, not one per article request
        for url in urls:
            request = self.article_request(url, category=category, list_url=response.url, channel=channel.url)
            if stored is not None:
                request.meta[STORED_META] = stored_check(url, stored)
            yield request
        stale = response.meta.get("stale_pages", 0)
        if urls and stored is not None and len(stored) == len(set(urls)):  # nothing new on this page
            stale += 1
            stop_after = config.value(self.settings, "INCREMENTAL_STOP_AFTER")
            # only where an earlier reading covered what lies behind (aggregator.frontier)
            if stop_after and stale >= stop_after and channel.covered_before:
                self.crawler.stats.inc_value("incremental/pagination_stopped")
                return  # nor its links to other lists: nothing new lies behind them either
        else:
            stale = 0
        yield from self.follow_lists(response, links)
        next_url = self.find_next_page(response, links)
        if not next_url:
            channel.reached_end = True
        elif self.may_read_list_page(next_url, page + 1, channel):
            request = self.list_request(next_url, page=page + 1, category=category, channel=channel.url)
            request.meta["stale_pages"] = stale
            yield request

    def follow_lists(self, response: TextResponse, links: list[discovery.Link] | None) -> Iterable[scrapy.Request]:
        """Other list pages to read from this one; a source reads only its pagination."""
        return ()

    def stored_among(self, urls: list[str]) -> dict | None:
        """Which of ``urls`` are stored already (with their publication time), read from the
        database; None when incremental crawling is off."""
        if not config.value(self.settings, "INCREMENTAL_ENABLED"):
            return None
        if not urls:
            return {}
        try:
            with Session(engine_for_crawler(self.crawler)) as session:
                return stored_urls(session, urls)
        except SQLAlchemyError as exc:  # unknown: fetch them (the store stage waits out an outage)
            self.logger.warning("Could not check which articles of a list page are stored (%s)", describe(exc))
            return None

    def may_read_list_page(self, url: str, page: int, channel: Channel) -> bool:
        """Pagination depth per start URL; subclasses may budget differently. A page
        refused for the budget leaves the channel cut (not covered)."""
        if page <= self.max_pages:
            return True
        channel.cut = True
        return False

    def find_article_links(self, response: TextResponse, links: list[discovery.Link] | None = None) -> list[str]:
        if self.article_links:
            hrefs = _select(response, self.article_links, attr="href")
            urls = [u for u in (absolute_url(response, h, self.crawler.stats) for h in hrefs) if u]
            return [u for u in dict.fromkeys(urls) if self._allow_re is None or self._allow_re.search(u)]
        return discovery.article_links(response.url, links or page_links(response, self.crawler.stats), self._allow_re)

    def find_next_page(self, response: TextResponse, links: list[discovery.Link] | None = None) -> str | None:
        if self.next_page:
            hrefs = _select(response, self.next_page, attr="href")
            urls = [u for u in (absolute_url(response, h, self.crawler.stats) for h in hrefs) if u]
            return urls[0] if urls else None
        return discovery.next_page_link(response.url, links or page_links(response, self.crawler.stats))

    def parse_article(self, response: Response):
        self.crawler.stats.inc_value("aggregator/article_pages/fetched")
        problem = page_problem(response)
        if problem:
            drops.count_page_drop(self.crawler.stats, problem, response.url)
            return
        start = time.process_time()
        try:
            item = page_to_item(
                response.body,
                response.url,
                source=self.source_of(response),
                fetched_at=datetime.now(timezone.utc),
                encoding=getattr(response, "encoding", None),
                selectors=self.selectors,
                category=response.meta.get("category") or self.category,
                min_body_chars=config.value(self.settings, "AGGREGATOR_MIN_BODY_CHARS"),
            )
        except PageDropped as exc:
            drops.count_page_drop(self.crawler.stats, exc.reason, response.url, str(exc))
            return
        finally:
            self.crawler.stats.inc_value("stage_cpu/extract", time.process_time() - start)
        more = further_pages(response)
        if more:  # a multi-page article: its pages are fetched in order, then joined
            self.crawler.stats.inc_value("multipage/articles")
            yield self.part_request(item, more, [item.body], response.meta.get("channel"))
            return
        yield item

    # --- multi-page articles ---------------------------------------------------------
    def part_request(self, item, pages: list[str], bodies: list[str], channel: str | None) -> scrapy.Request:
        return scrapy.Request(
            pages[0], callback=self.parse_article_part, errback=self.on_part_error, priority=2,
            meta={"aggregator_page": "article_part", "article_item": item, "pages_left": pages[1:],
                  "bodies": bodies, "channel": channel},
        )

    def parse_article_part(self, response: Response):
        """Page 2..N of an article: its body is added; after the last, the whole article
        (one row, under page 1's URL) goes on to the pipelines."""
        meta = response.meta
        item, bodies = meta["article_item"], list(meta["bodies"])
        try:
            part = page_to_item(response.body, response.url, source=item.source, fetched_at=datetime.now(timezone.utc),
                                encoding=getattr(response, "encoding", None), selectors=self.selectors,
                                category=item.category, min_body_chars=1)
            bodies.append(part.body)
        except PageDropped as exc:  # a page without text: the article is what the others hold
            self.crawler.stats.inc_value("multipage/empty_pages")
            self.logger.warning("Page %s of a multi-page article has no text (%s)", response.url, exc)
        if meta["pages_left"]:
            yield self.part_request(item, meta["pages_left"], bodies, meta.get("channel"))
            return
        yield self.joined(item, bodies)

    def on_part_error(self, failure):
        """A further page could not be fetched. Gone for good (404, 410): the article is
        stored with the pages there are, and a warning. Otherwise it is not stored now
        (dropped as ``multipage_incomplete``) and its channel is read again next run."""
        request = failure.request
        meta = request.meta
        if failure.check(HttpError) and failure.value.response.status in GONE_STATUSES:
            self.crawler.stats.inc_value("multipage/missing_pages")
            self.logger.warning("Page %s of a multi-page article is gone: stored without it", request.url)
            bodies = meta["bodies"]
            if not meta["pages_left"]:
                return [self.joined(meta["article_item"], bodies)]
            return [self.part_request(meta["article_item"], meta["pages_left"], bodies, meta.get("channel"))]
        drops.count_page_drop(self.crawler.stats, drops.MULTIPAGE_INCOMPLETE, meta["article_item"].url,
                              f"page {request.url}: {failure.value!r}")
        self.crawler.stats.inc_value("aggregator/article_pages/failed")
        if meta.get("channel"):
            self.frontier.open(meta["channel"]).broken = True
        return []

    def joined(self, item, bodies: list[str]):
        item.body = join_pages(bodies)
        self.crawler.stats.inc_value("multipage/joined")
        self.crawler.stats.inc_value("multipage/pages", len(bodies))
        return item

    def on_error(self, failure) -> None:
        request = failure.request
        stats = self.crawler.stats
        gone = False
        if failure.check(HttpError):
            status = failure.value.response.status
            gone = status in GONE_STATUSES
            kind = "gone" if gone else "http"
            drops.count_page_drop(stats, drops.HTTP_ERROR, request.url, f"HTTP {status}")
        elif failure.check(IgnoreRequest):
            message = str(failure.value)
            if "DOWNLOAD_MAXSIZE" in message:  # a decompression bomb, cut while inflating
                gone, kind = True, "gone"
                drops.count_page_drop(stats, drops.OVERSIZED, request.url, "too large once decompressed")
            elif "max redirections" in message:
                gone, kind = True, "gone"
                drops.count_page_drop(stats, drops.REDIRECT_LOOP, request.url)
            else:
                return  # skipped on purpose (already stored, robots.txt, off-site): not a drop
        elif failure.check("aggregator.middlewares.truncated.TruncatedResponse"):  # cut short on every attempt
            kind = "http"
            drops.count_page_drop(stats, drops.TRUNCATED, request.url, str(failure.value))
        elif failure.check(DownloadCancelledError, CancelledError) and "max size" in str(failure.value):
            gone, kind = True, "gone"  # it would be as large next time
            drops.count_page_drop(stats, drops.OVERSIZED, request.url)
        else:
            kind = "unreachable"
            drops.count_page_drop(stats, drops.DOWNLOAD_ERROR, request.url, repr(failure.value))
        page = request.meta.get("aggregator_page")
        if page == "list":  # the run's verdict reads these (aggregator.outcome)
            stats.inc_value(f"aggregator/list_failed/{kind}")
        elif page == "article":
            stats.inc_value("aggregator/article_pages/failed")
        channel = request.meta.get("channel")
        if channel and (page == "list" or not gone):
            self.frontier.open(channel).broken = True  # what it listed is read again next run

    def closed(self, reason: str) -> None:
        """Record the frontier: covered only where nothing was lost on the way."""
        stats = self.crawler.stats
        # an article fetched but not stored: the run did not cover its channels (items handed
        # back by a stop need no check: a stopped run is not "finished")
        lost = sum(stats.get_value(f"{drops.ITEM_DROP_PREFIX}{name}", 0) for name in STORAGE_DROPS)
        if "_frontier" in self.__dict__:
            covered = self.frontier.close(clean=reason == "finished" and not lost)
            stats.set_value("frontier/channels", len(self.frontier.channels))
            stats.set_value("frontier/covered", covered)


#: A link to page 2 in one of the shapes article pagers use (``_2.html``, ``-2.shtml``,
#: ``/2``, ``?page=2``): only pages that have one are searched for an article pager.
PAGER_HINT = re.compile(
    rb"""href\s*=\s*["']?[^"'>\s]*(?:[_-]2\.[a-z]{2,6}|/2/?|[?&](?:page|p|pn|pageno|page_no|pg|pagenum|currentpage)=2)["'&#>\s]""",
    re.I)


def further_pages(response: Response) -> list[str]:
    """The URLs of pages 2..N when the response is page 1 of a multi-page article."""
    if not PAGER_HINT.search(response.body):
        return []
    return article_page_links(response.body, response.url)


def page_problem(response: Response) -> str | None:
    """A named reason why this response cannot be an article page, or None."""
    if not response.body.strip():
        return drops.EMPTY_PAGE
    if not isinstance(response, TextResponse):
        return drops.NOT_HTML
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    if content_type and not any(t in content_type for t in ("html", "xml", "text/plain")):
        return drops.NOT_HTML
    redirects = response.meta.get("redirect_urls")
    if redirects and not discovery.same_site(redirects[0], response.url):
        return drops.OFFSITE_REDIRECT
    return None


def absolute_url(response: Response, href: str, stats=None) -> str | None:
    """``href`` made absolute, or None when it is malformed (``http://[::1``, a port past
    65535, …): such a link is skipped alone, counted as ``aggregator/bad_link``, and the
    rest of the page is read as usual."""
    try:
        url = response.urljoin(href)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        if stats is not None:
            stats.inc_value("aggregator/bad_link")
        return None
    return url


def page_links(response: TextResponse, stats=None) -> list[discovery.Link]:
    links = []
    for a in response.xpath("//a[@href]"):
        href = a.attrib.get("href", "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        text = " ".join(a.xpath(".//text()").getall()).strip() or a.attrib.get("title", "")
        url = absolute_url(response, href, stats)
        if url:
            links.append(discovery.Link(url, text, a.attrib.get("rel", "")))
    return links


def _select(response: TextResponse, selector: str, *, attr: str) -> list[str]:
    nodes = response.xpath(selector) if selector.startswith(("/", "(")) else response.css(selector)
    values = []
    for node in nodes:
        value = node.attrib.get(attr) if hasattr(node, "attrib") and node.attrib else None
        values.append(value if value is not None else node.get())
    return [v.strip() for v in values if v and v.strip()]
