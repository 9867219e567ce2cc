"""sql/readonly_role.sql against the real PostgreSQL server, each case in a database
of its own (created and dropped here, with roles of unique names; nothing is changed
on `test` or `postgres`): the role reads every table and view — also ones created
later, and raw_html — and cannot write or create anything by privileges, even after
`SET default_transaction_read_only = off`, also on a database where PUBLIC had CREATE
on schema public (the default before PostgreSQL 15)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from aggregator.db.engine import make_engine
from tests.analyst.conftest import pg_reachable, skip_or_fail
from tests.conftest import PG_URL, ROOT

SCRIPT = ROOT / "sql" / "readonly_role.sql"
CONNECTION_LIMIT = 10  # as in the script

ATTACKS = [
    "INSERT INTO sources (name, spider) VALUES ('x', 'x')",
    "UPDATE articles SET title = 'x'",
    "DELETE FROM crawl_runs",
    "CREATE TABLE mine (x integer)",
    "CREATE TABLE public.mine (x integer)",
    "CREATE VIEW public.my_view AS SELECT 1 AS x",
    "CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS 'SELECT $1'",
    "CREATE TEMP TABLE copied AS SELECT raw_html FROM articles",
    "CREATE TEMPORARY TABLE t (x integer)",
    "CREATE FUNCTION pg_temp.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
    "CREATE SCHEMA mine",
    "CREATE SEQUENCE public.s",
]


@pytest.fixture
def cluster():
    """Create databases and roles of unique names on the real server; drop them after."""
    reason = pg_reachable()
    if reason:
        skip_or_fail(reason)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    made: dict[str, list[str]] = {"databases": [], "roles": []}
    tag = uuid.uuid4().hex[:10]

    class Cluster:
        def role(self, kind: str, attributes: str = "") -> str:
            name = f"t_{kind}_{tag}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN {attributes}")
            made["roles"].append(name)
            return name

        def adopt_role(self, name: str) -> str:
            """A role something else creates (the script): dropped afterwards too."""
            made["roles"].append(name)
            return name

        def database(self, kind: str, owner: str) -> str:
            name = f"t_ro_{kind}_{tag}"
            assert name not in ("test", "postgres")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name} OWNER {owner}")
            made["databases"].append(name)
            return name

        def url(self, database: str, user: str) -> str:
            return make_url(PG_URL).set(database=database, username=user).render_as_string(hide_password=False)

        def admin_in(self, database: str):
            return create_engine(self.url(database, make_url(PG_URL).username or "postgres"), isolation_level="AUTOCOMMIT")

    try:
        yield Cluster()
    finally:
        with admin.connect() as conn:
            for name in made["databases"]:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            for name in reversed(made["roles"]):
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        admin.dispose()


def script_for(role: str) -> str:
    return SCRIPT.read_text(encoding="utf-8").replace("aggregator_readonly", role)


def run_script(engine, sql: str) -> None:
    with engine.begin() as conn:
        conn.connection.driver_connection.execute(sql)  # as psql runs it: no placeholders


@contextmanager
def connected(url: str):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@pytest.mark.parametrize("public_had_create", [False, True], ids=["pg15-default", "public-had-create"])
def test_readonly_role_by_privileges(cluster, public_had_create):
    crawler = cluster.role("crawler", "CREATEROLE")
    reader = cluster.adopt_role(f"t_reader_{uuid.uuid4().hex[:10]}")  # the script creates it
    database = cluster.database("create" if public_had_create else "plain", owner=crawler)
    if public_had_create:
        admin = cluster.admin_in(database)
        with admin.connect() as conn:
            conn.exec_driver_sql("GRANT CREATE ON SCHEMA public TO PUBLIC")
            assert conn.execute(text("SELECT has_schema_privilege('public', 'public', 'CREATE')")).scalar()
        admin.dispose()
    owner = make_engine(cluster.url(database, crawler))  # tables and views as a crawl creates them
    try:
        with owner.begin() as conn:
            conn.execute(text("INSERT INTO sources (name, spider) VALUES ('测试源', 'test')"))
        for _ in range(2):  # running it twice is harmless
            run_script(owner, script_for(reader))
        with owner.begin() as conn:  # a table created after the script ran
            conn.exec_driver_sql("CREATE TABLE later_table (x integer)")
            conn.exec_driver_sql("INSERT INTO later_table VALUES (1)")
            # PUBLIC itself lost CREATE on public and TEMPORARY on the database
            assert not conn.execute(text("SELECT has_schema_privilege('public', 'public', 'CREATE')")).scalar()
            assert not conn.execute(text("SELECT has_database_privilege('public', current_database(), 'TEMPORARY')")).scalar()
            limit = conn.execute(text("SELECT rolconnlimit FROM pg_roles WHERE rolname = :r"), {"r": reader}).scalar()
        assert limit == CONNECTION_LIMIT
    finally:
        owner.dispose()

    url = cluster.url(database, reader)
    with connected(url) as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM sources")).scalar() == 1
        assert conn.execute(text("SELECT COUNT(*) FROM stories")).scalar() == 0  # views too
        assert conn.execute(text("SELECT COUNT(*) FROM source_health")).scalar() == 1
        assert conn.execute(text("SELECT x FROM later_table")).scalar() == 1  # default privileges
        conn.execute(text("SELECT raw_html FROM articles LIMIT 1")).all()  # readable: documented
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "2min"
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "10min"
    for statement in ATTACKS:
        with connected(url) as conn:
            # the session default is no protection: turn it off first
            conn.exec_driver_sql("SET default_transaction_read_only = off")
            conn.commit()
            conn.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            conn.commit()
            assert conn.execute(text("SHOW transaction_read_only")).scalar() == "off"
            conn.commit()
            with pytest.raises(DBAPIError, match="permission denied"):
                conn.exec_driver_sql(statement)
    # the connection limit is enforced by the server
    engines = [create_engine(url) for _ in range(CONNECTION_LIMIT + 1)]
    conns = []
    try:
        for engine in engines[:CONNECTION_LIMIT]:
            conns.append(engine.connect())
        with pytest.raises(OperationalError, match="too many connections for role"):
            engines[-1].connect()
    finally:
        for conn in conns:
            conn.close()
        for engine in engines:
            engine.dispose()


def test_script_fails_loudly_when_it_cannot_revoke(cluster):
    """Run by a role that owns the tables but not the database or schema public (whose
    REVOKE would only warn): the script must raise, not leave a role that can create."""
    crawler = cluster.role("crawler2", "CREATEROLE")
    reader = cluster.role("reader2")  # made beforehand, so the fixture drops it
    database = cluster.database("notowner", owner=make_url(PG_URL).username or "postgres")
    admin = cluster.admin_in(database)
    with admin.connect() as conn:
        conn.exec_driver_sql("GRANT CREATE ON SCHEMA public TO PUBLIC")  # as before PostgreSQL 15
        conn.exec_driver_sql(f"GRANT ALL ON DATABASE {database} TO {crawler}")
    owner = make_engine(cluster.url(database, crawler))
    try:
        with pytest.raises(psycopg.errors.RaiseException, match="is not read-only: it can CREATE in schema public"):
            run_script(owner, script_for(reader))
    finally:
        owner.dispose()
        admin.dispose()
