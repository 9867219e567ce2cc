"""Follows docs/adding-a-source.md: genspider -t source, set the list page, crawl."""

from __future__ import annotations

import os
import re

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article
from tests.conftest import ROOT, run_scrapy


def test_the_guide_adds_a_working_source(fixture_site, sqlite_url, tmp_path):
    guide = (ROOT / "docs" / "adding-a-source.md").read_text(encoding="utf-8")
    assert "scrapy genspider -t source my_park news.my-park.gov.cn" in guide
    # Step 1, into a scratch package instead of aggregator/spiders so the repo stays clean.
    package = tmp_path / "mysources"
    package.mkdir()
    (package / "__init__.py").write_text("")
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    modules = ["-s", "NEWSPIDER_MODULE=mysources", "-s", "SPIDER_MODULES=mysources"]
    made = run_scrapy("genspider", "-t", "source", "my_park", "news.my-park.gov.cn", *modules, db_url=sqlite_url, extra_env=env)
    assert made.returncode == 0, made.stderr
    spider_file = package / "my_park.py"
    source = spider_file.read_text(encoding="utf-8")
    assert "class MyParkSpider(NewsSpider)" in source
    # Step 2: point it at the list page; step 4 is not needed on this site.
    source = re.sub(r'start_urls = \[.*?\]', f'start_urls = ["{fixture_site.url}/index.html"]', source)
    source = re.sub(r'allowed_domains = \[.*?\]', 'allowed_domains = ["127.0.0.1"]', source)
    source = source.replace('category = None', 'category = "产业动态"')
    spider_file.write_text(source, encoding="utf-8")
    # Step 3: crawl it.
    listed = run_scrapy("list", *modules, db_url=sqlite_url, extra_env=env)
    assert "my_park" in listed.stdout.split()
    out = tmp_path / "try.jsonl"
    crawl = run_scrapy("crawl", "my_park", "-a", "max_pages=1", "-O", str(out), *modules, db_url=sqlite_url, extra_env=env)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    # the guide's promise: the last line says how the run went, in the shape it shows
    last = crawl.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"Run \d+ finished: \d+ pages, 4 stored, \d+ duplicates, 0 skipped, 0 article pages failed, dropped nothing", last), last
    shown = re.search(r"^\s*(Run 1 finished: .*)$", guide, re.M).group(1)
    assert re.sub(r"\d+", "N", shown) == re.sub(r"\d+", "N", last.replace(last.split()[1], "1", 1))
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        articles = session.scalars(select(Article)).all()
    assert len(articles) == 4  # the four articles of the first list page
    assert {a.category for a in articles} == {"产业动态"}
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_the_guide_names_source_name_and_what_check_and_parse_do():
    guide = (ROOT / "docs" / "adding-a-source.md").read_text(encoding="utf-8")
    assert "source_name" in guide and "sources.name" in guide
    assert "scrapy check my_park" in guide and "scrapy parse --spider=my_park URL" in guide
    assert "The log ends with a line `Run N finished" not in guide  # the stats dump used to follow it


def test_genspider_takes_host_and_port_and_the_run_line_counts_off_site_links(fixture_site, sqlite_url, tmp_path):
    package = tmp_path / "hostport"
    package.mkdir()
    (package / "__init__.py").write_text("")
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    modules = ["-s", "NEWSPIDER_MODULE=hostport", "-s", "SPIDER_MODULES=hostport"]
    hostport = fixture_site.url.removeprefix("http://")  # 127.0.0.1:PORT
    made = run_scrapy("genspider", "-t", "source", "local", hostport, *modules, db_url=sqlite_url, extra_env=env)
    assert made.returncode == 0, made.stderr
    spider_file = package / "local.py"
    source = spider_file.read_text(encoding="utf-8")
    assert 'allowed_domains = ["127.0.0.1"]' in source
    assert f'start_urls = ["{fixture_site.url}/"]' in source
    # the template's contracts run on the new source as generated
    check = run_scrapy("check", "local", *modules, db_url=sqlite_url, extra_env=env)
    assert check.returncode == 0 and re.search(r"Ran [1-9]\d* contracts", check.stderr), check.stderr[-3000:]
    lean = ["-a", "max_pages=1", "-s", "AGGREGATOR_WORKERS=0", "-s", "RELATE_ENABLED=False"]
    crawl = run_scrapy("crawl", "local", *lean, *modules, db_url=sqlite_url, extra_env=env)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert re.match(r"Run \d+ finished: \d+ pages, 4 stored", crawl.stderr.strip().splitlines()[-1])
    # what genspider used to write: every link is off-site, and the run line says so
    spider_file.write_text(source.replace('["127.0.0.1"]', f'["{hostport}"]'), encoding="utf-8")
    wrong = run_scrapy("crawl", "local", *lean, *modules, db_url=f"sqlite:///{tmp_path / 'wrong.db'}", extra_env=env)
    last = wrong.stderr.strip().splitlines()[-1]
    assert re.search(r", [1-9]\d* off-site links not followed, ", last), last
