"""``aggregator stats``: what the database holds, at a glance."""

from __future__ import annotations

from sqlalchemy import text

from aggregator.cli.common import console, db_url, fmt_date, fmt_time, open_db, plain, require_tables, safe_url


def register(sub, common) -> None:
    p = sub.add_parser(
        "stats", parents=[common], help="what the database holds: articles, stories, sources, places, keywords",
        description="Counts of articles, stories and links; articles per source and category; top provinces and keywords.",
    )
    p.add_argument("--top", type=int, default=10, metavar="N", help="rows in each top list (default 10)")
    p.set_defaults(run=run)


def run(args) -> int:
    from rich.table import Table

    url = db_url(args.db)
    engine = open_db(url)
    require_tables(engine, url)
    top = max(1, args.top)
    with engine.connect() as conn:
        one = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        articles = one("SELECT COUNT(*) FROM articles")
        copies = one("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL")
        sources = one("SELECT COUNT(*) FROM sources")
        links = one("SELECT COUNT(*) FROM related_articles")
        first, last = conn.execute(text("SELECT MIN(published_at), MAX(published_at) FROM articles")).one()
        undated = one("SELECT COUNT(*) FROM articles WHERE published_at IS NULL")
        runs, last_run = conn.execute(text("SELECT COUNT(*), MAX(started_at) FROM crawl_runs")).one()
        per_source = conn.execute(text(
            "SELECT s.name, COUNT(a.id) AS n, SUM(CASE WHEN a.duplicate_of IS NULL AND a.id IS NOT NULL THEN 1 ELSE 0 END), "
            "MAX(a.published_at) FROM sources s LEFT JOIN articles a ON a.source_id = s.id "
            "GROUP BY s.name ORDER BY n DESC, s.name"
        )).all()
        per_category = conn.execute(text(
            "SELECT COALESCE(category, '—') AS c, COUNT(*) AS n FROM articles GROUP BY COALESCE(category, '—') "
            "ORDER BY n DESC, c LIMIT :n"), {"n": top}).all()
        provinces = conn.execute(text(
            "SELECT province, COUNT(DISTINCT article_id) AS n FROM article_regions GROUP BY province "
            "ORDER BY n DESC, province LIMIT :n"), {"n": top}).all()
        keywords = conn.execute(text(
            "SELECT keyword, COUNT(*) AS n FROM article_keywords GROUP BY keyword ORDER BY n DESC, keyword LIMIT :n"),
            {"n": top}).all()
    out = console()
    out.print(f"database {plain(safe_url(url))}")
    out.print(
        f"  {articles} articles: {articles - copies} stories + {copies} syndicated copies; "
        f"{sources} sources; {links} related links; {runs} crawl runs (last started {fmt_time(last_run)})"
    )
    out.print(f"  published {fmt_date(first)} … {fmt_date(last)}; {undated} without a date")

    def table(title, headers, rows):
        t = Table(title=title, title_justify="left")
        for i, h in enumerate(headers):
            t.add_column(h, justify="right" if i else "left")
        for r in rows:
            t.add_row(*[plain(c) for c in r])
        out.print(t)

    table("Articles per source", ("source", "articles", "stories", "newest"),
          [(n, c, s or 0, fmt_date(newest)) for n, c, s, newest in per_source])
    table("Articles per category", ("category", "articles"), per_category)
    table("Provinces named most", ("province", "articles"), provinces)
    table("Commonest keywords", ("keyword", "articles"), keywords)
    return 0
