"""sql/readonly_role.sql against the real PostgreSQL server: the role can read every
table and view, also ones created later, and can change nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError, InternalError

from aggregator.db.engine import make_engine
from tests.conftest import ROOT

SCRIPT = ROOT / "sql" / "readonly_role.sql"


def test_readonly_role(pg_url):
    role = f"ro_test_{uuid.uuid4().hex[:10]}"
    schema = make_url(pg_url).query["options"].split("=", 1)[1]
    # the script names the role aggregator_readonly and the schema public: this test's copies
    sql = SCRIPT.read_text(encoding="utf-8").replace("aggregator_readonly", role).replace("SCHEMA public", f"SCHEMA {schema}")
    owner = make_engine(pg_url)  # tables and views as a crawl creates them
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO sources (name, spider) VALUES ('测试源', 'test')"))
    try:
        for _ in range(2):  # running it twice is harmless
            with owner.begin() as conn:
                conn.connection.driver_connection.execute(sql)  # as psql runs it: no placeholders
        with owner.begin() as conn:  # a table created after the script ran
            conn.exec_driver_sql("CREATE TABLE later_table (x integer)")
            conn.exec_driver_sql("INSERT INTO later_table VALUES (1)")

        reader = create_engine(make_url(pg_url).set(username=role))
        with reader.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM sources")).scalar() == 1
            assert conn.execute(text("SELECT COUNT(*) FROM stories")).scalar() == 0  # views too
            assert conn.execute(text("SELECT COUNT(*) FROM source_health")).scalar() == 1
            assert conn.execute(text("SELECT x FROM later_table")).scalar() == 1  # default privileges
        for statement in (
            "INSERT INTO sources (name, spider) VALUES ('x', 'x')",
            "UPDATE articles SET title = 'x'",
            "DELETE FROM crawl_runs",
            "CREATE TABLE mine (x integer)",
        ):
            with reader.connect() as conn:
                with pytest.raises((ProgrammingError, InternalError), match="permission denied|read-only transaction"):
                    conn.execute(text(statement))
            with reader.connect() as conn:  # not only read-only sessions: no privilege either
                conn.execute(text("SET TRANSACTION READ WRITE"))
                with pytest.raises(ProgrammingError, match="permission denied"):
                    conn.execute(text(statement))
        reader.dispose()
    finally:
        with owner.begin() as conn:
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                conn.exec_driver_sql(f"DROP OWNED BY {role}")
                conn.exec_driver_sql(f"DROP ROLE {role}")
        owner.dispose()
