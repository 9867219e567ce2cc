"""Serve a site from a local copy on disk: the offline demo and tests crawl with the same
spider and pipeline code as a live crawl.

With ``AGGREGATOR_MIRROR_DIR=DIR``, a request for ``http(s)://HOST/PATH`` is answered
from ``file://DIR/HOST/PATH`` (``index.html`` for a path ending in ``/``) and the
response keeps the original URL, so links, stored URLs and dedup behave as online.
Unset (the default), the middleware is off.

Only regular files inside ``DIR/HOST`` are ever served, whatever the URL holds: a host
that is not a plain DNS name (``..``, ``%2e%2e``, ``a/b``), a path with a ``..``
segment (also spelled ``%2e%2e``, or behind an encoded slash ``%2f`` or a backslash),
NUL bytes, or a file that resolves outside the host's folder (a symlink out of it) is
refused. With the mirror on nothing goes to the network: a refused URL, a host with no
folder in the mirror and a missing file are all answered with a synthesized **404**
response (header ``X-Aggregator-Mirror: refused`` or ``missing``), so the spider counts
them as ``http_error`` like a dead link, and nothing outside the mirror is read.
Stats: ``aggregator/mirror/served``, ``aggregator/mirror/missing``,
``aggregator/mirror/refused``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Response

logger = logging.getLogger(__name__)

MIRRORED = "aggregator_mirror_of"
STATS = "aggregator/mirror/"
_HOST = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$")


class Refused(Exception):
    """The URL cannot name a file inside the mirror (traversal, odd host)."""


class OfflineMirrorMiddleware:
    def __init__(self, root: Path, stats=None):
        self.root = root
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("AGGREGATOR_MIRROR_DIR")
        if not root:
            raise NotConfigured  # off unless asked for: no warning in every live run
        return cls(Path(root).resolve(), crawler.stats)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(STATS + key)

    def process_request(self, request):
        if MIRRORED in request.meta:
            return None
        if urlsplit(request.url).scheme not in ("http", "https"):
            return None  # file:, data: … are not the mirror's business
        try:
            local = locate(self.root, request.url)
        except Refused as exc:
            self._inc("refused")
            logger.warning("Mirror refused %s: %s", request.url, exc)
            return _not_found(request, b"refused")
        if local is None or not local.is_file():
            self._inc("missing")
            return _not_found(request, b"missing")
        self._inc("served")
        return request.replace(url=local.as_uri(), meta={**request.meta, MIRRORED: request.url}, dont_filter=True)

    def process_response(self, request, response):
        original = request.meta.get(MIRRORED)
        return response.replace(url=original) if original else response


def _not_found(request, why: bytes) -> Response:
    return Response(request.url, status=404, headers={"X-Aggregator-Mirror": why, "Content-Type": "text/plain"},
                    body=b"not in the offline mirror (" + why + b")\n", request=request)


def mirror_path(root: Path, url: str) -> Path | None:
    """Where ``url`` lives inside the mirror (the file may not exist), or None when the
    host is not mirrored or the URL tries to name anything outside it."""
    try:
        return locate(root, url)
    except Refused:
        return None


def locate(root: Path, url: str) -> Path | None:
    """The path inside ``root/HOST`` that serves ``url`` (it may not exist); None when
    the host has no folder in the mirror.

    Raises :class:`Refused` when the URL tries to name anything outside the mirror.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not _HOST.match(host) or host.strip(".") == "":
        raise Refused(f"host {host!r} is not a plain host name")
    host = host.rstrip(".")
    root = root.resolve()
    host_dir = (root / host).resolve()
    if host_dir.parent != root:
        raise Refused(f"the folder of host {host!r} leads outside the mirror (symlink?)")
    if not host_dir.is_dir():
        return None  # not mirrored
    path = unquote(parts.path or "/")
    if "\x00" in path:
        raise Refused("NUL byte in the path")
    if path.endswith(("/", "\\")):
        path += "index.html"
    segments = [s for s in re.split(r"[/\\]", path) if s not in ("", ".")]
    if ".." in segments:
        raise Refused("'..' in the path")
    local = host_dir.joinpath(*segments).resolve()
    if not local.is_relative_to(host_dir) or local == host_dir:
        raise Refused("the path resolves outside the mirror (symlink?)")
    return local
