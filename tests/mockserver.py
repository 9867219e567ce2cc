"""A real HTTP server on 127.0.0.1 for end-to-end crawls (after Scrapy's tests/mockserver).

Serves a directory of static pages, plus a few routes that misbehave the way real
sites do, so the crawl's handling of bad input is tested over a real connection:

    /bad/empty           200 with an empty body
    /bad/binary          200 application/octet-stream
    /bad/huge            a page larger than DOWNLOAD_MAXSIZE (set low by the tests)
    /bad/malformed       tag soup with no article in it
    /bad/offsite         302 to another host (localhost instead of 127.0.0.1)
    /bad/missing         404
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HUGE_PAGE_BYTES = 3 * 1024 * 1024


class Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        route = self.path.split("?")[0]
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
        return super().do_GET()

    def _send(self, status: int, body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class MockServer:
    def __init__(self, root: Path):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "MockServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
