"""Quality gates on metadata (issue 13): dates-web (URL given) and zh-news-meta.

Scoring lives in aggregator/extract/metascore.py (shared with bench/meta.py). Floors
are pinned a little below the figures measured when they were set (docs/extraction.md).
"""

from __future__ import annotations

import pytest

from aggregator.extract import metascore

from ._data import SHARED, need

DATA = SHARED / "data"

# measured 93.0 % (372/400) when pinned
DATES_WEB_FLOOR = 0.925
# measured: days 97.4 %, titles 97.5 %, author P 98.1 / R 98.1 (52/53 both), origin P 95.4 / R 93.3
# (83/87, 83/89), editor P 100 / R 94.8, multi-page 5/5 with no false one; each floor is about
# one page under the measured figure, and never under the 90 %
ZH_FLOORS = {"dates": 0.96, "titles": 0.96}
FIELD_FLOORS = {"author": (0.96, 0.96), "origin": (0.94, 0.92), "editor": (0.97, 0.92)}


@pytest.fixture(scope="module")
def zh():
    need(DATA / "zh-news-meta" / "truth.jsonl")
    need(DATA / "zh-news-pages")
    need(DATA / "zh-news-extraction")
    return metascore.zh_meta(DATA)


def test_dates_web_right_day():
    score = metascore.dates_web(need(DATA / "dates-web"))
    assert score.total == 400
    assert score.share >= DATES_WEB_FLOOR, f"{score.share:.1%} < {DATES_WEB_FLOOR:.1%}; misses: {score.misses[:10]}"


def test_zh_dates(zh):
    assert zh.date_share >= ZH_FLOORS["dates"], zh.misses.get("dates")


def test_zh_titles(zh):
    assert zh.title_share >= ZH_FLOORS["titles"], zh.misses.get("titles")


@pytest.mark.parametrize("field", sorted(FIELD_FLOORS))
def test_zh_bylines(zh, field):
    s = zh.fields[field]
    p_floor, r_floor = FIELD_FLOORS[field]
    assert s.precision >= p_floor and s.recall >= r_floor, (s, zh.misses.get(field))


def test_zh_multi_page_articles(zh):
    assert zh.pages.expected >= 5
    assert zh.pages.right == zh.pages.expected and zh.pages.false_positive == 0, zh.misses.get("pages")
