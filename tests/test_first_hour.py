"""An operator's first hour (issue 16): mistakes answered with one line and exit 2 before
anything is fetched, pages that are not articles dropped by name, categories that are
channels, a compact log with a progress line, contracts that check something."""

from __future__ import annotations

import random
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from aggregator import config, drops
from aggregator.category import channel_name
from aggregator.extensions.crawl_run import run_line
from aggregator.extensions.progress import progress, progress_line
from aggregator.outcome import Outcome
from aggregator.page import PageDropped, page_to_item
from aggregator.spiders.article import ArticleSpider
from aggregator.spiders.base import SpiderArgumentError, UnknownArgument
from aggregator.spiders.site import SiteSpider
from aggregator.spiders.taiyuan_industry import TaiyuanIndustrySpider
from tests.conftest import ROOT, run_scrapy

MIRROR = ["-s", f"AGGREGATOR_MIRROR_DIR={ROOT / 'data/sites'}"]
#: What these crawls do not need: a worker process, the relate stage (seconds each).
LEAN = ["-s", "AGGREGATOR_WORKERS=0", "-s", "RELATE_ENABLED=False"]


def count(db_url: str, sql: str) -> int:
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql).fetchone()[0]


# --------------------------------------------------------------------------- settings


def test_every_setting_the_code_reads_is_in_the_table():
    read = set()
    for path in (ROOT / "aggregator").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'config\.value\([^,]+, "([A-Z_]+)"\)', source))
        # a component reading one of ours without the table would skip its checks
        bare = re.findall(r'\.get(?:int|float|bool|list)\("((?:AGGREGATOR|BOILERPLATE|INCREMENTAL|RELATE|CRAWL_RUNS)_[A-Z_]+)"', source)
        assert not bare or path.parts[-2] == "relate", f"{path}: read {bare} through aggregator.config.value"
    settings_py = (ROOT / "aggregator/settings.py").read_text(encoding="utf-8")
    ours = set(re.findall(r"^((?:AGGREGATOR|BOILERPLATE|INCREMENTAL|RELATE|CRAWL_RUNS)_[A-Z_]+) =", settings_py, re.M))
    assert len(read) >= 25
    assert read | ours <= set(config.BY_NAME), (read | ours) - set(config.BY_NAME)


def test_the_defaults_pass_their_own_checks():
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("aggregator.settings")
    assert config.check(settings) == []
    assert config.value(settings, "AGGREGATOR_WORKERS") == 1
    assert config.value(settings, "INCREMENTAL_STOP_AFTER") == 1
    assert config.value(settings, "RELATE_TOP_K") is None  # unset: the relate module's own default


@pytest.mark.parametrize("name, raw, message", [
    ("AGGREGATOR_WORKERS", "abc", "AGGREGATOR_WORKERS: expected a whole number, got 'abc'"),
    ("AGGREGATOR_WORKERS", "-1", "AGGREGATOR_WORKERS: must be at least 0, got '-1'"),
    ("AGGREGATOR_WORKERS", "1.5", "expected a whole number"),
    ("INCREMENTAL_STOP_AFTER", "x", "INCREMENTAL_STOP_AFTER: expected a whole number, got 'x'"),
    ("AGGREGATOR_BATCH_SECONDS", "0", "must be above 0"),
    ("AGGREGATOR_MAX_FAILED_SHARE", "1.5", "must be at most 1"),
    ("AGGREGATOR_KEEP_RAW", "maybe", "expected True or False"),
    ("RELATE_THRESHOLD", "nan", "expected a number"),
])
def test_a_wrong_type_or_range_is_named(name, raw, message):
    with pytest.raises(config.SettingError, match=re.escape(message)):
        config.parse(config.BY_NAME[name], raw)


def test_a_misspelt_setting_gets_a_did_you_mean():
    from scrapy.settings import Settings

    settings = Settings()
    settings.set("AGGREGATOR_WORKER", "2", priority="cmdline")
    assert config.check(settings) == ["unknown setting AGGREGATOR_WORKER (did you mean AGGREGATOR_WORKERS?)"]


def test_database_url_mistakes(tmp_path, monkeypatch):
    for url, message in [
        ("notaurl", "is not a URL"),
        ("mysql://u@localhost/x", "mysql is not supported"),
        ("sqlite:////nonexistent/dir/x.db", "folder '/nonexistent/dir' does not exist"),
        ("postgresql://u@localhost", "names no database"),
    ]:
        with pytest.raises(config.SettingError, match=re.escape(message)):
            config.check_db_url(url)
    monkeypatch.chdir(tmp_path)  # no data/ folder here: the default one is created, not refused
    config.check_db_url("sqlite:///data/aggregator.db")
    config.check_db_url(f"sqlite:///{tmp_path}/x.db")


