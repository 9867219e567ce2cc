"""Text that came from crawled pages prints literally in every `aggregator` command:
rich markup (`[/]`, `[bold]`, `[link=…]`) and emoji codes are not interpreted, control
characters do not reach the terminal."""

from __future__ import annotations

import sqlite3

from tests.analyst.conftest import cli
from tests.conftest import ROOT, run_scrapy

GOOD = ROOT / "data" / "sites" / "taiyuan-industry.example" / "post" / "1.html"
TITLE = "临港[/]大会[bold]举办[/bold] :smile: [link=http://evil.example]点此[/link] [red"
ORIGINAL_TITLE = "2023临港集团创新发展大会举办"


def test_plain_removes_control_characters():
    from aggregator.cli.common import plain

    assert plain("a\x1b[31mred\x1b]0;t\x07\x9b b\tc") == "a[31mred]0;t b\tc"
    assert plain("[/] [bold]") == "[/] [bold]"
    assert plain(None) == ""


def test_crawled_markup_prints_literally(tmp_path, sqlite_url, capsys, monkeypatch):
    site = tmp_path / "mirror" / "hostile.example"
    (site / "post").mkdir(parents=True)
    (site / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    html = GOOD.read_text(encoding="utf-8").replace(ORIGINAL_TITLE, TITLE.replace("&", "&amp;").replace("<", "&lt;"))
    html = html.replace("从临港到未来", "从临港[/][bold]到未来", 1)  # in the body too: the search excerpt
    (site / "post" / "1.html").write_text(html, encoding="utf-8")
    crawl = run_scrapy("crawl", "article", "-a", "url=http://hostile.example/post/1.html",
                       "-s", f"AGGREGATOR_MIRROR_DIR={tmp_path / 'mirror'}", db_url=sqlite_url)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    db = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT title FROM articles").fetchone()
        assert "[/]" in stored and "[bold]" in stored, stored
        # names and labels that would come from pages on other sources
        conn.execute("UPDATE sources SET name = '源[/]名[bold]'")
        conn.execute("UPDATE articles SET category = '频道[/][italic]'")
        conn.execute("INSERT INTO article_keywords (article_id, keyword, weight) SELECT id, '[/]词', 9.9 FROM articles")
    conn.close()
    monkeypatch.setenv("COLUMNS", "160")
    from tests.analyst.test_export_output import run_in_process

    results = [run_in_process(capsys, "--db", sqlite_url, *argv) for argv in (
        ("search", "临港"), ("search", "[/]", "临港"), ("search", "--copies", "临港"),
        ("stats",), ("health",), ("export", "--format", "jsonl"),
    )]
    results.append(cli("search", "临港", db=sqlite_url))  # the real command line too
    for result in results:
        assert result.returncode in (0, 1), result.stderr[-2000:]
        assert "MarkupError" not in result.stderr and "Traceback" not in result.stderr
    assert results[-1].stdout == results[0].stdout
    search, search_brackets, copies, stats, health, export = (r.stdout for r in results[:6])
    flat = lambda s: "".join(s.split())  # noqa: E731 - the table folds long cells over lines
    for out in (search, copies):
        assert flat(stored)[:20] in flat(out), out
        assert "[/]大会[bold]举办[/bold]" in flat(out) and ":smile:" in out and "[link=http://evil.example]" in flat(out)
        assert "[/][bold]" in out  # the excerpt
        assert "源[/]名[bold]" in flat(out)
    assert "result" in search_brackets
    assert "源[/]名[bold]" in stats and "频道[/][italic]" in stats and "[/]词" in stats
    assert "源[/]名[bold]" in health
    assert TITLE.split(" ")[0] in export
