"""Worker run in a separate process by test_concurrency (importable for 'spawn')."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def ingest(db_url: str, items: list[dict], barrier, results, register=None) -> None:
    """Insert each item as an article and register it, in step with the other worker:
    both wait at the barrier before every item so their transactions interleave."""
    from sqlalchemy.orm import Session

    from aggregator.db.engine import make_engine
    from aggregator.dedup import register_article

    register_article = register or register_article
    from tests.dedup.dbutil import add_article

    engine = make_engine(db_url, create_tables=False)
    out = []
    try:
        with Session(engine) as s:
            for it in items:
                barrier.wait(timeout=60)
                aid = add_article(s, it["url"], it["body"], source=it["source"],
                                  published_at=datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=it["minute"]))
                r = register_article(s, aid, it["body"])
                out.append((it["story"], aid, r.kind))
        results.put(("ok", out))
    except BaseException as e:  # noqa: BLE001
        import traceback

        results.put(("error", traceback.format_exc()))
        barrier.abort()
        raise
    finally:
        engine.dispose()
