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
    assert re.search(r"Run \d+ finished: ", crawl.stderr)
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        articles = session.scalars(select(Article)).all()
    assert len(articles) == 4  # the four articles of the first list page
    assert {a.category for a in articles} == {"产业动态"}
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
