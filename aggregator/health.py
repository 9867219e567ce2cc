"""Source health for operators: how each source's crawls went and how complete its
articles are, from ``crawl_runs`` and the stored rows.

The alarm: a source whose spider used to store articles but whose last finished run
found none — nothing stored, nothing skipped as already stored — most likely had its
layout changed (or is down). ``aggregator health`` exits 1 on it, so cron notices.
A run that found only already-stored pages (an incremental re-run) is not an alarm.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text

#: Spiders whose runs are not crawls of a source.
NOT_SOURCES = {"reprocess", "repair"}
BOILERPLATE_PREFIX = "boilerplate/rule/"


@dataclass
class Run:
    id: int
    started_at: datetime | str | None
    finished_at: datetime | str | None
    status: str
    pages: int
    stored: int
    skipped: int
    duplicates: int
    errors: int
    dropped: dict
    stats: dict

    @property
    def unchanged(self) -> int:
        return int(self.stats.get("aggregator/stored/unchanged", 0) or 0)

    @property
    def found(self) -> int:
        """Articles the run came across: stored, unchanged, or skipped as already stored."""
        return self.stored + self.skipped + self.unchanged


@dataclass
class SourceHealth:
    spider: str
    sources: list[str]
    articles: int = 0
    missing_date: int = 0
    missing_author: int = 0
    runs: list[Run] = field(default_factory=list)  # newest first, the last N
    total_runs: int = 0
    ever_stored: bool = False
    boilerplate: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)

    @property
    def name(self) -> str:
        return ", ".join(self.sources) if self.sources else self.spider

    @property
    def last_run(self) -> Run | None:
        return self.runs[0] if self.runs else None

    @property
    def last_finished(self) -> Run | None:
        return next((r for r in self.runs if r.finished_at is not None), None)

    def share(self, n: int) -> float | None:
        return n / self.articles if self.articles else None

    def problems(self) -> list[str]:
        """Why this source needs a look, one line each; the first kind exits 1."""
        run = self.last_finished
        out = []
        if run is not None and self.ever_stored and run.found == 0:
            dropped = ", ".join(f"{k} {v}" for k, v in sorted(run.dropped.items())) or "nothing dropped"
            out.append(
                f"{self.name} (spider {self.spider}): last run {run.id} ({run.status}) found no article "
                f"({run.pages} pages fetched, {dropped}) although earlier runs stored some: its layout probably changed"
            )
        return out

    def warnings(self) -> list[str]:
        run = self.last_run
        out = []
        if run is not None and run.status not in ("finished", "running"):
            out.append(f"{self.name} (spider {self.spider}): last run {run.id} {run.status} with {run.errors} errors")
        return out


def _json(value) -> dict:
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def source_health(conn: Connection, runs_per_source: int = 10) -> list[SourceHealth]:
    """Health of every spider that has sources or runs, sorted by name."""
    by_spider: dict[str, SourceHealth] = {}
    for name, spider in conn.execute(text("SELECT name, spider FROM sources ORDER BY name")):
        by_spider.setdefault(spider, SourceHealth(spider, [])).sources.append(name)
    for spider, n, missing_date, missing_author in conn.execute(text(
        "SELECT s.spider, COUNT(*), SUM(CASE WHEN a.published_at IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN a.author IS NULL OR a.author = '' THEN 1 ELSE 0 END) "
        "FROM articles a JOIN sources s ON s.id = a.source_id GROUP BY s.spider"
    )):
        h = by_spider.setdefault(spider, SourceHealth(spider, []))
        h.articles, h.missing_date, h.missing_author = int(n), int(missing_date or 0), int(missing_author or 0)
    for spider, total, ever in conn.execute(text(
        "SELECT spider, COUNT(*), MAX(items_stored) FROM crawl_runs GROUP BY spider"
    )):
        if spider in NOT_SOURCES:
            continue
        h = by_spider.setdefault(spider, SourceHealth(spider, []))
        h.total_runs, h.ever_stored = int(total), bool(ever and ever > 0)
    for spider, h in by_spider.items():
        rows = conn.execute(text(
            "SELECT id, started_at, finished_at, status, pages_fetched, items_stored, skipped, duplicates, errors, "
            "items_dropped, stats FROM crawl_runs WHERE spider = :spider ORDER BY id DESC LIMIT :n"
        ), {"spider": spider, "n": runs_per_source}).all()
        for r in rows:
            stats = _json(r.stats)
            run = Run(r.id, r.started_at, r.finished_at, r.status, r.pages_fetched or 0, r.items_stored or 0,
                      r.skipped or 0, r.duplicates or 0, r.errors or 0, _json(r.items_dropped), stats)
            h.runs.append(run)
            h.dropped.update({k: int(v) for k, v in run.dropped.items()})
            h.boilerplate.update({k[len(BOILERPLATE_PREFIX):]: int(v) for k, v in stats.items()
                                  if k.startswith(BOILERPLATE_PREFIX) and isinstance(v, (int, float))})
    return [by_spider[k] for k in sorted(by_spider, key=lambda s: by_spider[s].name)]
