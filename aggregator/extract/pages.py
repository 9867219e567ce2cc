"""Multi-page articles: the URLs of an article's further pages (pure functions)."""

from __future__ import annotations


def article_page_links(html, url: str) -> list[str]:
    return []
