"""Hostile responses through the real `scrapy crawl` against a real HTTP server on
127.0.0.1 (tests/mockserver.py): Retry-After on 429/503 is honoured without blocking
the reactor, truncated pages are retried and then dropped as `truncated`."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from scrapy.http import HtmlResponse
from sqlalchemy import create_engine, text

from aggregator.middlewares.retry_after import parse_retry_after
from aggregator.middlewares.truncated import truncation
from tests.conftest import FIXTURES, run_scrapy
from tests.mockserver import MockServer

A = "/news/2024-05/10/c1004-40232587.html"
B = "/news/2024-05/09/3dd6e33cc6d749fb.html"
C = "/news/2024-05/13/content_117184963.html"
D = "/news/2024-05/13/content_37319243.html"
E = "/zblog/post/1.html"


@pytest.fixture(scope="module")
def server():
    with MockServer(FIXTURES / "site") as s:
        yield s


def stats_of(result) -> dict:
    """The final stats dump of a crawl's log (Scrapy prints it at INFO)."""
    log = result.stderr
    start = log.rindex("Dumping Scrapy stats:")
    block = log[start:].split("\n", 1)[1]
    end = block.index("}\n") + 1
    raw = re.sub(r"datetime\.datetime\([^)]*\)", "0", block[:end])
    return eval(raw, {"__builtins__": {}})  # noqa: S307 - Scrapy's own pprint of plain values


def stored_paths(db_url: str) -> set[str]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        urls = list(conn.execute(text("SELECT fetched_url FROM articles")).scalars())
    engine.dispose()
    return {re.sub(r"^http://[^/]+(/flaky/\d+/\w+/\d+/\d+/[^/]+|/cut/\w+/\d+/[^/]+)?", "", u) for u in urls}


def test_parse_retry_after():
    assert parse_retry_after(b"4") == 4.0
    assert parse_retry_after(b" 120 ") == 120.0
    assert parse_retry_after(b"Wed, 21 Oct 2015 07:28:05 GMT", b"Wed, 21 Oct 2015 07:28:00 GMT") == 5.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=0) > 1e9  # no Date: the local clock
    assert parse_retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT", b"Wed, 21 Oct 2015 07:29:00 GMT") == 0.0  # past
    for bad in (None, b"", b"soon", b"-3", b"1.5e3"):
        assert parse_retry_after(bad) is None


def test_retry_after_is_honoured_without_blocking(server, tmp_path, sqlite_url):
    tok = uuid.uuid4().hex[:8]
    paths = {
        "429 s 1, once": (f"/flaky/429/s/1/1/{tok}{A}", 1.0),
        "503 date 2, once": (f"/flaky/503/date/2/1/{tok}{B}", 2.0),
        "429 s 1, always": (f"/flaky/429/s/1/99/{tok}{C}", 1.0),
        "503 s 30, too long": (f"/flaky/503/s/30/99/{tok}{D}", None),
    }
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"{server.url}{p}\n" for p, _ in paths.values()) + f"{server.url}{E}\n", encoding="utf-8")
    result = run_scrapy("crawl", "article", "-a", f"urls_file={urls}", "-s", "RETRY_TIMES=1",
                        "-s", "AGGREGATOR_RETRY_AFTER_MAX=5", db_url=sqlite_url)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    hits = {name: server.hits(p) for name, (p, _) in paths.items()}
    # retried once each, no earlier than the delay the server asked for
    for name in ("429 s 1, once", "503 date 2, once", "429 s 1, always"):
        first, second = hits[name]
        assert second - first >= paths[name][1] - 0.01, (name, second - first)
        assert second - first < paths[name][1] + 2.0, (name, second - first)
    # beyond AGGREGATOR_RETRY_AFTER_MAX: given up at once, not retried at once either
    assert len(hits["503 s 30, too long"]) == 1
    # the waits overlapped (a blocked reactor would have served them one after another: 1+2+1 s)
    all_first = min(h[0] for h in hits.values())
    assert max(h[-1] for h in hits.values()) - all_first < 3.0
    assert stored_paths(sqlite_url) == {A, B, E}
    stats = stats_of(result)
    assert stats["aggregator/retry_after/waited"] == 3
    assert stats["aggregator/retry_after/seconds"] == 4.0
    assert stats["aggregator/retry_after/too_long"] == 1
    assert stats["aggregator/retry_after/gave_up"] == 1
    assert stats["aggregator/page_dropped/http_error"] == 2