def test_mistakes_on_the_command_line_are_one_line_exit_2_before_anything(sqlite_url, tmp_path):
    site = ["site", "-a", "start_url=http://127.0.0.1:9/"]
    cases = [
        ([*site, "-s", "AGGREGATOR_WORKERS=abc"], None, 2, "error: AGGREGATOR_WORKERS: expected a whole number, got 'abc'"),
        ([*site, "-s", "INCREMENTAL_STOP_AFTER=x"], None, 2, "error: INCREMENTAL_STOP_AFTER: expected a whole number"),
        ([*site, "-a", "max_page=3"], None, 2, "error: unknown argument -a max_page (did you mean max_pages?)"),
        (site, "notaurl", 2, "error: database URL 'notaurl' is not a URL"),
        (site, "mysql://u@localhost/x", 2, "error: database URL mysql://u@localhost/x: mysql is not supported"),
        (site, f"sqlite:///{tmp_path}/missing/x.db", 2, "error: database URL"),
        (site, "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_db_h16", 2, "error: database: OperationalError"),
        # nothing listens there: an outage of a valid URL, which the next run may find back
        (site, "postgresql+psycopg://postgres@127.0.0.1:9/test", 1, "error: database unavailable: "),
    ]

    def run(case):
        args, url, _, _ = case
        return run_scrapy("crawl", *args, db_url=url or sqlite_url)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, cases))
    for (args, url, code, message), result in zip(cases, results):
        lines = result.stderr.strip().splitlines()
        assert (result.returncode, len(lines)) == (code, 1), (args, url, result.stderr[-2000:])
        assert lines[0].startswith(message), (args, url, lines)
    assert not (tmp_path / "missing").exists()  # refused, not created
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # nothing was opened, let alone fetched


# --------------------------------------------------------------------------- arguments


def test_unknown_spider_arguments_are_refused_with_a_suggestion():
    with pytest.raises(UnknownArgument) as caught:
        SiteSpider.validate_arguments(start_url="http://a.example/", max_page="3")
    assert caught.value.line == "unknown argument -a max_page (did you mean max_pages?)"
    with pytest.raises(UnknownArgument):
        TaiyuanIndustrySpider.validate_arguments(urls_file="x")  # the article spider's, not a source's
    ArticleSpider.validate_arguments(url="http://a.example/1.html", _job="42")  # scrapyd's own


