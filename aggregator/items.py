"""The one item every spider yields and every pipeline stage reads.

A plain dataclass, used through itemadapter. Fields that are only useful inside the
pipeline (the raw page, what the cleaners removed) are left out of feed exports by
``FEED_EXPORT_FIELDS`` in settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    url: str
    source: str
    title: str = ""
    body: str = ""  # clean text, one paragraph a line
    published_at: str | None = None  # ISO 8601 with offset; naive Chinese times are Asia/Shanghai
    author: str | None = None
    origin: str | None = None  # the outlet the text came from, as in 来源：新华社
    editor: str | None = None
    category: str | None = None
    fetched_at: str | None = None  # ISO 8601 with offset
    date_source: str | None = None  # where published_at was read from (meta, json-ld, text, url, …)
    removed: list[str] = field(default_factory=list)  # boilerplate lines stripped from the body
    raw_html: bytes | None = None  # the page as fetched, kept (compressed) so `scrapy reprocess` can redo cleaning
    encoding: str | None = None
    # filled by the dedup and store stages
    canonical_url: str | None = None
    body_hash: str | None = None
    duplicate_of: int | None = None
    article_id: int | None = None
    stored: str | None = None  # what the store stage did: inserted, updated or unchanged
    relate_owed: bool = False  # the relate stage must index it (new, changed, or still pending for this run)


EXPORT_FIELDS = [
    "url",
    "source",
    "title",
    "body",
    "published_at",
    "author",
    "origin",
    "editor",
    "category",
    "fetched_at",
    "date_source",
    "removed",
    "duplicate_of",
]
