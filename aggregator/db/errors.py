"""Which database errors are an outage to wait out, and how to name one in one line.

An *operational* failure — the server is down or restarting, the connection was lost,
the file is locked past its timeout, the disk is full, the database is read-only — says
nothing about the rows being written: the same batch succeeds once the fault is gone.
Anything else (a constraint, a bad value, a missing table) is a problem of the data or
the code, and retrying it would only hide it.
"""

from __future__ import annotations

import logging

#: SQLite's messages for an operational failure (sqlite3 raises OperationalError for
#: "no such table" too, which is not one).
SQLITE_OUTAGE_MESSAGES = (
    "database is locked", "database table is locked", "disk is full", "disk i/o error",
    "readonly database", "unable to open database file", "database is busy", "out of memory",
)
#: PostgreSQL SQLSTATE classes and codes of an operational failure: connection exceptions,
#: insufficient resources (disk full, too many connections), operator intervention (admin
#: shutdown, starting up), a read-only transaction (a standby), serialization failures.
POSTGRES_OUTAGE_STATES = ("08", "53", "57", "58", "25006", "40001", "40P01")


class DatabaseUnavailable(Exception):
    """The database could not be reached or refused writes for an operational reason.

    Plain and picklable, so a worker process can hand it back to the crawl process.
    """


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` is an operational failure of the database (see the module doc)."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state:
        return str(state).startswith(POSTGRES_OUTAGE_STATES)
    if type(orig).__module__.startswith("sqlite3") or "sqlite" in type(orig).__module__:
        message = str(orig).lower()
        return any(m in message for m in SQLITE_OUTAGE_MESSAGES)
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all or
    # the server dropped the connection; the pool sees the driver's own (unwrapped) class
    return isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(orig, Exception) and type(orig).__name__ in ("OperationalError", "InterfaceError")
        and type(orig).__module__.split(".")[0] in ("psycopg", "psycopg2"))


def describe(exc: BaseException) -> str:
    """One line naming the error: its class and the first line of its message."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return f"{type(orig).__name__}: {first}"[:300] if first else type(orig).__name__


class OutageTracebackFilter(logging.Filter):
    """SQLAlchemy's pool logs a full traceback at ERROR when it cannot reset or close a
    connection that a stopped server already dropped ("Exception during reset or
    similar"). In an outage that is expected and already reported once by DatabaseWait, so
    it becomes one WARNING line naming the error; any other error keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and is_outage(exc):
            record.msg = f"{record.getMessage()}: {describe(exc)}"
            record.args = ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_pool_outages() -> None:
    """Install OutageTracebackFilter on the logger of every pool class (a filter on a
    parent logger would not see its children's records)."""
    from sqlalchemy.pool import Pool

    stack = [Pool]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        pool_logger = logging.getLogger(f"{cls.__module__}.{cls.__name__}")
        if not any(isinstance(f, OutageTracebackFilter) for f in pool_logger.filters):
            pool_logger.addFilter(OutageTracebackFilter())
