"""``aggregator health``: per source, how the crawls went; exit 1 when a source that
used to yield articles found none in its last run (its layout probably changed)."""

from __future__ import annotations

from aggregator.cli.common import console, db_url, fmt_time, open_db, plain, require_tables
from aggregator.cli.search import positive_int


def register(sub, common) -> None:
    p = sub.add_parser(
        "health", parents=[common], help="how each source's crawls went (exit 1 when one needs a look)",
        description="Per source: last run, articles stored per run, completeness, boilerplate rule hits, drops. "
                    "Exits 1 when a source that used to yield articles found none in its last run.",
    )
    p.add_argument("--runs", type=positive_int, default=10, metavar="N", help="look at the last N runs of each source (default 10)")
    p.add_argument("--quiet", action="store_true", help="print only the problems (for cron)")
    p.set_defaults(run=run)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _top(counter, n: int = 4) -> str:
    return plain(", ".join(f"{k} {v}" for k, v in counter.most_common(n))) or "—"


def run(args) -> int:
    from aggregator.health import source_health

    url = db_url(args.db)
    engine = open_db(url)
    require_tables(engine, url)
    with engine.connect() as conn:
        report = source_health(conn, args.runs)
    problems = [line for h in report for line in h.problems()]
    warnings = [line for h in report for line in h.warnings()]
    if not args.quiet:
        from rich.table import Table

        out = console()
        table = Table(title=f"Source health (last {args.runs} runs each)", title_justify="left")
        for col, kw in (("source", {}), ("spider", {}), ("last run", {}), ("status", {}),
                        ("stored per run (newest first)", {}), ("articles", {"justify": "right"}),
                        ("no date", {"justify": "right"}), ("no author", {"justify": "right"})):
            table.add_column(col, overflow="fold", **kw)
        for h in report:
            last = h.last_run
            table.add_row(
                plain(h.name), plain(h.spider),
                fmt_time(last.started_at) if last else "never", plain(last.status) if last else "—",
                " ".join(str(r.stored) for r in h.runs) or "—",
                str(h.articles), _pct(h.share(h.missing_date)), _pct(h.share(h.missing_author)),
            )
        out.print(table)
        for h in report:
            out.print(f"{plain(h.name)}: boilerplate rule hits {_top(h.boilerplate, 10)}; dropped {_top(h.dropped, 10)}")
        if not report:
            out.print("no source and no crawl run recorded yet")
    for line in warnings:
        print(f"warning: {plain(line)}")
    for line in problems:
        print(f"PROBLEM: {plain(line)}")
    if not args.quiet and not problems:
        print(f"ok: {len(report)} source{'s' if len(report) != 1 else ''}, none needs a look")
    return 1 if problems else 0
