"""``aggregator db``: the schema — upgrade, current revision, search index, reference page."""

from __future__ import annotations

from pathlib import Path

from aggregator.cli.common import CliError, db_url, open_db, safe_url


def register(sub, common) -> None:
    p = sub.add_parser("db", parents=[common], help="schema: upgrade, current, reindex, schema-doc",
                       description="Database schema operations.")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION")
    dbsub.required = True
    up = dbsub.add_parser("upgrade", parents=[common], help="bring the database to the current schema (creates it when empty)")
    up.set_defaults(run=upgrade)
    cur = dbsub.add_parser("current", parents=[common], help="show the database's schema revision")
    cur.set_defaults(run=current)
    rei = dbsub.add_parser("reindex", parents=[common], help="rebuild the full-text search index")
    rei.set_defaults(run=reindex)
    doc = dbsub.add_parser("schema-doc", parents=[common], help="write the schema reference page (docs/schema.md)")
    doc.add_argument("-o", "--output", metavar="FILE", default="docs/schema.md", help="where (default docs/schema.md; - for standard output)")
    doc.set_defaults(run=schema_doc)


def _writable(args):
    url = db_url(args.db)
    engine = open_db(url, readonly=False)
    return url, engine


def upgrade(args) -> int:
    from aggregator.db.migrations import upgrade as do_upgrade

    url, engine = _writable(args)
    before, after = do_upgrade(engine)
    if before == after:
        print(f"{safe_url(url)}: already at {after}")
    else:
        print(f"{safe_url(url)}: upgraded {before or 'empty database'} → {after}")
    return 0


def current(args) -> int:
    from aggregator.db.migrations import HEAD
    from aggregator.db.migrations import current as revision

    url = db_url(args.db)
    engine = open_db(url)
    with engine.connect() as conn:
        rev = revision(conn)
    state = "up to date" if rev == HEAD else (f"behind: run `aggregator db upgrade` to reach {HEAD}" if rev else "empty")
    print(f"{safe_url(url)}: {rev or 'no schema'} ({state})")
    return 0


def reindex(args) -> int:
    from aggregator.db import search
    from aggregator.cli.common import require_tables

    url, engine = _writable(args)
    require_tables(engine, url)
    try:
        with engine.begin() as conn:
            n = search.index_missing(conn, rebuild=True)
    except search.SearchUnavailable as exc:
        raise CliError(f"db reindex: {exc}") from None
    print(f"{safe_url(url)}: indexed {n} articles for search")
    return 0


def schema_doc(args) -> int:
    from aggregator.db.schema_doc import render

    page = render()
    if args.output == "-":
        print(page, end="")
        return 0
    path = Path(args.output)
    if not path.parent.is_dir():
        raise CliError(f"db schema-doc: no folder {path.parent}")
    path.write_text(page, encoding="utf-8")
    print(f"wrote {path}")
    return 0
