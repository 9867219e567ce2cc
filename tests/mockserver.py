"""A real HTTP server on 127.0.0.1 for end-to-end crawls (after Scrapy's tests/mockserver).

Serves a directory of static pages, plus a few routes that misbehave the way real
sites do, so the crawl's handling of bad input is tested over a real connection:

    /bad/empty           200 with an empty body
    /bad/binary          200 application/octet-stream
    /bad/huge            a page larger than DOWNLOAD_MAXSIZE (set low by the tests)
    /bad/malformed       tag soup with no article in it
    /bad/offsite         302 to another host (localhost instead of 127.0.0.1)
    /bad/missing         404
    /bad/error           500
    /bad/bomb            gzip whose body inflates past DOWNLOAD_MAXSIZE (a decompression bomb)
    /bad/loop            302 to itself, for ever

and routes that fail on purpose a given number of times, then serve PATH from the
directory (every hit is recorded with its time: ``MockServer.hits(path)``):

    /flaky/STATUS/MODE/SECONDS/FAILS/TOKEN/PATH
        the first FAILS hits answer STATUS (429, 503) with ``Retry-After: SECONDS``
        (MODE ``s``) or an HTTP date SECONDS after the response's ``Date`` (``date``)
    /cut/KIND/FAILS/TOKEN/PATH
        the first FAILS hits are cut: ``short`` sends half the body under the full
        Content-Length and closes; ``half`` sends half the body with a Content-Length
        that matches; ``noend`` sends the page without its ``</body>``/``</html>``
    TOKEN is anything: it keeps the hit counts of two tests apart.
    /stray-gbk/N.html
        a short UTF-8 article declared UTF-8 in the header and its meta, with GBK
        words slipped into its title and N paragraphs (``stray_gbk_page``)
"""

from __future__ import annotations

import gzip
import re
import threading
import time
from email.utils import formatdate
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HUGE_PAGE_BYTES = 3 * 1024 * 1024
#: 64 KB on the wire, 64 MB inflated
BOMB = gzip.compress(b"<html><body><p>" + b"0" * (64 * 1024 * 1024) + b"</p></body></html>", 9)
STRAY_GBK = "招商引资".encode("gbk")
STRAY_TITLE = "太原园区建设推进会召开"
STRAY_PARAGRAPH = "太原市召开产业园区建设推进会，会议指出要持续优化营商环境，加快重点项目落地见效，推动园区高质量发展。"


def stray_gbk_page(strays: int) -> bytes:
    """A short article in UTF-8, declared UTF-8 in its meta, with GBK-encoded words
    slipped into its title and into ``strays`` of its six paragraphs: GB18030 decodes
    it with fewer errors than UTF-8, yet 95 % of its non-ASCII bytes are UTF-8."""
    u = lambda t: t.encode("utf-8")  # noqa: E731
    paragraphs = b"".join(u(f"<p>{STRAY_PARAGRAPH[:10]}") + (STRAY_GBK if k < strays else b"")
                          + u(f"{STRAY_PARAGRAPH[10:]}</p>") for k in range(6))
    return (u('<!DOCTYPE html><html><head><meta charset="utf-8"><title>') + u(STRAY_TITLE[:2]) + STRAY_GBK
            + u(f"{STRAY_TITLE[2:]}</title></head><body><div class='article'><h1>{STRAY_TITLE}</h1>"
                "<div class='date'>2024-06-03 10:00</div>") + paragraphs + b"</div></body></html>")


class Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        route = self.path.split("?")[0]
        with self.server.lock:
            earlier = len(self.server.hits.setdefault(route, []))
            self.server.hits[route].append(time.monotonic())
        flaky = re.fullmatch(r"/flaky/(\d+)/(s|date)/(\d+)/(\d+)/[^/]+(/.*)", route)
        if flaky:
            status, mode, seconds, fails, rest = flaky.groups()
            if earlier < int(fails):
                return self._busy(int(status), mode, int(seconds))
            return self._file(rest)
        stray = re.fullmatch(r"/stray-gbk/(\d)\.html", route)
        if stray:
            return self._send(200, stray_gbk_page(int(stray.group(1))), "text/html; charset=utf-8")
        cut = re.fullmatch(r"/cut/(short|half|noend)/(\d+)/[^/]+(/.*)", route)
        if cut:
            kind, fails, rest = cut.groups()
            return self._file(rest, cut=kind if earlier < int(fails) else None)
        if route == "/bad/empty":
            return self._send(200, b"", "text/html")
        if route == "/bad/binary":
            return self._send(200, bytes(range(256)) * 64, "application/octet-stream")
        if route == "/bad/huge":
            return self._send(200, b"<html><body><p>" + b"x" * HUGE_PAGE_BYTES + b"</p></body></html>", "text/html")
        if route == "/bad/malformed":
            return self._send(200, b"<html><<div <p>>>\x00\xff</tr></table><script>", "text/html")
        if route == "/bad/offsite":
            self.send_response(302)
            port = self.server.server_address[1]
            self.send_header("Location", f"http://localhost:{port}/elsewhere.html")
            self.end_headers()
            return None
        if route == "/bad/missing":
            return self._send(404, b"not found", "text/plain")
        if route == "/bad/error":
            return self._send(500, b"internal error", "text/plain")
        if route == "/bad/bomb":
            return self._send(200, BOMB, "text/html", {"Content-Encoding": "gzip"})
        if route == "/bad/loop":
            self.send_response(302)
            self.send_header("Location", "/bad/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return super().do_GET()

    def _busy(self, status: int, mode: str, seconds: int):
        now = int(time.time())  # one clock for Date and Retry-After: the delay is exact
        body = b"busy, come back later"
        self.send_response_only(status)
        self.send_header("Server", "mockserver")
        self.send_header("Date", formatdate(now, usegmt=True))
        self.send_header("Retry-After", str(seconds) if mode == "s" else formatdate(now + seconds, usegmt=True))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _file(self, rest: str, cut: str | None = None):
        try:
            with open(self.translate_path(rest), "rb") as f:
                body = f.read()
        except OSError:
            return self._send(404, b"not found", "text/plain")
        length = len(body)
        if cut == "short":
            body = body[: len(body) // 2]
        elif cut == "half":
            body = body[: len(body) // 2]
            length = len(body)
        elif cut == "noend":
            body = re.sub(rb"</(body|html)\s*>", b"", body, flags=re.IGNORECASE)
            length = len(body)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(rest))
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)
        if cut == "short":
            self.close_connection = True

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class MockServer:
    def __init__(self, root: Path):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.httpd.hits = {}
        self.httpd.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def hits(self, path: str) -> list[float]:
        """When (time.monotonic()) the server was asked for ``path``, in order."""
        with self.httpd.lock:
            return list(self.httpd.hits.get(path, []))

    def __enter__(self) -> "MockServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
