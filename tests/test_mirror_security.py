"""AGGREGATOR_MIRROR_DIR serves only regular files inside DIR/HOST: every traversal
spelling is refused (a 404 named `refused`), nothing outside the mirror is read, and
nothing falls through to the network."""

from __future__ import annotations

import os
import shutil

import pytest

from aggregator.middlewares.mirror import Refused, locate, mirror_path
from tests.conftest import ROOT, run_scrapy

SECRET = "SECRET_TITLE_OUTSIDE_THE_MIRROR"
GOOD = ROOT / "data" / "sites" / "taiyuan-industry.example" / "post" / "1.html"

# every one of these must not be served: refused (it names something outside the
# mirror), or missing (it names nothing inside it); both are answered with a 404
REFUSED = [
    "http://../secret.html",  # the host `..`: DIR/.. is outside
    "http://../../secret.html",
    "http://%2e%2e/secret.html",
    "http://site.example/../secret.html",
    "http://site.example/../../secret.html",
    "http://site.example/%2e%2e/secret.html",
    "http://site.example/%2E%2E/%2e%2e/secret.html",
    "http://site.example/..%2fsecret.html",  # encoded slash
    "http://site.example/..%2f..%2fsecret.html",
    "http://site.example/%2e%2e%2f%2e%2e%2fsecret.html",
    "http://site.example/..%5c..%5csecret.html",  # encoded backslash
    "http://site.example/..\\..\\secret.html",
    "http://site.example/link-out.html",  # a symlink out of the folder
    "http://site.example/dir-out/secret.html",  # a symlinked folder out of it
    "http://site.example/secret.html%00.html",
    "http://escape.example/secret.html",  # a host folder that is a symlink out
]
MISSING = [
    "http://site.example//etc/passwd",  # absolute paths stay relative to DIR/HOST
    "http://site.example/%2fetc%2fpasswd",
    "http://site.example/%252e%252e/secret.html",  # double-encoded: a literal file name
    "http://elsewhere.example/secret.html",  # a host not in the mirror: not the network either
    "http://site.example/nothing-here.html",  # a missing file
]
HOSTILE = REFUSED + MISSING


@pytest.fixture
def mirror(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    page = f"<html><head><title>{SECRET}</title></head><body><h1>{SECRET}</h1><p>{'机密内容，不应被读取。' * 20}</p></body></html>"
    for where in (tmp_path / "secret.html", outside / "secret.html", tmp_path / "mirror" / "secret.html"):
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text(page, encoding="utf-8")
    root = tmp_path / "mirror"
    site = root / "site.example"
    (site / "post").mkdir(parents=True)
    shutil.copy(GOOD, site / "post" / "1.html")
    (site / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    os.symlink(outside / "secret.html", site / "link-out.html")
    os.symlink(outside, site / "dir-out")
    os.symlink(outside, root / "escape.example")
    return root


def test_mirror_path_serves_inside_and_refuses_every_traversal(mirror):
    assert mirror_path(mirror, "http://site.example/post/1.html") == (mirror / "site.example" / "post" / "1.html").resolve()
    assert mirror_path(mirror, "https://SITE.example/post/%31.html") == (mirror / "site.example" / "post" / "1.html").resolve()
    for url in REFUSED:
        with pytest.raises(Refused):
            locate(mirror, url)
        assert mirror_path(mirror, url) is None, url
    for url in MISSING:
        local = locate(mirror, url)
        assert local is None or (not local.is_file() and local.is_relative_to(mirror.resolve())), url


def test_traversal_refused_through_the_crawl(mirror, tmp_path, sqlite_url):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(["http://site.example/post/1.html", *HOSTILE]) + "\n", encoding="utf-8")
    result = run_scrapy("crawl", "article", "-a", f"urls_file={urls}", "-s", f"AGGREGATOR_MIRROR_DIR={mirror}",
                        "-s", "DUPEFILTER_CLASS=scrapy.dupefilters.BaseDupeFilter",
                        db_url=sqlite_url)
    log = result.stdout + result.stderr
    assert SECRET not in log, "a file outside the mirror was read"
    assert "Traceback" not in log
    assert "'aggregator/mirror/refused': " in log and "'aggregator/mirror/served': " in log
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        titles = list(conn.execute(text("SELECT title FROM articles")).scalars())
        raw = b"".join(r or b"" for r in conn.execute(text("SELECT raw_html FROM articles")).scalars())
    engine.dispose()
    assert titles == ["2023临港集团创新发展大会举办"]  # the good page, and only it
    import zlib

    assert SECRET.encode() not in raw and SECRET.encode() not in zlib.decompress(raw)
    # never the network: every hostile URL was answered by the mirror itself (404)
    assert "Connection refused" not in log and "DNS lookup failed" not in log
    assert log.count("Mirror refused") == len(REFUSED)
    assert f"'aggregator/mirror/refused': {len(REFUSED)}," in log
    assert f"'aggregator/page_dropped/http_error': {len(HOSTILE)}," in log
