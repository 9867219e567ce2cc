"""Fixtures for the relate tests: an empty database on SQLite, and on PostgreSQL when one
is reachable (in a schema of its own, dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from aggregator.db.engine import make_engine
from aggregator.db.models import Article, Base, Source
from aggregator.relate import ensure_schema

PG_URL = os.environ.get("AGGREGATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _sqlite_engine(tmp_path):
    return make_engine(f"sqlite:///{tmp_path / 'relate.db'}")


def _pg_engine():
    try:
        probe = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to test against
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); set AGGREGATOR_TEST_PG_URL")
    schema = f"relate_test_{uuid.uuid4().hex[:10]}"
    with probe.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    probe.dispose()
    engine = make_engine(PG_URL, create_tables=False)

    @event.listens_for(engine, "connect")
    def _search_path(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute(f'set search_path to "{schema}"')
        cur.close()
        dbapi_conn.commit()

    Base.metadata.create_all(engine)
    return engine, schema


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        eng = _sqlite_engine(tmp_path)
        ensure_schema(eng)
        yield eng
        eng.dispose()
    else:
        eng, schema = _pg_engine()
        ensure_schema(eng)
        yield eng
        eng.dispose()
        cleanup = create_engine(PG_URL)
        with cleanup.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        cleanup.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    eng = _sqlite_engine(tmp_path)
    ensure_schema(eng)
    yield eng
    eng.dispose()


def add_article(session: Session, title: str, body: str, *, duplicate_of: int | None = None) -> int:
    src = session.query(Source).filter_by(name="test").one_or_none()
    if src is None:
        src = Source(name="test", spider="test")
        session.add(src)
        session.flush()
    n = session.query(Article).count()
    a = Article(url=f"https://example.com/{n}-{uuid.uuid4().hex[:6]}", source_id=src.id, title=title, body=body,
                fetched_at=datetime.now(timezone.utc), body_hash=uuid.uuid4().hex, duplicate_of=duplicate_of)
    session.add(a)
    session.flush()
    return a.id


@pytest.fixture
def new_article():
    """``new_article(session, title, body, duplicate_of=None) -> id``: insert an article row."""
    return add_article
