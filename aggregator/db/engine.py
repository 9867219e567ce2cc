"""Engine creation: one place that knows the database URL and per-dialect set-up."""

from __future__ import annotations

import os
import sqlite3
import time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from aggregator.db.errors import quiet_pool_outages

DEFAULT_DB_URL = "sqlite:///data/aggregator.db"
ENV_VAR = "AGGREGATOR_DB_URL"


def resolve_db_url(setting: str | None = None) -> str:
    """The environment variable wins over the setting, so cron jobs can point a run elsewhere."""
    return os.environ.get(ENV_VAR) or setting or DEFAULT_DB_URL


def make_engine(url: str, *, create_tables: bool = True) -> Engine:
    parsed = make_url(url)
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    elif parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        # psycopg 3 is the driver we install; a bare postgresql:// URL means it.
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    quiet_pool_outages()  # a dropped connection in an outage is one line, not a traceback
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create_tables:
        from aggregator.db.migrations import create_search_and_views

        create_schema(engine)
        create_search_and_views(engine)
    return engine


def lock_schema(conn: Connection) -> None:
    """Make this transaction the only one changing the schema until it ends, so crawlers
    starting at once on a new database create each table once: PostgreSQL's advisory lock
    (IF NOT EXISTS is not race-free there), SQLite's write lock (taken up front, so the
    check for a table and its CREATE cannot be split by another process). Call first."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7301052)"))
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to busy_timeout for the lock


def create_schema(engine: Engine) -> None:
    """Create missing tables, and stamp a database this call created at the head revision;
    safe when several crawlers start at once on a new database. The emptiness check, the
    CREATEs and the stamp share one locked transaction: a crawler that finds the tables
    made by another finds its stamp too (checked before the lock, it could see the tables
    and not yet the stamp, and a crash between the two left a head schema marked as 0001)."""
    from aggregator.db.migrations import has_tables, stamp_head
    from aggregator.db.models import Base

    with engine.begin() as conn:
        lock_schema(conn)
        fresh = not has_tables(conn)
        Base.metadata.create_all(conn)
        if fresh:
            stamp_head(conn)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets a reader (an analyst) and a crawl, or two crawls, share the file;
    # busy_timeout makes a writer wait for the lock instead of failing at once.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    _switch_to_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _switch_to_wal(cur, wait: float = 30.0) -> None:
    """Switching a new file to WAL needs it alone for a moment, and SQLite answers "database
    is locked" at once there instead of waiting out busy_timeout: crawlers opening a new
    database together retry for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@lru_cache(maxsize=4)
def cached_engine(url: str) -> Engine:
    """One engine per URL for this process: what a worker process uses for its batches
    (the crawl process has created and migrated the schema before any batch runs)."""
    return make_engine(url, create_tables=False)


def engine_for_crawler(crawler) -> Engine:
    """One engine per crawl, shared by every component that needs the database."""
    engine = getattr(crawler, "_aggregator_engine", None)
    if engine is None:
        engine = make_engine(resolve_db_url(crawler.settings.get("AGGREGATOR_DB_URL")))
        crawler._aggregator_engine = engine
    return engine
