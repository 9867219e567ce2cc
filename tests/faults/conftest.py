"""Fixtures of the fault-injection suite: one generated site of ``ARTICLES`` articles
served on 127.0.0.1, and the audit of an uninterrupted crawl of it per spider (what every
faulted crawl plus one plain re-run must end up equal to)."""

from __future__ import annotations

import pytest

from tests.faults import harness
from tests.faults.newsite import build
from tests.mockserver import MockServer

ARTICLES = 500
SPIDERS = ["site", "taiyuan_industry"]  # the generic site spider and a source spider


@pytest.fixture(scope="session")
def fault_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("fault-site")
    site = build(root / "www", ARTICLES)
    with MockServer(root / "www") as server:
        yield site, server


_REFERENCE: dict[str, harness.Audit] = {}


@pytest.fixture
def reference(fault_site, tmp_path_factory):
    """reference(spider) -> Audit of an uninterrupted crawl (made once per spider)."""
    _, server = fault_site

    def get(spider: str) -> harness.Audit:
        if spider not in _REFERENCE:
            d = tmp_path_factory.mktemp(f"reference-{spider}")
            db = f"sqlite:///{d / 'ref.db'}"
            crawl = harness.run(harness.spider_args(spider, server.url), db, d / "crawl.log")
            assert crawl.proc.returncode == 0, crawl.stderr()[-3000:]
            ref = harness.audit(db)
            assert ref.stored == ARTICLES and not ref.half_done and ref.stories
            _REFERENCE[spider] = ref
        return _REFERENCE[spider]

    return get
