"""``aggregator search 关键词``: full-text search, best match first.

Full-width letters and digits and case do not matter (ＣＰＩ finds what CPI finds; see
aggregator.db.search). A query word may start with ``-`` (``aggregator search -人民币``,
or after ``--``: ``aggregator search -- -人民币``): ``-`` is searched for as text, never an
exclusion.
"""

from __future__ import annotations

from sqlalchemy import text

from aggregator.cli.common import (
    CliError, add_filter_options, build_filters, console, db_url, fmt_date, open_db, plain, require_tables, where_sql,
)


def positive_int(value: str) -> int:
    import argparse

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {n}")
    return n


def warn_if_behind(conn) -> None:
    """A database not yet upgraded may have articles missing from the search index."""
    import sys

    from aggregator.db.migrations import HEAD, current

    revision = current(conn)
    if revision != HEAD:
        print(f"note: the database schema is at {revision}, not {HEAD}: run `aggregator db upgrade` "
              "(until then older articles may be missing from search results)", file=sys.stderr)


def register(sub, common) -> None:
    p = sub.add_parser(
        "search", parents=[common], help="find articles by words (Chinese or latin), best match first",
        description="Find articles whose title or body contains all the words of the query, best match first.",
    )
    p.add_argument("query", nargs="+", help="words to find, e.g. 新能源汽车 (several words: all must match; "
                   "full-width and case do not matter; a word starting with - may follow --)")
    add_filter_options(p)
    p.add_argument("--limit", type=positive_int, default=20, metavar="N", help="show at most N results (default 20)")
    p.add_argument("--copies", action="store_true", help="also list syndicated copies (default: one row per story)")
    p.set_defaults(run=run)
#: Put before a query word that starts with "-" so argparse takes it for a word.
DASH_WORD = "\x00"


def protect_dash_words(argv: list[str]) -> list[str]:
    """``aggregator search -人民币``: argparse would take ``-人民币`` for an unknown option.
    A word after ``search`` that starts with one ``-`` followed by anything but a latin
    letter (options are ``-q``, ``--limit``) is marked as a word; ``run`` unmarks it."""
    try:
        at = argv.index("search")
    except ValueError:
        return argv
    out = list(argv[: at + 1])
    rest = argv[at + 1:]
    for i, token in enumerate(rest):
        if token == "--":
            out.extend(rest[i:])
            break
        # only a single dash before no latin letter: "-x" or "--limt" stay a (mistyped) option
        if token.startswith("-") and not token.startswith("--") and len(token) > 1 \
                and not (token[1].isascii() and token[1].isalpha()) and not _is_number(token):
            token = DASH_WORD + token
        out.append(token)
    return out


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def run(args) -> int:
    from aggregator.db import search

    query = " ".join(w.removeprefix(DASH_WORD) for w in args.query).strip()
    url = db_url(args.db)
    engine = open_db(url)
    require_tables(engine, url)
    with engine.connect() as conn:
        filters = build_filters(conn, args)
        warn_if_behind(conn)
        try:
            from_, match, rank, params = search.match_clause(conn, query)
        except search.EmptyQuery:
            raise CliError(f"search: {query!r} has no word to search for (only punctuation or symbols)") from None
        except search.SearchUnavailable as exc:
            raise CliError(f"search: {exc}") from None
        conditions = [match, *filters.where]
        if not args.copies:
            conditions.append("a.duplicate_of IS NULL")
        sql = text(
            f"SELECT a.id, a.title, a.body, a.published_at, a.duplicate_of, src.name AS source, {rank} AS rank "
            f"FROM {from_} JOIN sources src ON src.id = a.source_id {where_sql(conditions)} "
            "ORDER BY rank DESC, a.id LIMIT :limit"
        ).bindparams(*filters.binds)
        rows = conn.execute(sql, {**params, **filters.params, "limit": args.limit}).all()
        total = len(rows)
        if total == args.limit:  # there may be more: say how many
            total = conn.execute(text(
                f"SELECT COUNT(*) FROM {from_} JOIN sources src ON src.id = a.source_id {where_sql(conditions)}"
            ).bindparams(*filters.binds), {**params, **filters.params}).scalar()
        copies = {}
        if rows and not args.copies:
            ids = [r.id for r in rows]
            copies = dict(conn.execute(
                text("SELECT duplicate_of, COUNT(*) FROM articles WHERE duplicate_of IN :ids GROUP BY duplicate_of")
                .bindparams(search._expanding("ids")),
                {"ids": ids},
            ).all())
    terms = search.query_terms(query)
    out = console()
    scope = [f"since {args.since}" if args.since else "", f"source {filters.source}" if filters.source else "",
             f"province {filters.province}" if filters.province else ""]
    scope_text = ", ".join(s for s in scope if s)
    if not rows:
        out.print(plain(f"no article matches {query!r} (words: {', '.join(terms)}){' — ' + scope_text if scope_text else ''}"))
        return 0
    from rich.table import Table

    shown = (f"{len(rows)} of {total} results" if total > len(rows)
             else f"{len(rows)} result{'s' if len(rows) != 1 else ''}")
    more = " (--limit for more)" if total > len(rows) else ""
    table = Table(title=plain(f"{shown} for {query} (words: {' + '.join(terms)})"
                              + (f" — {scope_text}" if scope_text else "") + more), title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("id", justify="right")
    table.add_column("date")
    table.add_column("source")
    table.add_column("title", overflow="fold", min_width=16)
    if not args.copies:
        table.add_column("copies", justify="right")
    table.add_column("excerpt", overflow="fold", max_width=40)
    for i, r in enumerate(rows, 1):
        cells = [str(i), str(r.id), fmt_date(r.published_at), plain(r.source), plain(r.title) or "—"]
        if not args.copies:
            cells.append(str(copies.get(r.id, 0)))
        cells.append(plain(search.snippet(r.body, terms, 50)))
        table.add_row(*cells)
    out.print(table)
    return 0
