"""``aggregator export``: articles to CSV, JSON lines or Parquet, with the search filters."""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from aggregator.cli.common import (
    CliError, _sqlite_path, add_filter_options, build_filters, cst, db_url, open_db, require_tables, where_sql,
)
from aggregator.cli.search import positive_int

COLUMNS = (
    "id", "url", "source", "title", "published_at", "author", "origin", "editor", "category",
    "fetched_at", "duplicate_of", "provinces", "keywords", "body",
)
DESCRIPTIONS = {
    "id": "articles.id",
    "url": "the page's URL (as fetched)",
    "source": "sources.name",
    "published_at": "publication time, ISO 8601 in China time (+08:00); empty when unknown",
    "fetched_at": "fetch time, ISO 8601 in China time",
    "duplicate_of": "the story's canonical article id; empty for a canonical article",
    "provinces": "provinces the article names, most mentioned first, separated by |",
    "keywords": "its top 10 keywords, strongest first, separated by |",
}
BATCH = 500


def register(sub, common) -> None:
    p = sub.add_parser(
        "export", parents=[common], help="write articles to CSV, JSON lines or Parquet",
        description="Write the articles (all, or those the filters select) to a file, one row per article.",
    )
    p.add_argument("--format", choices=("csv", "jsonl", "parquet"), default="csv", help="file format (default csv)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output; parquet needs a file)")
    p.add_argument("-q", "--query", metavar="WORDS", help="only articles matching these words (as `aggregator search`)")
    add_filter_options(p)
    p.add_argument("--stories", action="store_true", help="only canonical articles (one row per story)")
    p.add_argument("--limit", type=positive_int, metavar="N", help="at most N articles")
    p.add_argument("--bom", action="store_true", help="csv: start with a UTF-8 byte order mark (for Excel)")
    p.set_defaults(run=run)


def run(args) -> int:
    if args.format == "parquet":
        if not args.output:
            raise CliError("export: --format parquet writes a file: give -o FILE")
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CliError("export: --format parquet needs pyarrow: pip install 'aggregator[parquet]'") from None
    url = db_url(args.db)
    if args.output:
        check_output(args.output, url)
    engine = open_db(url)
    require_tables(engine, url)
    count = 0
    with engine.connect() as conn:
        filters = build_filters(conn, args)
        from_ = "articles a"
        conditions = list(filters.where)
        params = dict(filters.params)
        order = "a.id"
        if args.query:
            from aggregator.cli.search import warn_if_behind
            from aggregator.db import search

            warn_if_behind(conn)

            try:
                from_, match, rank, qparams = search.match_clause(conn, args.query)
            except search.EmptyQuery:
                raise CliError(f"export: --query {args.query!r} has no word to search for") from None
            except search.SearchUnavailable as exc:
                raise CliError(f"export: {exc}") from None
            conditions.insert(0, match)
            params.update(qparams)
            order = f"{rank} DESC, a.id"
        if args.stories:
            conditions.append("a.duplicate_of IS NULL")
        limit = f" LIMIT {int(args.limit)}" if args.limit else ""
        sql = text(
            "SELECT a.id, COALESCE(a.fetched_url, a.url) AS url, src.name AS source, a.title, a.published_at, a.author, "
            "a.origin, a.editor, a.category, a.fetched_at, a.duplicate_of, a.body "
            f"FROM {from_} JOIN sources src ON src.id = a.source_id {where_sql(conditions)} ORDER BY {order}{limit}"
        ).bindparams(*filters.binds)
        result = conn.execution_options(stream_results=True).execute(sql, params)
        with _output(args.output) as target, _writer(args, target) as write:
            while batch := result.fetchmany(BATCH):
                records = _records(conn, batch)
                write(records)
                count += len(records)
    where = args.output or "standard output"
    print(f"exported {count} article{'s' if count != 1 else ''} to {where} ({args.format})", file=sys.stderr)
    return 0


