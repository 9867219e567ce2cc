"""Finding article links and the next list page on a page, with no site selectors.

The vocabularies are named tables; the functions are pure over (page URL, links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# URL shapes that, on news sites, almost always mean "one article".
ARTICLE_URL_PATTERNS = [
    re.compile(r"/20\d{2}[-/_]?[01]\d[-/_]?[0-3]\d/"),   # /2023-10/31/, /20231031/
    re.compile(r"/t20\d{6}_\d+"),                      # gov portals: t20231031_123.html
    re.compile(r"/(post|article|articles|news|content|detail|show|view|a)[/_-]\w*\d{2,}"),
    re.compile(r"[?&](id|aid|articleid|newsid|contentid|p)=\d+", re.I),
    re.compile(r"/content_\d+"),
    re.compile(r"/\d{5,}\.s?html?$"),
    re.compile(r"/show-\d+"),
]
# URL shapes of list, channel and pagination pages.
LIST_URL_PATTERNS = [
    re.compile(r"/(list|index|category|catalog|column|channel|node|tag|tags|page)\b", re.I),
    re.compile(r"[_-]\d{1,3}\.s?html?$"),  # list_2.html, category-3_2.html
    re.compile(r"/$"),
]
NON_PAGE_EXTENSIONS = re.compile(
    r"\.(jpe?g|png|gif|bmp|webp|svg|ico|pdf|docx?|xlsx?|pptx?|zip|rar|7z|gz|mp[34]|avi|flv|wmv|apk|exe|css|js|xml|json)$",
    re.I,
)
NEXT_PAGE_TEXTS = {"下一页", "下页", "后页", "下一頁", "下一页>", "下一页>>", "next", "next page", ">", ">>", "»", "›"}
# Anchor text this short is navigation, not a headline (unless the URL itself says article).
MIN_HEADLINE_CHARS = 6


@dataclass(frozen=True)
class Link:
    url: str  # absolute
    text: str
    rel: str = ""


def same_site(url: str, other: str) -> bool:
    a, b = _host(url), _host(other)
    return bool(a) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def is_page_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "file") and not NON_PAGE_EXTENSIONS.search(parts.path)


def looks_like_article(link: Link) -> bool:
    path_and_query = _path_query(link.url)
    if any(p.search(path_and_query) for p in ARTICLE_URL_PATTERNS):
        return len(link.text.strip()) >= 2 or not link.text
    text = link.text.strip()
    return len(text) >= MIN_HEADLINE_CHARS and not any(p.search(path_and_query) for p in LIST_URL_PATTERNS)


def looks_like_list(link: Link) -> bool:
    return not looks_like_article(link) and any(p.search(_path_query(link.url)) for p in LIST_URL_PATTERNS)


def article_links(page_url: str, links: list[Link], allow: re.Pattern | None = None) -> list[str]:
    """Same-site links that look like article pages, in page order, without repeats."""
    out: dict[str, None] = {}
    for link in links:
        if not is_page_url(link.url) or not same_site(page_url, link.url) or link.url == page_url:
            continue
        if allow is not None:
            if allow.search(link.url):
                out[link.url] = None
        elif looks_like_article(link):
            out[link.url] = None
    return list(out)


def next_page_link(page_url: str, links: list[Link]) -> str | None:
    for link in links:
        text = re.sub(r"\s+", " ", link.text).strip().lower()
        if ("next" in link.rel.lower() or text in NEXT_PAGE_TEXTS) and is_page_url(link.url) and same_site(page_url, link.url) and link.url != page_url:
            return link.url
    return None


def list_links(page_url: str, links: list[Link], allow: re.Pattern | None = None) -> list[str]:
    """Same-site links that look like list or channel pages (for whole-site discovery)."""
    out: dict[str, None] = {}
    for link in links:
        if not is_page_url(link.url) or not same_site(page_url, link.url) or link.url == page_url:
            continue
        if allow is not None and allow.search(link.url):
            continue  # an article by the user's own rule
        if looks_like_list(link):
            out[link.url] = None
    return list(out)


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