def test_a_urls_file_in_gbk_is_read(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_bytes("# 新闻列表\nhttp://a.example/新闻/1.html\n".encode("gbk"))
    assert ArticleSpider.validate_arguments(urls_file=str(path))["urls"] == ["http://a.example/新闻/1.html"]
    path.write_bytes("\ufeffhttp://a.example/1.html\n".encode("utf-8"))  # Notepad's BOM
    assert ArticleSpider.validate_arguments(urls_file=str(path))["urls"] == ["http://a.example/1.html"]
    path.write_bytes(b"http://a.example/\x81\x20.html\n")  # neither UTF-8 nor GB18030
    with pytest.raises(SpiderArgumentError, match="neither UTF-8 nor GBK/GB18030 text: save it as UTF-8"):
        ArticleSpider.validate_arguments(urls_file=str(path))


# --------------------------------------------------------------------------- pages


def _spider(cls=TaiyuanIndustrySpider):
    crawler = get_crawler(cls, {"INCREMENTAL_ENABLED": False, "AGGREGATOR_FRONTIER_ENABLED": False})
    spider = cls.from_crawler(crawler)
    crawler.spider = spider
    return spider


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/plain", None])
@pytest.mark.parametrize("body", ["plain", "random"])
def test_text_without_markup_or_title_is_dropped_as_not_article(content_type, body):
    if body == "plain":
        raw = "太原市今年工业增加值增长，产业园区建设提速，更多企业入驻，带动就业与投资。\n".encode() * 4
    else:
        raw = random.Random(7).randbytes(6000).replace(b"\x00", b"")  # NULs would make it not_html
    headers = {"Content-Type": content_type} if content_type else {}
    cls = HtmlResponse if content_type and "html" in content_type else TextResponse
    response = cls("https://a.example/post/1.html", body=raw, headers=headers, encoding="utf-8",
                   request=Request("https://a.example/post/1.html"))
    spider = _spider()
    assert list(spider.parse_article(response)) == []
    assert spider.crawler.stats.get_value(drops.PAGE_DROP_PREFIX + drops.NOT_ARTICLE) == 1
    with pytest.raises(PageDropped) as caught:
        page_to_item(raw, "https://a.example/1", source="s", fetched_at=__import__("datetime").datetime.now())
    assert caught.value.reason == drops.NOT_ARTICLE


def test_an_html_page_without_a_title_is_still_judged_by_its_body():
    raw = ("<html><body><div><p>" + "太原市产业园区今年新入驻企业四十余家，带动投资增长。" * 4 + "</p></div></body></html>").encode()
    item = page_to_item(raw, "https://a.example/1", source="s", fetched_at=__import__("datetime").datetime.now())
    assert item.body


# --------------------------------------------------------------------------- categories


@pytest.mark.parametrize("text", ["下一页", "尾页", "上一页", "首页", "末页", "2", "[3]", "第2页", "共5页", ">>", "»", "下一页>",
                                  "更多", "more>>", "1 2 3", "..."])
def test_pager_texts_name_no_channel(text):
    assert channel_name(text) is None


@pytest.mark.parametrize("text", ["产业动态", "太原产业信息", "园区动态", "News"])
def test_channel_texts_do(text):
    assert channel_name(text) == text


def test_the_site_spider_never_takes_a_pager_for_a_channel(fixture_site, sqlite_url):
    result = run_scrapy("crawl", "site", "-a", f"start_url={fixture_site.url}/index.html", *LEAN, db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        categories = [c for (c,) in conn.execute("SELECT category FROM articles")]
    assert len(categories) >= 5
    assert not [c for c in categories if c and channel_name(c) is None], categories  # no 下一页, 尾页, 2 …
    assert "下一页" not in categories


def test_a_crawl_keeps_another_sources_category(sqlite_url):
    from sqlalchemy.orm import Session

    from aggregator.db.engine import make_engine
    from aggregator.dedup import body_hash
    from aggregator.pipelines.store import STORED_FIELDS, store_articles

    body = "太原市产业园区今年新入驻企业四十余家，带动投资增长。" * 5

    def item(source, category, title):
        return {**dict.fromkeys(STORED_FIELDS), "url": "https://a.example/post/1.html", "source": source,
                "title": title, "body": body + title, "body_hash": body_hash(body + title), "category": category,
                "fetched_at": "2024-06-01T00:00:00+00:00", "run_id": None}

    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        store_articles(session, [item("园区网", "园区动态", "一")], spider="park", keep_raw=False, relate=False)
        # another source's crawl (a `site` crawl guessing 下一页, an `article` refresh) of the same page
        result = store_articles(session, [item("a.example", "下一页", "二")], spider="site", keep_raw=False, relate=False)
        assert result[0]["outcome"] == "updated"  # its content is refreshed ...
        row = session.execute(__import__("sqlalchemy").text(
            "SELECT s.name, a.category, a.title FROM articles a JOIN sources s ON s.id = a.source_id")).one()
        assert tuple(row) == ("园区网", "园区动态", "二")  # ... its source and category stay
        # the source's own crawl may change its category
        store_articles(session, [item("园区网", "招商信息", "三")], spider="park", keep_raw=False, relate=False)
        assert session.execute(__import__("sqlalchemy").text("SELECT category FROM articles")).scalar() == "招商信息"
    engine.dispose()


# --------------------------------------------------------------------------- the log


def test_the_run_line_counts_links_left_off_site():
    stats = {"response_received_count": 1, "offsite/filtered": 7}
    summary = {"pages_fetched": 1, "items_stored": 0, "duplicates": 0, "skipped": 0, "items_dropped": {}}
    line = run_line(3, Outcome("finished"), summary, stats)
    assert "7 off-site links not followed" in line
    assert "off-site" not in run_line(3, Outcome("finished"), summary, {"response_received_count": 1})


def test_progress_line():
    stats = {"response_received_count": 30, "aggregator/stored/inserted": 20, "aggregator/stored/updated": 2,
             "aggregator/page_dropped/http_error": 2, "item_dropped_reasons_count/NoBody": 1}
    figures = progress(stats, queued=11)
    assert figures == {"fetched": 30, "stored": 22, "dropped": 3, "queued": 11}
    assert progress_line(figures, 60.0) == "Progress: 30 pages fetched (30/min), 22 stored, 3 dropped, 11 queued"


def test_a_crawl_on_a_schema_older_than_the_release_says_upgrade_and_exits_2(tmp_path):
    from alembic import command

    from aggregator.db import migrations
    from aggregator.db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "0007_distributed")
    engine.dispose()
    result = run_scrapy("crawl", "site", "-a", "start_url=http://127.0.0.1:9/", db_url=url)
    lines = result.stderr.strip().splitlines()
    assert (result.returncode, lines) == (2, [
        f"error: the database schema is at 0007_distributed, this release works with {migrations.HEAD}: "
        "run `aggregator db upgrade` (with the crawls stopped)"]), result.stderr[-2000:]
    assert migrations.upgrade(make_engine(url, create_tables=False))[1] == migrations.HEAD
    result = run_scrapy("crawl", "site", "-a", "start_url=http://127.0.0.1:9/", "-s", "RETRY_TIMES=0", db_url=url)
    assert "schema" not in result.stderr  # upgraded, it crawls (and fails on the dead start URL, as it should)


def _crawl_default_log(*args, db_url):
    """`scrapy crawl` with the log a cron job gets: no -s LOG_LEVEL (run_scrapy gives one)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "AGGREGATOR_DB_URL": db_url}
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", *args, "-s", "DOWNLOAD_DELAY=0",
                           "-s", "AUTOTHROTTLE_ENABLED=False"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_refused_connection_is_a_few_lines_without_traceback(sqlite_url):
    result = _crawl_default_log("site", "-a", "start_url=http://127.0.0.1:9/", "-s", "RETRY_TIMES=0", db_url=sqlite_url)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert any("Dropped page (download_error) http://127.0.0.1:9/" in line for line in lines)
    assert lines[-1].startswith("Run 1 failed: 0 pages")
    assert "Enabled extensions" not in result.stderr and "Dumping Scrapy stats" not in result.stderr
    assert sum("Run 1 failed" in line for line in lines) == 1  # printed last, not logged as well
    assert len(lines) <= 5, result.stderr


def test_the_compact_log_has_progress_lines_and_ends_with_the_run_line(sqlite_url):
    result = _crawl_default_log("taiyuan_industry", *MIRROR, *LEAN, "-s", "AGGREGATOR_PROGRESS_SECONDS=0.2",
                                "-s", "DOWNLOAD_DELAY=0.05", db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    progress_lines = [line for line in lines if "Progress: " in line]
    assert progress_lines and all(re.search(r"\d+ pages fetched \(\d+/min\), \d+ stored, \d+ dropped, \d+ queued$", line)
                                  for line in progress_lines)
    assert re.match(r"Run \d+ finished: 25 pages, 22 stored", lines[-1])
    assert not re.search(r"\[scrapy\.[\w.]+\] INFO", result.stderr)  # none of Scrapy's INFO lines


@pytest.mark.parametrize("level", ["WARNING", "ERROR"])
def test_the_run_line_is_printed_whatever_the_log_level(level, sqlite_url):
    result = run_scrapy("crawl", "site", "-a", "start_url=http://127.0.0.1:9/", "-s", "RETRY_TIMES=0", "-s", f"LOG_LEVEL={level}",
                        db_url=sqlite_url)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Run 1 failed: 0 pages, 0 stored")


# --------------------------------------------------------------------------- parse and check


def test_scrapy_check_runs_the_contracts_against_the_bundled_copy(sqlite_url, tmp_path):
    result = run_scrapy("check", "taiyuan_industry", db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    ran = re.search(r"Ran (\d+) contracts", result.stderr)
    assert ran and int(ran.group(1)) >= 5 and "\nOK" in result.stderr
    assert count(sqlite_url, "SELECT COUNT(*) FROM crawl_runs") == 0
    assert count(sqlite_url, "SELECT COUNT(*) FROM articles") == 0
    # the contracts have teeth: against an empty copy every page is missing
    empty = run_scrapy("check", "taiyuan_industry", "-s", f"AGGREGATOR_MIRROR_DIR={tmp_path}", db_url=sqlite_url)
    assert empty.returncode != 0 and "FAILED" in empty.stderr


@pytest.mark.parametrize("url, expect", [
    ("https://taiyuan-industry.example/post/1.html", "'raw_html': '<"),
    ("https://taiyuan-industry.example/category-1.html", "<GET https://taiyuan-industry.example/category-1_2.html>"),
])
def test_scrapy_parse_reads_list_and_article_pages_without_a_callback(url, expect, sqlite_url):
    result = run_scrapy("parse", "--spider=taiyuan_industry", url, db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "NotImplementedError" not in result.stderr and "Traceback" not in result.stderr
    assert expect in result.stdout
    assert "b'<" not in result.stdout and "\\x" not in result.stdout  # no page bytes dumped
    assert count(sqlite_url, "SELECT COUNT(*) FROM crawl_runs") == 0


@pytest.mark.parametrize("command", ["reprocess", "relate"])
def test_the_other_commands_check_our_settings_too(command, sqlite_url):
    result = run_scrapy(command, "-s", "AGGREGATOR_BATCH_SIZE=0", db_url=sqlite_url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: AGGREGATOR_BATCH_SIZE: must be at least 1, got '0'"]
