"""Serve a site from a local copy on disk: the offline demo and tests crawl with the same
spider and pipeline code as a live crawl.

With ``AGGREGATOR_MIRROR_DIR=DIR``, a request for ``http(s)://HOST/PATH`` is answered
from ``file://DIR/HOST/PATH`` (``index.html`` for a path ending in ``/``) and the
response keeps the original URL, so links, stored URLs and dedup behave as online.
Unset (the default), the middleware is off.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import NotConfigured

MIRRORED = "aggregator_mirror_of"


class OfflineMirrorMiddleware:
    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("AGGREGATOR_MIRROR_DIR")
        if not root:
            raise NotConfigured  # off unless asked for: no warning in every live run
        return cls(Path(root).resolve())

    def process_request(self, request):
        if MIRRORED in request.meta:
            return None
        local = mirror_path(self.root, request.url)
        if local is None:
            return None
        return request.replace(url=local.as_uri(), meta={**request.meta, MIRRORED: request.url}, dont_filter=True)

    def process_response(self, request, response):
        original = request.meta.get(MIRRORED)
        return response.replace(url=original) if original else response


def mirror_path(root: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host_dir = root / parts.hostname
    if not host_dir.is_dir():
        return None
    path = unquote(parts.path or "/")
    if path.endswith("/"):
        path += "index.html"
    local = (host_dir / path.lstrip("/")).resolve()
    if host_dir.resolve() not in local.parents:
        return None  # ../ tricks stay inside the mirror
    return local
