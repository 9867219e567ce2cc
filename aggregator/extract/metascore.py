"""Scoring of metadata against the hand-made truth in ../shared/data (dates-web,
zh-news-meta): shared by the quality gates (tests/extract/test_meta_gate.py) and
bench/meta.py, so that both measure exactly the same thing.

* a date is right when its local calendar day (the zone it was printed in) equals the
  truth's day; where the truth has a time, the minute is checked too (reported apart);
* a title is right when it equals the truth after whitespace and width normalisation;
* author / origin / editor: a prediction is right when its set of names equals the
  truth's (names split on spaces, 、 and commas); precision over the pages where we give
  a value, recall over the pages where the truth has one;
* pages: a multi-page article is found when ``1 + len(article_page_links(html, url))``
  equals the truth's page count; a single page with links is a false positive.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

FIELDS = ("author", "origin", "editor")
_NAME_SPLIT = re.compile(r"[\s、,，;；/|]+")


def _norm(s: str | None) -> str:
    from aggregator.clean import normalize_text

    return " ".join(normalize_text(s or "").split())


def names(s: str | None) -> frozenset[str]:
    return frozenset(p for p in _NAME_SPLIT.split(_norm(s)) if p)


def local_day(dt: datetime | None) -> str | None:
    return dt.date().isoformat() if dt is not None else None


@dataclass
class WebScore:
    right: int = 0
    total: int = 0
    misses: list = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class FieldScore:
    right: int = 0
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0


@dataclass
class PagesScore:
    right: int = 0
    expected: int = 0
    false_positive: int = 0


@dataclass
class ZhScore:
    total: int = 0
    date_right: int = 0
    date_total: int = 0
    time_right: int = 0
    time_total: int = 0
    title_right: int = 0
    fields: dict = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    pages: PagesScore = field(default_factory=PagesScore)
    misses: dict = field(default_factory=dict)

    @property
    def date_share(self) -> float:
        return self.date_right / self.date_total if self.date_total else 0.0

    @property
    def title_share(self) -> float:
        return self.title_right / self.total if self.total else 0.0


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def _htmldate_day(html: bytes, url: str) -> str | None:
    from htmldate import find_date

    try:
        return find_date(html.decode("utf-8", "replace"), url=url, original_date=True)
    except Exception:  # noqa: BLE001 - a benchmark of a third-party engine
        return None


def dates_web(base: Path, engine: str = "ours") -> WebScore:
    """dates-web: the right publication day, URL given."""
    from aggregator.extract import ExtractionError, extract_article

    score = WebScore()
    for r in _rows(base / "truth.jsonl"):
        html = (base / "pages" / r["file"]).read_bytes()
        if engine == "htmldate":
            got, src = _htmldate_day(html, r["url"]), "htmldate"
        else:
            try:
                ex = extract_article(html, r["url"])
                got, src = local_day(ex.published_at), ex.date_source
            except ExtractionError:
                got, src = None, None
        score.total += 1
        if got == r["date"]:
            score.right += 1
        else:
            score.misses.append((r["file"], r["date"], got, src))
    return score


def _page_path(data: Path, r: dict) -> Path:
    return data / r["set"] / r["file"]


def zh_meta(data: Path) -> ZhScore:
    from aggregator.extract import extract_article
    from aggregator.extract.pages import article_page_links

    score = ZhScore()
    miss = score.misses
    for r in _rows(data / "zh-news-meta" / "truth.jsonl"):
        html = _page_path(data, r).read_bytes()
        url = r.get("url") or ""
        if not url and r["set"] == "zh-news-extraction":
            url = _extraction_urls(data).get(r["file"], "")
        ex = extract_article(html, url)
        score.total += 1
        name = r["file"]
        # dates
        truth = r.get("published")
        got = ex.published_at
        if truth:
            score.date_total += 1
            if local_day(got) == truth[:10]:
                score.date_right += 1
            else:
                miss.setdefault("dates", []).append((name, truth, got and got.isoformat(), ex.date_source))
            if len(truth) > 10:
                score.time_total += 1
                if got is not None and got.strftime("%Y-%m-%d %H:%M") == truth:
                    score.time_right += 1
                else:
                    miss.setdefault("times", []).append((name, truth, got and got.isoformat(), ex.date_source))
        elif got is not None:
            miss.setdefault("dates", []).append((name, None, got.isoformat(), ex.date_source))
        # titles
        if _norm(ex.title) == _norm(r["title"]):
            score.title_right += 1
        else:
            miss.setdefault("titles", []).append((name, r["title"], ex.title))
        # bylines
        for f in FIELDS:
            s = score.fields[f]
            want, have = names(r.get(f)), names(getattr(ex, f))
            s.expected += bool(want)
            s.predicted += bool(have)
            if want and have == want:
                s.right += 1
            elif want or have:
                miss.setdefault(f, []).append((name, r.get(f), getattr(ex, f)))
        # pages
        n = 1 + len(article_page_links(html, url))
        want_pages = r.get("pages") or 1
        if want_pages > 1:
            score.pages.expected += 1
            score.pages.right += n == want_pages
        elif n > 1:
            score.pages.false_positive += 1
        if n != want_pages:
            miss.setdefault("pages", []).append((name, want_pages, n, article_page_links(html, url)))
    return score


_URLS: dict = {}


def _extraction_urls(data: Path) -> dict:
    if not _URLS:
        for r in _rows(data / "zh-news-extraction" / "truth.jsonl"):
            _URLS[f"pages/{r['id']}.html"] = r["url"]
    return _URLS


def zh_meta_dates_htmldate(data: Path) -> tuple[int, int]:
    right = total = 0
    for r in _rows(data / "zh-news-meta" / "truth.jsonl"):
        if not r.get("published"):
            continue
        url = r.get("url") or (_extraction_urls(data).get(r["file"], "") if r["set"] == "zh-news-extraction" else "")
        total += 1
        right += _htmldate_day(_page_path(data, r).read_bytes(), url) == r["published"][:10]
    return right, total