def test_truncation_rule():
    page = (FIXTURES / "site" / A.lstrip("/")).read_bytes()

    def judge(body: bytes, **headers) -> str | None:
        return truncation(HtmlResponse(url="http://x/", body=body, headers={"Content-Type": "text/html", **headers}))

    assert judge(page) is None
    assert judge(page[: len(page) // 2]) == "cut"
    assert judge(page, **{"Content-Length": str(len(page) + 10)}) == "short_body"
    assert judge(re.sub(rb"</(body|html)>", b"", page)) == "no_end_tags"  # ambiguous: fetched again
    small = b"<html><body><p>" + "一段手写的短文，没有结束标签。".encode() * 20  # small, by hand
    assert judge(small) is None
    assert judge(page[: len(page) // 2], **{"Content-Type": "text/plain"}) is None
    assert judge(b"<script>var s = '</html>';</script>" + page[: len(page) // 2]) == "cut"  # end tag in a script
    # an empty 200, a 404, a fragment
    assert judge(b"") is None
    assert truncation(HtmlResponse(url="http://x/", status=404, body=page[:5000])) is None
    assert judge(b"<div>" * 600) is None


def test_truncated_pages_retried_then_dropped(server, tmp_path, sqlite_url):
    """…and, in the same crawl to keep the suite short, a UTF-8 page (header and meta)
    with a few GBK bytes is stored as UTF-8, not as GB18030 mojibake."""
    from tests.mockserver import STRAY_PARAGRAPH, STRAY_TITLE

    tok = uuid.uuid4().hex[:8]
    paths = {
        "short once": f"/cut/short/1/{tok}{A}",  # connection closed early once, then whole
        "half always": f"/cut/half/99/{tok}{B}",  # cut in half with a correct Content-Length
        "short always": f"/cut/short/99/{tok}{C}",
        "no end tags, same bytes": f"/cut/noend/99/{tok}{D}",  # ambiguous and stable: accepted
    }
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"{server.url}{p}\n" for p in paths.values()) + f"{server.url}/stray-gbk/4.html\n",
                    encoding="utf-8")
    result = run_scrapy("crawl", "article", "-a", f"urls_file={urls}", "-s", "RETRY_TIMES=2", db_url=sqlite_url)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    counts = {name: len(server.hits(p)) for name, p in paths.items()}
    assert counts == {"short once": 2, "half always": 3, "short always": 3, "no end tags, same bytes": 2}
    assert stored_paths(sqlite_url) == {A, D, "/stray-gbk/4.html"}  # the half pages are not stored
    stats = stats_of(result)
    assert stats["aggregator/page_dropped/truncated"] == 2
    assert stats["retry/reason_count/truncated"] == 1 + 2 + 2 + 1
    assert stats["aggregator/truncated/accepted_unclosed"] == 1
    assert stats["aggregator/truncated/detected/short_body"] == 1 + 3
    assert stats["aggregator/truncated/detected/cut"] == 3
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        dropped = json.loads(conn.execute(text("SELECT items_dropped FROM crawl_runs")).scalar() or "{}")
        title, body = conn.execute(text("SELECT title, body FROM articles WHERE fetched_url LIKE '%stray-gbk%'")).one()
    engine.dispose()
    assert dropped.get("truncated") == 2
    assert STRAY_TITLE[2:] in title, title  # not GB18030 mojibake
    assert STRAY_PARAGRAPH[10:] in body and "优化营商环境" in body, body[:200]


def test_a_list_page_cut_once_loses_nothing(tmp_path, sqlite_url):
    """A big list page cut in half (correct Content-Length) on the first fetch: retried,
    and every article behind it is still found."""
    site = tmp_path / "site"
    sentences = (FIXTURES / "site" / A.lstrip("/")).read_text(encoding="utf-8", errors="replace")
    text_pool = re.findall(r"[\u4e00-\u9fff，。、]{12,}", sentences)
    assert len(text_pool) > 20
    n = 60
    links = []
    for i in range(n):
        path = f"/news/2024-06/{i:02d}/content_{1000 + i}.html"
        body = "".join(f"<p>第{i}篇第{k}段：{text_pool[(i * 7 + k) % len(text_pool)]}{text_pool[(i + k * 3) % len(text_pool)]}</p>"
                       for k in range(6))
        page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>园区新闻第{i}号</title></head><body>"
                f"<div class='article'><h1>园区新闻第{i}号 招商引资</h1><div class='date'>2024-06-{1 + i % 28:02d} 10:00</div>"
                f"<div class='content'>{body}</div></div></body></html>")
        (site / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (site / path.lstrip("/")).write_text(page, encoding="utf-8")
        links.append(f"<li><a href='{path}'>园区新闻第{i}号 招商引资</a> <span>2024-06-{1 + i % 28:02d}</span></li>")
    (site / "list.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>园区动态</title></head><body><div id='main'>"
        f"<ul class='list'>{''.join(links)}</ul></div></body></html>", encoding="utf-8")
    with MockServer(site) as s:
        start = f"/cut/half/1/{uuid.uuid4().hex[:8]}/list.html"
        result = run_scrapy("crawl", "site", "-a", f"start_url={s.url}{start}", "-a", "max_pages=1",
                            "-s", "RELATE_ENABLED=False", db_url=sqlite_url)
        assert len(s.hits(start)) == 2
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT COUNT(*) FROM articles")).scalar()
    engine.dispose()
    assert stored == n, result.stderr[-3000:]

