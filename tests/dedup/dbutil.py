"""Database helpers for the dedup tests: throw-away SQLite files and PostgreSQL schemas."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

PG_URL = os.environ.get("AGGREGATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_unreachable_reason() -> str | None:
    """None when PostgreSQL answers, else why not (used as the skip reason)."""
    try:
        import psycopg
    except ImportError as e:  # pragma: no cover
        return f"psycopg not installed: {e}"
    try:
        with psycopg.connect(_conninfo(PG_URL), connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as e:  # noqa: BLE001
        return f"PostgreSQL not reachable at {PG_URL}: {e.__class__.__name__}: {str(e).strip()[:200]}"
    return None


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_pg_schema(prefix: str = "dedup_test") -> tuple[str, str]:
    """Create a unique schema; returns (schema, SQLAlchemy URL whose search_path is it)."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


def drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def get_source(session: Session, name: str) -> int:
    from aggregator.db.models import Source

    sid = session.scalar(select(Source.id).where(Source.name == name))
    if sid is None:
        src = Source(name=name, spider=name)
        session.add(src)
        session.flush()
        sid = src.id
    return sid


def add_article(session: Session, url: str, body: str, *, source: str = "site-a", title: str = "t",
                published_at: datetime | None = None, origin: str | None = None) -> int:
    from aggregator.db.models import Article
    from aggregator.dedup import body_hash

    art = Article(
        url=url,
        source_id=get_source(session, source),
        title=title,
        body=body,
        published_at=published_at,
        origin=origin,
        fetched_at=datetime.now(timezone.utc),
        body_hash=body_hash(body),
    )
    session.add(art)
    session.flush()
    return art.id
