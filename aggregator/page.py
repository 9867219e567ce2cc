"""From a fetched page to an ArticleItem: shared by the spiders and `scrapy reprocess`,
so a re-processed page goes through exactly what a freshly fetched one does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import re

from parsel import Selector

from aggregator import drops
from aggregator.category import category_from_page
from aggregator.extract import ExtractionError, extract_article
from aggregator.items import ArticleItem

CANONICAL_LINK = re.compile(rb"<link\b[^>]*\brel=[\"']?canonical[\"']?[^>]*>", re.I)
HREF = re.compile(rb"\bhref=[\"']?([^\"' >]+)", re.I)

#: Markup that only HTML has: a document tag, or a closed common element. A page with none
#: is text (plain text, or bytes decoded as text), not an HTML page; random bytes hit
#: one of these by chance about once in 2^32 positions.
HTML_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|title)[\s>/]|</(?:p|div|a|span|td|li|h[1-6]|article|section|font|b|table)\s*>",
    re.I)

# ExtractionError.reason -> the drop reason counted for the page
EXTRACTION_DROP_REASONS = {"empty": drops.NO_ARTICLE, "not_html": drops.NOT_HTML, "too_large": drops.OVERSIZED}


class PageDropped(Exception):
    """The page cannot become an article; ``reason`` is the counted drop reason."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


def page_to_item(
    raw: bytes,
    url: str,
    *,
    source: str,
    fetched_at: datetime,
    encoding: str | None = None,
    selectors: Mapping[str, str] | None = None,
    category: str | None = None,
    min_body_chars: int = 40,
) -> ArticleItem:
    """Extract the article of one page; raise PageDropped with a named reason if there is none."""
    try:
        extracted = extract_article(raw, url, encoding=encoding, selectors=selectors or None, now=fetched_at)
    except ExtractionError as exc:
        raise PageDropped(EXTRACTION_DROP_REASONS.get(exc.reason, drops.EXTRACTION_FAILED), str(exc)) from exc
    if not extracted.title and not looks_like_html(raw):
        # whatever the Content-Type said: text without a title is no article page
        raise PageDropped(drops.NOT_ARTICLE, "no HTML markup and no title")
    if len(extracted.body.strip()) < min_body_chars:
        raise PageDropped(drops.NO_ARTICLE, f"body of {len(extracted.body.strip())} characters")
    if category is None and extracted.encoding:
        category = category_from_page(Selector(text=raw.decode(extracted.encoding, errors="replace")))
    return ArticleItem(
        url=url,
        source=source,
        title=extracted.title,
        body=extracted.body,
        published_at=extracted.published_at.isoformat() if extracted.published_at else None,
        date_source=extracted.date_source,
        author=extracted.author,
        origin=extracted.origin,
        editor=extracted.editor,
        category=category,
        fetched_at=fetched_at.isoformat(timespec="seconds"),
        raw_html=raw,
        encoding=extracted.encoding,
        canonical_url=canonical_link(raw, url),
    )


def looks_like_html(raw: bytes) -> bool:
    return HTML_MARKUP.search(raw[:200_000]) is not None


def canonical_link(raw: bytes, url: str) -> str | None:
    """The page's ``<link rel="canonical">`` (absolute), if it has one; the dedup stage
    decides whether to trust it (only on the same site)."""
    tag = CANONICAL_LINK.search(raw[:200_000])
    href = HREF.search(tag.group(0)) if tag else None
    if not href:
        return None
    from urllib.parse import urljoin

    return urljoin(url, href.group(1).decode("ascii", "ignore").strip()) or None
