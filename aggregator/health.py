"""Source health for operators: how each source's crawls went and how complete its
articles are, from ``crawl_runs`` and the stored rows.

The alarms (``aggregator health`` exits 1 on each, so cron notices):

* a source whose spider used to store articles but whose last finished run found none —
  nothing stored, nothing skipped as already stored — most likely had its layout changed
  (or is down). A run that found only already-stored pages (an incremental re-run) is
  not an alarm;
* its last run was interrupted: stopped by a signal, or its process died (a run still
  marked ``running`` whose heartbeat stopped, or whose process is gone from this host,
  is shown as interrupted: aggregator.runs);
* its last run failed: each cause of ``crawl_runs.problems`` is named (site unreachable,
  channel gone, storage failing, …; aggregator.outcome);
* articles that an interrupted run left pending (no dedup signature or no keywords yet);
  the next crawl, or ``scrapy repair``, finishes them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Connection, inspect, text

from aggregator.runs import is_dead, this_host

#: Spiders whose runs are not crawls of a source.
NOT_SOURCES = {"reprocess", "repair"}
#: How health names each cause of a failed run (aggregator.outcome).
CAUSES = {
    "site_unreachable": "site unreachable",
    "channel_gone": "channel gone (a list page answered 404/410)",
    "list_page_failed": "a list page failed",
    "storage": "storage failing",
    "database_unavailable": "storage failing",
    "article_pages_failed": "many article pages failed",
    "nothing_fetched": "nothing fetched",
    "exceptions": "exceptions in the crawl",
    "closed": "closed early",
}
#: Causes that explain a run finding no article (so it is not a layout change).
EXPLAINS_NOTHING_FOUND = {"site_unreachable", "channel_gone", "list_page_failed", "nothing_fetched", "storage",
                          "database_unavailable", "closed"}
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
    alive: bool = True  # False for a run marked running whose process is dead
    problems: dict = field(default_factory=dict)  # crawl_runs.problems: cause -> what happened

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
    pending: int = 0  # articles a dead or ended run left half-done

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
        if run is not None and run.status == "failed":
            for cause, detail in run.problems.items():
                if cause == "storage" and "database_unavailable" in run.problems:
                    continue  # the same failure, said once
                out.append(f"{self.name} (spider {self.spider}): last run {run.id} failed: "
                           f"{CAUSES.get(cause, cause)} ({detail})")
        if run is not None and self.ever_stored and run.found == 0 and not (set(run.problems) & EXPLAINS_NOTHING_FOUND):
            dropped = ", ".join(f"{k} {v}" for k, v in sorted(run.dropped.items())) or "nothing dropped"
            out.append(
                f"{self.name} (spider {self.spider}): last run {run.id} ({run.status}) found no article "
                f"({run.pages} pages fetched, {dropped}) although earlier runs stored some: its layout probably changed"
            )
        last = self.last_run
        if last is not None and last.status == "interrupted":
            # a process gone without recording its end was killed — or could not write its
            # end to a database that had just filled its disk or turned read-only
            died = "its process ended without recording how the run went: killed, or the database could not be written"
            how = died if not last.alive else "stopped by a signal, or " + died
            out.append(f"{self.name} (spider {self.spider}): last run {last.id} was interrupted ({how}); "
                       "the next run reads on where it stopped")
        if self.pending:
            out.append(f"{self.name} (spider {self.spider}): {self.pending} articles left half-done by interrupted runs "
                       "(no dedup signature or keywords yet): the next crawl, or `scrapy repair`, finishes them")
        return out

    def warnings(self) -> list[str]:
        run = self.last_run
        out = []
        if run is not None and run.status not in ("finished", "running", "interrupted") and not run.problems:
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
    crash_safe = {c["name"] for c in inspect(conn).get_columns("crawl_runs")} >= {"host", "pid", "heartbeat_at", "problems"}
    liveness = ("host, pid, heartbeat_at, problems" if crash_safe
                else "NULL AS host, NULL AS pid, NULL AS heartbeat_at, NULL AS problems")
    alive_runs = set()
    for spider, h in by_spider.items():
        rows = conn.execute(text(
            "SELECT id, started_at, finished_at, status, pages_fetched, items_stored, skipped, duplicates, errors, "
            f"items_dropped, stats, {liveness} FROM crawl_runs WHERE spider = :spider ORDER BY id DESC LIMIT :n"
        ), {"spider": spider, "n": runs_per_source}).all()
        for r in rows:
            stats = _json(r.stats)
            run = Run(r.id, r.started_at, r.finished_at, r.status, r.pages_fetched or 0, r.items_stored or 0,
                      r.skipped or 0, r.duplicates or 0, r.errors or 0, _json(r.items_dropped), stats,
                      problems=_json(r.problems))
            if run.status == "running" and _dead(r):
                run.status, run.alive = "interrupted", False  # as the next run will mark it
            elif run.status == "running":
                alive_runs.add(run.id)
            h.runs.append(run)
            h.dropped.update({k: int(v) for k, v in run.dropped.items()})
            h.boilerplate.update({k[len(BOILERPLATE_PREFIX):]: int(v) for k, v in stats.items()
                                  if k.startswith(BOILERPLATE_PREFIX) and isinstance(v, (int, float))})
    if crash_safe:
        for spider, owner, n in conn.execute(text(
            "SELECT s.spider, a.pending_run, COUNT(*) FROM articles a JOIN sources s ON s.id = a.source_id "
            "WHERE a.dedup_pending OR a.relate_pending GROUP BY s.spider, a.pending_run"
        )):
            if owner not in alive_runs and spider in by_spider:  # a live crawl's own rows are in flight
                by_spider[spider].pending += int(n)
    return [by_spider[k] for k in sorted(by_spider, key=lambda s: by_spider[s].name)]


def _when(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _dead(row) -> bool:
    """Is this run, marked running, dead? (aggregator.runs; health only reads)"""
    return is_dead(run_host=row.host, run_pid=row.pid, last_sign=_when(row.heartbeat_at) or _when(row.started_at),
                   host=this_host(), now=datetime.now(timezone.utc))
