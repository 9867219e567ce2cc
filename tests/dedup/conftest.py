from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from aggregator.db.engine import make_engine
from tests.dedup import dbutil


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh empty database per test: a temp SQLite file, or a unique PostgreSQL schema
    (dropped afterwards). PostgreSQL tests skip, with the reason, when it is unreachable."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dedup.db'}"
        return
    reason = dbutil.pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema, url = dbutil.create_pg_schema()
    try:
        yield url
    finally:
        dbutil.drop_pg_schema(schema)


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine) as s:
        yield s
