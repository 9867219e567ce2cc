"""An exception lost in an asyncio task fails the run instead of passing for success."""

from __future__ import annotations

import json

from tests.conftest import run_scrapy
from tests.test_crawl_e2e import rows

from aggregator import settings

# -s EXTENSIONS replaces the project's dict: keep ours beside the bomb
BOMB = json.dumps({**settings.EXTENSIONS, "tests.loop_bomb.LoopBomb": 0})


def test_an_exception_nobody_awaited_fails_the_run(fixture_site, sqlite_url):
    result = run_scrapy("crawl", "article", "-a", f"url={fixture_site.url}/zblog/post/1.html",
                        "-s", f"EXTENSIONS={BOMB}", db_url=sqlite_url)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "lost in an asyncio task" in result.stderr  # the handler it wraps still logs it
    _, runs = rows(sqlite_url)
    assert runs[-1].status == "failed"
    assert "event loop 1" in runs[-1].problems["exceptions"]
    assert "unhandled in the event loop 1" in result.stdout + result.stderr


def test_without_such_an_exception_the_same_run_finishes(fixture_site, sqlite_url):
    result = run_scrapy("crawl", "article", "-a", f"url={fixture_site.url}/zblog/post/1.html", db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    _, runs = rows(sqlite_url)
    assert runs[-1].status == "finished"
