"""Keywords, regions and related-article links.

Pure functions live in :mod:`aggregator.relate.text` and :mod:`aggregator.relate.regions`;
the database functions the store pipeline calls live in :mod:`aggregator.relate.store`.
"""

from aggregator.relate.regions import RegionMention, find_regions
from aggregator.relate.store import (
    ensure_schema,
    index_article,
    index_keywords,
    index_regions,
    link_related,
    rebuild_all,
)

__all__ = [
    "RegionMention",
    "ensure_schema",
    "find_regions",
    "index_article",
    "index_keywords",
    "index_regions",
    "link_related",
    "rebuild_all",
]