def _records(conn, rows) -> list[dict]:
    ids = [r.id for r in rows]
    from aggregator.db.search import _expanding

    provinces: dict[int, list[str]] = {}
    for aid, province in conn.execute(
        text("SELECT article_id, province FROM article_regions WHERE article_id IN :ids "
             "GROUP BY article_id, province ORDER BY article_id, SUM(mentions) DESC, province").bindparams(_expanding("ids")),
        {"ids": ids},
    ):
        provinces.setdefault(aid, []).append(province)
    keywords: dict[int, list[str]] = {}
    for aid, keyword in conn.execute(
        text("SELECT article_id, keyword FROM article_keywords WHERE article_id IN :ids ORDER BY article_id, weight DESC, keyword")
        .bindparams(_expanding("ids")),
        {"ids": ids},
    ):
        words = keywords.setdefault(aid, [])
        if len(words) < 10:
            words.append(keyword)
    out = []
    for r in rows:
        published, fetched = cst(r.published_at), cst(r.fetched_at)
        out.append({
            "id": r.id, "url": r.url, "source": r.source, "title": r.title,
            "published_at": published,
            "author": r.author, "origin": r.origin, "editor": r.editor, "category": r.category,
            "fetched_at": fetched,
            "duplicate_of": r.duplicate_of,
            "provinces": "|".join(provinces.get(r.id, [])),
            "keywords": "|".join(keywords.get(r.id, [])),
            "body": r.body,
        })
    return out


def _database_files(url_text: str) -> list[Path]:
    """The files of a SQLite database (the file, its -wal and -journal): never an output."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(url_text)
    except ArgumentError:
        return []  # open_db says what is wrong with it
    if url.get_backend_name() != "sqlite":
        return []
    path = _sqlite_path(url)
    if path is None:
        return []
    return [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]


def check_output(output: str, url_text: str) -> None:
    """Refuse an output that is the database itself — however it is spelled (relative,
    ./, a symlink, a hard link: same device and inode) — a folder, or a file in a
    folder that does not exist. One ``error:`` line, exit 2, nothing touched."""
    path = Path(output)
    for db_file in _database_files(url_text):
        try:
            same = os.path.samefile(path, db_file)
        except OSError:  # one of them does not exist: not the same file
            continue
        if same:
            raise CliError(f"export: -o {output} is the database file {db_file} itself; "
                           "write the export to another file")
    if path.is_dir():
        raise CliError(f"export: -o {output} is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise CliError(f"export: -o {output}: the folder {parent} {what}")


@contextmanager
def _output(output: str | None):
    """Where the writer writes: None (standard output), or a path.

    A regular file (or a new one) is written to a temporary file beside it and renamed
    over it only when the export is complete, so a failure (a full disk, an error
    half-way) leaves the old file as it was and no half-written one. A device or a pipe
    (/dev/full, /dev/stdout, a FIFO) is written directly. A write error is one
    ``error:`` line."""
    if output is None:
        try:
            yield None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            raise CliError(f"export: cannot write to standard output: {exc.strerror or exc}") from None
        return
    real = Path(os.path.realpath(output))  # write through a symlink, do not replace it
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise CliError(f"export: cannot write to {output}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISREG(mode):
        try:
            yield str(real)
        except OSError as exc:
            raise CliError(f"export: cannot write to {output}: {exc.strerror or exc}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=real.parent)
        os.close(fd)
    except OSError as exc:
        raise CliError(f"export: cannot write to {output}: {exc.strerror or exc}") from None
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~umask)
        os.replace(tmp, real)
    except OSError as exc:
        raise CliError(f"export: cannot write to {output}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def _writer(args, target: str | None):
    if args.format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([
            ("id", pa.int64()), ("url", pa.string()), ("source", pa.string()), ("title", pa.string()),
            ("published_at", pa.timestamp("us", tz="+08:00")), ("author", pa.string()), ("origin", pa.string()), ("editor", pa.string()),
            ("category", pa.string()), ("fetched_at", pa.timestamp("us", tz="+08:00")), ("duplicate_of", pa.int64()),
            ("provinces", pa.string()), ("keywords", pa.string()), ("body", pa.string()),
        ])
        try:
            writer = pq.ParquetWriter(target, schema)
        except pa.ArrowException as exc:
            raise OSError(str(exc)) from None
        try:
            yield lambda records: writer.write_table(pa.Table.from_pylist(records, schema=schema))
        finally:
            writer.close()
        return
    stream = open(target, "w", encoding="utf-8-sig" if args.bom else "utf-8", newline="") if target else sys.stdout
    try:
        if args.format == "csv":
            if not target and args.bom:
                stream.write("\ufeff")
            w = csv.DictWriter(stream, fieldnames=COLUMNS)
            w.writeheader()
            yield lambda records: w.writerows(_textual(r) for r in records)
        else:
            yield lambda records: stream.writelines(json.dumps(_textual(r), ensure_ascii=False) + "\n" for r in records)
    finally:
        if stream is not sys.stdout:
            stream.close()
        else:
            stream.flush()


def _textual(record: dict) -> dict:
    """Times as ISO 8601 text (China time), for CSV and JSON."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in record.items()}
