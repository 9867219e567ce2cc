"""Which database errors are outages to wait out (aggregator.db.errors), on real drivers."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from aggregator.db.errors import DatabaseUnavailable, describe, is_outage
from tests.faults.pgserver import free_port


def error_of(url: str, sql: str = "SELECT 1") -> SQLAlchemyError:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    except SQLAlchemyError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("no error")


def test_a_refused_postgresql_connection_is_an_outage():
    exc = error_of(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    assert is_outage(exc)
    assert describe(exc).startswith("OperationalError: connection failed") and "\n" not in describe(exc)


def test_a_missing_sqlite_folder_is_an_outage_a_missing_table_is_not(tmp_path):
    assert is_outage(error_of(f"sqlite:///{tmp_path}/no/such/dir/x.db"))
    missing_table = error_of("sqlite://", "SELECT * FROM nothing_here")
    assert not is_outage(missing_table)  # a bug, not an outage: retrying would only hide it
    assert describe(missing_table) == "OperationalError: no such table: nothing_here"


def test_a_constraint_violation_is_not_an_outage(pg_url):
    exc = error_of(pg_url, "CREATE TABLE t (x int primary key); INSERT INTO t VALUES (1), (1)")
    assert not is_outage(exc)


@pytest.mark.parametrize("message", ["database is locked", "database or disk is full", "attempt to write a readonly database"])
def test_sqlite_outage_messages(message):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    assert is_outage(OperationalError("INSERT", {}, sqlite3.OperationalError(message)))
    assert is_outage(DatabaseUnavailable(message))
